package inventory

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/internal/shareddata"
)

// TestDocsListEveryFormat keeps docs/lockfiles.md in step with the extractor list: every file
// pattern Extract reads must be named there.
func TestDocsListEveryFormat(t *testing.T) {
	dir := shareddata.ModuleRoot(t)
	doc, err := os.ReadFile(filepath.Join(dir, "docs", "lockfiles.md"))
	if err != nil {
		t.Fatalf("docs/lockfiles.md: %v", err)
	}
	for _, f := range Formats() {
		for _, p := range f.Patterns {
			if !strings.Contains(string(doc), "`"+p+"`") {
				t.Errorf("docs/lockfiles.md does not name %s's pattern `%s`", f.Name, p)
			}
		}
	}
}
