// Package checktest is the one example harness of the IaC check families: it runs every check's
// own Fail and Pass examples (package check), the way net/http/httptest serves handlers under test.
package checktest

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/iac/check"
)

// WantLines returns the 1-based lines of src marked "# want": the line itself when the marker
// ends it, the next line when the marker stands alone (Dockerfile comments cannot end a line).
func WantLines(src string) []int {
	var out []int
	for i, l := range strings.Split(src, "\n") {
		switch t := strings.TrimSpace(l); {
		case t == "# want":
			out = append(out, i+2)
		case strings.HasSuffix(t, "# want"):
			out = append(out, i+1)
		}
	}
	return out
}

// Run is the table test of a family: every check must have a well-formed rule whose ID starts
// with prefix and is not repeated, at least one Fail and one Pass example; each Fail example must
// be flagged by the check on exactly its "# want" lines and each Pass example not at all. eval
// parses one example (failing the test if it does not parse) and evaluates the one check over it.
func Run[M, R any](t *testing.T, prefix string, checks []check.Check[M, R], eval func(t *testing.T, c check.Check[M, R], src string) []finding.Finding) {
	t.Helper()
	seen := map[string]bool{}
	for _, c := range checks {
		r := c.Rule
		t.Run(r.ID, func(t *testing.T) {
			if seen[r.ID] {
				t.Fatalf("duplicate check ID %s", r.ID)
			}
			seen[r.ID] = true
			if !strings.HasPrefix(r.ID, prefix) || r.Title == "" || r.Description == "" || r.Remediation == "" || len(r.Tags) == 0 || r.Severity < finding.SeverityInfo {
				t.Fatalf("needs a %s ID, title, description, remediation, benchmark tags and a severity: %+v", prefix, r)
			}
			if c.Run == nil {
				t.Fatal("no Run function")
			}
			if len(c.Fail) == 0 || len(c.Pass) == 0 {
				t.Fatal("a check needs at least one failing and one passing example")
			}
			for i, src := range c.Fail {
				var got []int
				for _, f := range eval(t, c, src) {
					if f.RuleID != r.ID {
						t.Errorf("fail example %d: finding of %s from check %s", i, f.RuleID, r.ID)
					}
					got = append(got, f.Location.StartLine)
				}
				slices.Sort(got)
				want := WantLines(src)
				if len(want) == 0 {
					t.Fatalf("fail example %d marks no line with # want:\n%s", i, src)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("fail example %d: finding lines (-want +got):\n%s\n%s", i, diff, src)
				}
			}
			for i, src := range c.Pass {
				if fs := eval(t, c, src); len(fs) > 0 {
					t.Errorf("pass example %d flagged: %s (line %d)\n%s", i, fs[0].Description, fs[0].Location.StartLine, src)
				}
			}
		})
	}
}
