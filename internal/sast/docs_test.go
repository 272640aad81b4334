package sast

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/sast/taint"
	"github.com/palisade-sec/palisade/internal/shareddata"
)

// TestDocsListEveryRule: docs/sast.md has a row for every taint rule with its CWE and severity,
// and no row for a rule that does not exist.
func TestDocsListEveryRule(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(shareddata.ModuleRoot(t), "docs", "sast.md"))
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for _, line := range strings.Split(string(doc), "\n") {
		if id, ok := strings.CutPrefix(line, "| `go-"); ok {
			id, rest, _ := strings.Cut(id, "`")
			rows["go-"+id] = rest
		}
	}
	for _, c := range taint.Classes() {
		row, ok := rows[c.RuleID]
		if !ok {
			t.Errorf("docs/sast.md has no row for %s", c.RuleID)
			continue
		}
		if want := " | " + c.CWE + " | " + c.Severity + " | "; !strings.HasPrefix(row, want) {
			t.Errorf("docs/sast.md row for %s = %q, want it to start %q", c.RuleID, row, want)
		}
		if _, err := finding.ParseSeverity(c.Severity); err != nil {
			t.Errorf("%s: severity %q: %v", c.RuleID, c.Severity, err)
		}
		delete(rows, c.RuleID)
	}
	for id := range rows {
		t.Errorf("docs/sast.md lists %s, which is not a rule", id)
	}
}
