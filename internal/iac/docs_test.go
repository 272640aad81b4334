package iac

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDocsListEveryCheck keeps docs/iac.md in step with the built-in lists.
func TestDocsListEveryCheck(t *testing.T) {
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
			t.Skip("repository root not found")
		}
		dir = parent
	}
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
