package aws_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/iac/aws"
	"github.com/palisade-sec/palisade/internal/iac/cloudformation"
	"github.com/palisade-sec/palisade/internal/iac/terraform"
)

// wantLines returns the lines marked "# want": the line itself when the marker ends it, the next
// line when the marker stands alone.
func wantLines(src string) []int {
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

func load(t *testing.T, ex aws.Example) *aws.Model {
	t.Helper()
	m := &aws.Model{}
	switch ex.Format {
	case "tf":
		fsys := fstest.MapFS{"main.tf": {Data: []byte(ex.Src)}}
		if ps := terraform.Load(context.Background(), fsys, []string{"main.tf"}, m); len(ps) > 0 {
			t.Fatalf("example does not load: %+v\n%s", ps, ex.Src)
		}
	case "cfn":
		ok, ps := cloudformation.Load("template.yaml", []byte(ex.Src), m)
		if !ok || len(ps) > 0 {
			t.Fatalf("example does not load (template %v): %+v\n%s", ok, ps, ex.Src)
		}
	default:
		t.Fatalf("unknown example format %q", ex.Format)
	}
	return m
}

// TestChecks runs every AWS check's own Terraform and CloudFormation examples through the loaders.
func TestChecks(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range aws.Builtin() {
		t.Run(c.Rule.ID, func(t *testing.T) {
			if seen[c.Rule.ID] {
				t.Fatal("duplicate check ID")
			}
			seen[c.Rule.ID] = true
			r := c.Rule
			if !strings.HasPrefix(r.ID, "aws-") || r.Title == "" || r.Description == "" || r.Remediation == "" || len(r.Tags) == 0 || r.Severity < finding.SeverityInfo {
				t.Fatalf("incomplete rule %+v", r)
			}
			if len(c.Fail) == 0 || len(c.Pass) == 0 {
				t.Fatal("a check needs failing and passing examples")
			}
			for i, ex := range c.Fail {
				var got []int
				for _, f := range aws.Evaluate([]aws.Check{c}, load(t, ex)) {
					got = append(got, f.Location.StartLine)
				}
				slices.Sort(got)
				want := wantLines(ex.Src)
				if len(want) == 0 {
					t.Fatalf("fail example %d marks no line", i)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("fail example %d (%s): lines (-want +got):\n%s\n%s", i, ex.Format, diff, ex.Src)
				}
			}
			for i, ex := range c.Pass {
				if fs := aws.Evaluate([]aws.Check{c}, load(t, ex)); len(fs) > 0 {
					t.Errorf("pass example %d (%s) flagged: %s (line %d)\n%s", i, ex.Format, fs[0].Description, fs[0].Location.StartLine, ex.Src)
				}
			}
		})
	}
}
