package k8s

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-sec/palisade/internal/finding"
)

// wantLines returns the 1-based lines of src marked "# want".
func wantLines(src string) []int {
	var out []int
	for i, l := range strings.Split(src, "\n") {
		if strings.HasSuffix(strings.TrimSpace(l), "# want") {
			out = append(out, i+1)
		}
	}
	return out
}

func runOne(t *testing.T, c Check, src string) []finding.Finding {
	t.Helper()
	rs, problems := Parse("ex.yaml", []byte(src))
	if len(problems) > 0 {
		t.Fatalf("example does not parse: %+v\n%s", problems, src)
	}
	if len(rs) == 0 {
		t.Fatalf("example holds no Kubernetes object:\n%s", src)
	}
	fs, err := Evaluate(context.Background(), []Check{c}, rs)
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

// TestChecks runs every built-in check's own examples: each Fail example must be flagged on
// exactly its "# want" lines, each Pass example not at all.
func TestChecks(t *testing.T) {
	for _, c := range Builtin() {
		t.Run(c.Rule.ID, func(t *testing.T) {
			if len(c.Fail) == 0 || len(c.Pass) == 0 {
				t.Fatal("a check needs at least one failing and one passing example")
			}
			for i, src := range c.Fail {
				fs := runOne(t, c, src)
				var got []int
				for _, f := range fs {
					if f.RuleID != c.Rule.ID {
						t.Errorf("finding of %s from check %s", f.RuleID, c.Rule.ID)
					}
					got = append(got, f.Location.StartLine)
				}
				slices.Sort(got)
				want := wantLines(src)
				if len(want) == 0 {
					t.Fatalf("fail example %d marks no line with # want", i)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("fail example %d: finding lines (-want +got):\n%s\n%s", i, diff, src)
				}
			}
			for i, src := range c.Pass {
				if fs := runOne(t, c, src); len(fs) > 0 {
					t.Errorf("pass example %d flagged: %s (line %d)\n%s", i, fs[0].Description, fs[0].Location.StartLine, src)
				}
			}
		})
	}
}

func TestRulesAreWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range Builtin() {
		r := c.Rule
		if seen[r.ID] {
			t.Errorf("duplicate check ID %s", r.ID)
		}
		seen[r.ID] = true
		if !strings.HasPrefix(r.ID, "k8s-") || r.Title == "" || r.Description == "" || r.Remediation == "" || len(r.Tags) == 0 {
			t.Errorf("%s: needs a k8s- ID, title, description, remediation and benchmark tags: %+v", r.ID, r)
		}
		if r.Severity < finding.SeverityInfo {
			t.Errorf("%s: severity not set", r.ID)
		}
		if (c.Object == nil) == (c.Tree == nil) {
			t.Errorf("%s: exactly one of Object and Tree must be set", r.ID)
		}
	}
}
