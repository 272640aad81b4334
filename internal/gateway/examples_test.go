package gateway

import (
	"os"
	"path/filepath"
	"testing"
)

// TestExamplesParse keeps the documented sample configurations valid.
func TestExamplesParse(t *testing.T) {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		if parent := filepath.Dir(dir); parent != dir {
			dir = parent
			continue
		}
		t.Skip("repository root not found")
	}
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
