package cloudformation

import (
	"testing"

	"github.com/palisade-sec/palisade/internal/iac/aws"
)

// FuzzLoad feeds arbitrary templates through the loader and every AWS check.
func FuzzLoad(f *testing.F) {
	for _, c := range aws.Builtin() {
		for _, ex := range append(c.Fail, c.Pass...) {
			if ex.Format == "cfn" {
				f.Add([]byte(ex.Src))
			}
		}
	}
	f.Add([]byte(`{"AWSTemplateFormatVersion": "2010-09-09", "Parameters": {"E": {"Default": "false"}}, "Resources": {"V": {"Type": "AWS::EC2::Volume", "Properties": {"Encrypted": {"Ref": "E"}}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m := &aws.Model{}
		Load("t.yaml", data, m)
		aws.Evaluate(aws.Builtin(), m)
	})
}
