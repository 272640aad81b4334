package cloudformation

import (
	"context"
	"testing"

	"github.com/palisade-sec/palisade/internal/iac/aws"
)

// FuzzLoad feeds arbitrary templates through the loader and every AWS check.
func FuzzLoad(f *testing.F) {
	for _, c := range aws.Builtin() {
		for _, src := range append(c.Fail, c.Pass...) { // both formats: each loader must survive the other
			f.Add([]byte(src))
		}
	}
	f.Add([]byte(`{"AWSTemplateFormatVersion": "2010-09-09", "Parameters": {"E": {"Default": "false"}}, "Resources": {"V": {"Type": "AWS::EC2::Volume", "Properties": {"Encrypted": {"Ref": "E"}}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m := &aws.Model{}
		Load("t.yaml", data, m)
		if _, problems, err := aws.Evaluate(context.Background(), aws.Builtin(), m, "m"); err != nil || len(problems) > 0 {
			t.Fatal(err, problems) // a check that panics is a bug even when the scan survives it
		}
	})
}
