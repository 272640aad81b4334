package iac

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-sec/palisade/internal/finding"
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

// TestSizeLimitIsTheEngines: an IaC file over the engine's limit is a problem, not silently
// dropped, and a file over the IaC scanner's old 8 MiB cap but within the engine's limit is
// scanned; skipped Helm templates reach the run through the Incomplete.
func TestSizeLimitIsTheEngines(t *testing.T) {
	pod := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: web:1\n    securityContext:\n      privileged: true\n"
	padded := strings.Repeat("# padding\n", (9<<20)/10) + pod // past 8 MiB
	tests := []struct {
		name         string
		limit        int64
		wantFound    bool
		wantProblems []string
	}{
		{name: "within the engine's limit", limit: 16 << 20, wantFound: true},
		{name: "over the engine's limit", limit: 1 << 20, wantProblems: []string{"big.yaml: not analysed: 9437322 bytes is over the size limit (--max-file-size 1048576), and IaC files are parsed whole; raise the limit to check it"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			if err := os.WriteFile(filepath.Join(root, "big.yaml"), []byte(padded), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(filepath.Join(root, "chart", "templates"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(root, "chart", "templates", "d.yaml"), []byte("kind: Pod\nname: {{ .Values.name }}\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			a, err := New(engine.Options{})
			if err != nil {
				t.Fatal(err)
			}
			run, err := scan.Dir(context.Background(), root, scan.Options{Analyzers: []scan.Analyzer{a}, MaxFileSize: tc.limit})
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, f := range run.Findings {
				found = found || f.RuleID == "k8s-privileged-container" && f.Location.Path == "big.yaml"
			}
			if found != tc.wantFound {
				t.Errorf("privileged container found = %v, want %v", found, tc.wantFound)
			}
			var problems []string
			for _, p := range run.Problems {
				problems = append(problems, p.Path+": "+p.Message)
			}
			if d := cmp.Diff(tc.wantProblems, problems); d != "" {
				t.Errorf("problems (-want +got):\n%s", d)
			}
			if d := cmp.Diff([]finding.Skip{{Path: "chart/templates/d.yaml", Reason: engine.SkipTemplate}}, run.Skipped); d != "" {
				t.Errorf("skipped (-want +got):\n%s", d)
			}
		})
	}
}
