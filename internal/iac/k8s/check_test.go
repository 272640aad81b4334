package k8s

import (
	"context"
	"testing"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/iac/check/checktest"
)

// TestChecks runs every built-in check's own examples: each Fail example must be flagged on
// exactly its "# want" lines, each Pass example not at all.
func TestChecks(t *testing.T) {
	checktest.Run(t, "k8s-", Builtin(), func(t *testing.T, c Check, src string) []finding.Finding {
		t.Helper()
		rs, problems := Parse("ex.yaml", []byte(src))
		if len(problems) > 0 {
			t.Fatalf("example does not parse: %+v\n%s", problems, src)
		}
		if len(rs) == 0 {
			t.Fatalf("example holds no Kubernetes object:\n%s", src)
		}
		fs, problems, err := Evaluate(context.Background(), []Check{c}, rs, "ex.yaml")
		if err != nil || len(problems) > 0 {
			t.Fatalf("evaluate: %v %+v", err, problems)
		}
		return fs
	})
}
