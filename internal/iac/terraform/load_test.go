package terraform

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/iac/aws"
)

func TestVariablesLocalsAndTfvars(t *testing.T) {
	fsys := fstest.MapFS{
		"infra/main.tf": {Data: []byte(`variable "encrypt" {
  default = true
}
variable "public" {}
locals {
  env       = "prod"
  encrypted = var.encrypt && local.env == "prod"
}
resource "aws_ebs_volume" "a" {
  encrypted = local.encrypted
}
resource "aws_db_instance" "db" {
  publicly_accessible = var.public
  storage_encrypted   = aws_kms_key.k.enabled
}
`)},
		"infra/terraform.tfvars": {Data: []byte("encrypt = false\n")},
	}
	m := &aws.Model{}
	if ps := testLoad(context.Background(), fsys, []string{"infra/main.tf", "infra/terraform.tfvars"}, m); len(ps) > 0 {
		t.Fatal(ps)
	}
	// tfvars overrides the default, and the local follows.
	if got := m.Volumes[0].Encrypted; got != aws.False {
		t.Errorf("volume encrypted = %v, want False", got)
	}
	// An unset variable and a reference to another resource stay Unknown: never flagged.
	if d := m.Databases[0]; d.Public != aws.Unknown || d.Encrypted != aws.Unknown {
		t.Errorf("database public %v encrypted %v, want Unknown", d.Public, d.Encrypted)
	}
}

func TestSyntaxErrorIsAProblemWithLine(t *testing.T) {
	got := testParse("bad.tf", []byte("resource \"aws_s3_bucket\" \"b\" {\n  acl = \n}\n"))
	want := []finding.Problem{{Path: "bad.tf", Line: 2, Scanner: "iac", Kind: finding.ProblemParse, Message: "parse HCL: Invalid expression: Expected the start of an expression, but found an invalid expression token."}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

func TestModules(t *testing.T) {
	got := Modules([]string{"a/main.tf", "a/vars.tfvars", "b/x.tf", "README.md", "main.tf"})
	want := map[string][]string{"a": {"a/main.tf", "a/vars.tfvars"}, "b": {"b/x.tf"}, ".": {"main.tf"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("modules (-want +got):\n%s", diff)
	}
}

func TestLocalModuleCalls(t *testing.T) {
	fsys := fstest.MapFS{
		"live/main.tf":           {Data: []byte("module \"data\" {\n  source  = \"../modules/volume\"\n  encrypt = false\n}\nmodule \"remote\" {\n  source = \"terraform-aws-modules/s3-bucket/aws\"\n}\n")},
		"modules/volume/main.tf": {Data: []byte("variable \"encrypt\" {\n  default = true\n}\nresource \"aws_ebs_volume\" \"v\" {\n  size      = 8\n  encrypted = var.encrypt\n}\n")},
	}
	modules := Modules([]string{"live/main.tf", "modules/volume/main.tf"})
	// On its own the module is secure by default.
	own := &aws.Model{}
	if ps := LoadModule(context.Background(), fsys, modules, "modules/volume", own); len(ps) > 0 {
		t.Fatal(ps)
	}
	if own.Volumes[0].Encrypted != aws.True {
		t.Errorf("module alone: encrypted = %v, want True", own.Volumes[0].Encrypted)
	}
	// Called with encrypt = false, the same resource is judged with the caller's value, at the
	// module's line.
	called := &aws.Model{}
	if ps := LoadModule(context.Background(), fsys, modules, "live", called); len(ps) > 0 {
		t.Fatal(ps)
	}
	if len(called.Volumes) != 1 {
		t.Fatalf("volumes = %d, want 1 (the remote module is not fetched)", len(called.Volumes))
	}
	v := called.Volumes[0]
	if v.Encrypted != aws.False || v.File != "modules/volume/main.tf" || v.At("encrypted") != 6 {
		t.Errorf("called module: encrypted %v at %s:%d", v.Encrypted, v.File, v.At("encrypted"))
	}
}

func TestModuleCallCyclesAndFanOutAreBounded(t *testing.T) {
	var calls strings.Builder
	for i := 0; i < 20; i++ {
		fmt.Fprintf(&calls, "module \"self%d\" {\n  source = \"./\"\n}\nmodule \"other%d\" {\n  source = \"../b\"\n}\n", i, i)
	}
	fsys := fstest.MapFS{
		"a/main.tf": {Data: []byte(calls.String() + "resource \"aws_ebs_volume\" \"v\" {\n  size = 1\n}\n")},
		"b/main.tf": {Data: []byte(strings.ReplaceAll(calls.String(), "../b", "../a") + "resource \"aws_ebs_volume\" \"w\" {\n  size = 1\n}\n")},
	}
	m := &aws.Model{}
	LoadModule(context.Background(), fsys, Modules([]string{"a/main.tf", "b/main.tf"}), "a", m)
	if n := len(m.Volumes); n == 0 || n > maxModuleLoads {
		t.Errorf("volumes = %d, want between 1 and %d", n, maxModuleLoads)
	}
}
