package rego

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-sec/palisade/internal/iac/k8s"
)

func TestConftestPolicies(t *testing.T) {
	e, err := Load(context.Background(), []string{"testdata"})
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("testdata/manifests.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rs, ps := k8s.Parse("manifests.yaml", data)
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	fs, problems, err := e.Evaluate(context.Background(), rs)
	if err != nil || len(problems) > 0 {
		t.Fatalf("err %v problems %+v", err, problems)
	}
	type hit struct {
		ID, Sev, Msg string
		Line         int
	}
	var got []hit
	for _, f := range fs {
		got = append(got, hit{f.RuleID, f.Severity.String(), f.Description, f.Location.StartLine})
	}
	want := []hit{
		{"rego-main-deny", "high", "Deployment//web: deployment web must set runAsNonRoot", 1},
		{"rego-main-warn", "medium", "Service//web: NodePort services are discouraged", 13},
		{"org-team-label", "low", "Service//web: missing team label", 13},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	var ids []string
	for _, r := range e.Rules() {
		ids = append(ids, r.ID)
	}
	if diff := cmp.Diff([]string{"rego-main-deny", "rego-main-warn", "rego-policies-labels-violation"}, ids); diff != "" {
		t.Errorf("rules (-want +got):\n%s", diff)
	}
}

func TestLoadRejects(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"network access", "package main\nimport rego.v1\ndeny contains msg if {\n  r := http.send({\"method\": \"get\", \"url\": \"http://127.0.0.1/\"})\n  msg := r.body\n}\n", "p.rego:4"},
		{"syntax", "package main\ndeny[msg] {\n  msg := \n}\n", "p.rego:"},
		{"no conftest rules", "package main\nimport rego.v1\nallow if true\n", "no deny, violation or warn rules"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadSource(context.Background(), map[string]string{"p.rego": tc.src})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}
