package cloudformation

import (
	"testing"

	"github.com/palisade-sec/palisade/internal/iac/aws"
)

func TestIntrinsicsAndJSON(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      aws.Bool
		line      int
	}{
		{"ref to parameter default", "Parameters:\n  Enc:\n    Type: String\n    Default: \"false\"\nResources:\n  V:\n    Type: AWS::EC2::Volume\n    Properties:\n      Encrypted: !Ref Enc\n", aws.False, 9},
		{"ref without default", "Resources:\n  V:\n    Type: AWS::EC2::Volume\n    Properties:\n      Encrypted: !Ref Enc\n", aws.Unknown, 5},
		{"long-form intrinsic", "Resources:\n  V:\n    Type: AWS::EC2::Volume\n    Properties:\n      Encrypted: {\"Fn::If\": [c, true, false]}\n", aws.Unknown, 5},
		{"json", "{\n \"AWSTemplateFormatVersion\": \"2010-09-09\",\n \"Resources\": {\"V\": {\"Type\": \"AWS::EC2::Volume\",\n  \"Properties\": {\n   \"Encrypted\": true}}}}\n", aws.True, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := &aws.Model{}
			ok, ps := Load("t.yaml", []byte(tc.src), m)
			if !ok || len(ps) > 0 || len(m.Volumes) != 1 {
				t.Fatalf("ok %v problems %+v volumes %d", ok, ps, len(m.Volumes))
			}
			v := m.Volumes[0]
			if v.Encrypted != tc.want || v.At("encrypted") != tc.line {
				t.Errorf("encrypted %v at line %d, want %v at %d", v.Encrypted, v.At("encrypted"), tc.want, tc.line)
			}
		})
	}
	if ok, _ := Load("k.yaml", []byte("apiVersion: v1\nkind: Pod\n"), &aws.Model{}); ok {
		t.Error("a Kubernetes manifest is not a template")
	}
	if ok, ps := Load("bad.yaml", []byte("AWSTemplateFormatVersion: x\nResources: [\n"), &aws.Model{}); !ok || len(ps) != 1 || ps[0].Line != 3 {
		t.Errorf("syntax error: ok %v problems %+v", ok, ps)
	}
}
