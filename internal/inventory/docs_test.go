package inventory

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDocsListEveryFormat keeps docs/lockfiles.md in step with the extractor list: every file
// pattern Extract reads must be named there.
func TestDocsListEveryFormat(t *testing.T) {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("no go.mod above the package: cannot find docs/")
		}
		dir = parent
	}
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
