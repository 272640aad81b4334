package inventory

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/internal/shareddata"
)

// TestDocsListEveryFormat keeps docs/lockfiles.md in step with the extractor list: every file
// pattern ExtractWith reads must be named there, in the section for its mode.
func TestDocsListEveryFormat(t *testing.T) {
	dir := shareddata.ModuleRoot(t)
	doc, err := os.ReadFile(filepath.Join(dir, "docs", "lockfiles.md"))
	if err != nil {
		t.Fatalf("docs/lockfiles.md: %v", err)
	}
	// Installed-package formats are documented in their own section, the others before it, so the
	// page says truly which a repository scan reads.
	repo, installed, ok := strings.Cut(string(doc), "\n## Installed packages")
	if !ok {
		t.Fatal("docs/lockfiles.md has no \"## Installed packages\" section")
	}
	installed, _, _ = strings.Cut(installed, "\n## ")
	for _, f := range Formats() {
		section, where := repo, "before"
		if f.Installed {
			section, where = installed, "in"
		}
		for _, p := range f.Patterns {
			if !strings.Contains(section, "`"+p+"`") {
				t.Errorf("docs/lockfiles.md does not name %s's pattern `%s` %s its Installed packages section", f.Name, p, where)
			}
		}
	}
}
