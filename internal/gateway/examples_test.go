package gateway

import (
	"path/filepath"
	"testing"

	"github.com/palisade-sec/palisade/internal/shareddata"
)

// TestExamplesParse keeps the documented sample configurations valid.
func TestExamplesParse(t *testing.T) {
	dir := shareddata.ModuleRoot(t)
	files, err := filepath.Glob(filepath.Join(dir, "examples", "gateway", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no example configurations found: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			if _, err := LoadConfig(f); err != nil {
				t.Fatal(err)
			}
		})
	}
}
