package iac

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/internal/shareddata"
)

// TestDocsListEveryCheck keeps docs/iac.md in step with the built-in lists.
func TestDocsListEveryCheck(t *testing.T) {
	dir := shareddata.ModuleRoot(t)
	doc, err := os.ReadFile(filepath.Join(dir, "docs", "iac.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range BuiltinRules() {
		if !strings.Contains(string(doc), "| `"+r.ID+"` | "+r.Severity.String()+" |") {
			t.Errorf("docs/iac.md does not list %s with severity %s", r.ID, r.Severity)
		}
	}
}
