package iac

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	engine "github.com/palisade-sec/palisade/internal/iac"
	"github.com/palisade-sec/palisade/internal/scan"
)

func TestAnalyzeTree(t *testing.T) {
	fsys := fstest.MapFS{
		"deploy/web.yaml":        {Data: []byte("apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  containers:\n  - name: web\n    image: web:1\n    securityContext:\n      privileged: true\n")},
		"deploy/bad.yaml":        {Data: []byte("apiVersion: v1\nkind: Pod\nmetadata:\n  name: [x\n")},
		"Dockerfile":             {Data: []byte("FROM alpine:3.20\nRUN apk add curl\n")},
		"compose.yaml":           {Data: []byte("services:\n  db:\n    image: postgres\n")},
		"chart/templates/d.yaml": {Data: []byte("apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Values.name }}\n")},
		"README.md":              {Data: []byte("# hi\n")},
		"infra/main.tf":          {Data: []byte("resource \"aws_ebs_volume\" \"v\" {\n  size = 8\n  encrypted = var.enc\n}\n")},
		"infra/vars.tf":          {Data: []byte("variable \"enc\" {\n  default = false\n}\n")},
		"cfn/stack.yaml":         {Data: []byte("AWSTemplateFormatVersion: 2010-09-09\nResources:\n  Repo:\n    Type: AWS::ECR::Repository\n    Properties:\n      ImageTagMutability: MUTABLE\n")},
	}
	a, err := New(engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	files := []string{"Dockerfile", "README.md", "cfn/stack.yaml", "chart/templates/d.yaml", "compose.yaml", "deploy/bad.yaml", "deploy/web.yaml", "infra/main.tf", "infra/vars.tf"}
	fs, err := a.AnalyzeTree(context.Background(), &scan.Tree{FS: fsys, Files: files})
	var inc *scan.Incomplete
	if !errors.As(err, &inc) || len(inc.Problems) != 1 || inc.Problems[0].Path != "deploy/bad.yaml" || inc.Problems[0].Line != 4 {
		t.Fatalf("err = %v, want one problem at deploy/bad.yaml:4", err)
	}
	at := map[string]string{}
	for _, f := range fs {
		if f.Scanner != "iac" || f.Fingerprint == "" || f.Location.StartLine == 0 {
			t.Errorf("incomplete finding %+v", f)
		}
		at[f.RuleID] = f.Location.Path + ":" + strconv.Itoa(f.Location.StartLine)
	}
	for id, want := range map[string]string{
		"k8s-privileged-container":   "deploy/web.yaml:11",
		"k8s-netpol-no-default-deny": "deploy/web.yaml:5",
		"docker-apk-cache":           "Dockerfile:2",
		"docker-root-user":           "Dockerfile:1",
		"compose-image-unpinned":     "compose.yaml:3",
		"aws-ebs-encryption":         "infra/main.tf:3",
		"aws-ecr-mutable-tags":       "cfn/stack.yaml:6",
	} {
		if at[id] != want {
			t.Errorf("%s at %q, want %q", id, at[id], want)
		}
	}
	res, err := a.Analyze(context.Background(), &scan.Tree{FS: fsys, Files: files})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("chart/templates/d.yaml helm-template", res.Skipped[0].Path+" "+res.Skipped[0].Reason); diff != "" || len(res.Skipped) != 1 {
		t.Errorf("skipped %+v", res.Skipped)
	}
	if res.Files != 7 {
		t.Errorf("files = %d, want 7", res.Files)
	}
	if a.Name() != "iac" || len(a.Rules()) < 150 {
		t.Errorf("name %q, %d rules", a.Name(), len(a.Rules()))
	}
}

func TestPolicyFileErrorsFailNew(t *testing.T) {
	_, err := New(engine.Options{PolicyFiles: []string{"does-not-exist.yaml"}})
	if err == nil || !strings.Contains(err.Error(), "does-not-exist.yaml") {
		t.Errorf("err = %v", err)
	}
}
