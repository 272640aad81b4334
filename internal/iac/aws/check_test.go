package aws_test

import (
	"context"
	"testing"
	"testing/fstest"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/iac/aws"
	"github.com/palisade-sec/palisade/internal/iac/check/checktest"
	"github.com/palisade-sec/palisade/internal/iac/cloudformation"
	"github.com/palisade-sec/palisade/internal/iac/terraform"
)

// load reads an example through the loader the scanner would pick: CloudFormation when
// cloudformation.Sniff says so, Terraform (as the module of one main.tf) otherwise.
func load(t *testing.T, src string) *aws.Model {
	t.Helper()
	m := &aws.Model{}
	if cloudformation.Sniff([]byte(src)) {
		ok, ps := cloudformation.Load("template.yaml", []byte(src), m)
		if !ok || len(ps) > 0 {
			t.Fatalf("example does not load (template %v): %+v\n%s", ok, ps, src)
		}
		return m
	}
	fsys := fstest.MapFS{"main.tf": {Data: []byte(src)}}
	files := []string{"main.tf"}
	if ps := terraform.LoadModule(context.Background(), fsys, terraform.Modules(files), ".", m); len(ps) > 0 {
		t.Fatalf("example does not load: %+v\n%s", ps, src)
	}
	return m
}

// TestChecks runs every AWS check's own Terraform and CloudFormation examples through the loaders.
func TestChecks(t *testing.T) {
	checktest.Run(t, "aws-", aws.Builtin(), func(t *testing.T, c aws.Check, src string) []finding.Finding {
		t.Helper()
		fs, problems, err := aws.Evaluate(context.Background(), []aws.Check{c}, load(t, src), "ex")
		if err != nil || len(problems) > 0 {
			t.Fatalf("evaluate: %v %+v", err, problems)
		}
		return fs
	})
}
