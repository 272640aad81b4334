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
	}
	a, err := New(engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	files := []string{"Dockerfile", "README.md", "chart/templates/d.yaml", "compose.yaml", "deploy/bad.yaml", "deploy/web.yaml"}
	fs, err := a.AnalyzeTree(context.Background(), &scan.Tree{FS: fsys, Files: files})
	var inc *Incomplete
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
	if res.Files != 4 {
		t.Errorf("files = %d, want 4", res.Files)
	}
	if a.Name() != "iac" || len(a.Rules()) < 100 {
		t.Errorf("name %q, %d rules", a.Name(), len(a.Rules()))
	}
}

func TestPolicyFileErrorsFailNew(t *testing.T) {
	_, err := New(engine.Options{PolicyFiles: []string{"does-not-exist.yaml"}})
	if err == nil || !strings.Contains(err.Error(), "does-not-exist.yaml") {
		t.Errorf("err = %v", err)
	}
}
