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
		for _, ex := range append(c.Fail, c.Pass...) {
			if ex.Format == "tf" {
				f.Add([]byte(ex.Src))
			}
		}
	}
	f.Add([]byte("variable \"x\" {\n  default = true\n}\nlocals {\n  a = local.b\n  b = local.a\n}\nresource \"aws_ebs_volume\" \"v\" {\n  encrypted = local.a\n}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m := &aws.Model{}
		Load(context.Background(), fstest.MapFS{"m.tf": {Data: data}}, []string{"m.tf"}, m)
		aws.Evaluate(aws.Builtin(), m)
	})
}
