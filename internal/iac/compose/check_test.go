package compose

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-sec/palisade/internal/finding"
)

func wantLines(src string) []int {
	var out []int
	for i, l := range strings.Split(src, "\n") {
		if strings.HasSuffix(strings.TrimSpace(l), "# want") {
			out = append(out, i+1)
		}
	}
	return out
}

// TestChecks runs every built-in check's own examples.
func TestChecks(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range Builtin() {
		t.Run(c.Rule.ID, func(t *testing.T) {
			if seen[c.Rule.ID] {
				t.Fatal("duplicate check ID")
			}
			seen[c.Rule.ID] = true
			if len(c.Fail) == 0 || len(c.Pass) == 0 || c.Rule.Remediation == "" || len(c.Rule.Tags) == 0 || c.Rule.Severity < finding.SeverityInfo {
				t.Fatal("a check needs examples, remediation, tags and a severity")
			}
			run := func(src string) []finding.Finding {
				p, err := Parse("compose.yaml", []byte(src))
				if err != nil || p == nil {
					t.Fatalf("example does not parse (%v):\n%s", err, src)
				}
				fs, err := Evaluate(context.Background(), []Check{c}, p)
				if err != nil {
					t.Fatal(err)
				}
				return fs
			}
			for i, src := range c.Fail {
				var got []int
				for _, f := range run(src) {
					got = append(got, f.Location.StartLine)
				}
				slices.Sort(got)
				if diff := cmp.Diff(wantLines(src), got); diff != "" || len(got) == 0 {
					t.Errorf("fail example %d: lines (-want +got):\n%s\n%s", i, diff, src)
				}
			}
			for i, src := range c.Pass {
				if fs := run(src); len(fs) > 0 {
					t.Errorf("pass example %d flagged: %s\n%s", i, fs[0].Description, src)
				}
			}
		})
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		services  int
		wantErr   string
	}{
		{"not compose", "apiVersion: v1\nkind: Pod\n", 0, ""},
		{"empty", "", 0, ""},
		{"wrong type", "services:\n  web:\n    image: a:1\n    privileged: maybe\n", 1, "line 4"},
		{"syntax", "services:\n  web: [\n", 0, "parse compose file c.yaml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse("c.yaml", []byte(tc.src))
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
			n := 0
			if p != nil {
				n = len(p.Services)
			}
			if n != tc.services {
				t.Errorf("services = %d, want %d", n, tc.services)
			}
		})
	}
}
