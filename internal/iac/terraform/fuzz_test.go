package terraform

import (
	"context"
	"testing"
	"testing/fstest"

	"github.com/palisade-sec/palisade/internal/iac/aws"
)

// FuzzLoad feeds arbitrary HCL through the parser, the evaluator and the model mapping.
func FuzzLoad(f *testing.F) {
	for _, c := range aws.Builtin() {
		for _, src := range append(c.Fail, c.Pass...) { // both formats: each loader must survive the other
			f.Add([]byte(src))
		}
	}
	f.Add([]byte("variable \"x\" {\n  default = true\n}\nlocals {\n  a = local.b\n  b = local.a\n}\nresource \"aws_ebs_volume\" \"v\" {\n  encrypted = local.a\n}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m := &aws.Model{}
		testLoad(context.Background(), fstest.MapFS{"m.tf": {Data: data}}, []string{"m.tf"}, m)
		if _, problems, err := aws.Evaluate(context.Background(), aws.Builtin(), m, "m"); err != nil || len(problems) > 0 {
			t.Fatal(err, problems) // a check that panics is a bug even when the scan survives it
		}
	})
}

// FuzzLoadPlan feeds arbitrary JSON through the plan reader and every AWS check.
func FuzzLoadPlan(f *testing.F) {
	f.Add([]byte(plan))
	f.Add([]byte(`{"format_version":"1.2","planned_values":{"root_module":{"resources":[{"address":"a.b","type":"aws_kms_key","values":{"enable_key_rotation":false}}]}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m := &aws.Model{}
		LoadPlan("plan.json", data, m)
		if _, problems, err := aws.Evaluate(context.Background(), aws.Builtin(), m, "m"); err != nil || len(problems) > 0 {
			t.Fatal(err, problems) // a check that panics is a bug even when the scan survives it
		}
	})
}
