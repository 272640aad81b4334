package custom

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-sec/palisade/internal/iac/k8s"
)

func load(t *testing.T, name string) ([]*Policy, error) {
	t.Helper()
	env, err := NewEnv()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return Load(env, name, data, []string{"k8s-privileged-container"})
}

func TestEvaluatePolicyFile(t *testing.T) {
	ps, err := load(t, "testdata/policies.yaml")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("testdata/manifests.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rs, problems := k8s.Parse("manifests.yaml", data)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	set := &Set{Policies: ps}
	fs, probs, err := set.Evaluate(context.Background(), rs)
	if err != nil || len(probs) > 0 {
		t.Fatalf("err %v, problems %+v", err, probs)
	}
	type hit struct {
		ID   string
		Line int
		Msg  string
	}
	var got []hit
	for _, f := range fs {
		got = append(got, hit{f.RuleID, f.Location.StartLine, f.Description})
	}
	want := []hit{
		{"shop-team-label", 5, "Deployment//web: workload has no team label"},
		{"shop-approved-registry", 1, "Deployment//web: images outside registry.shop.example: docker.io/library/nginx:1.27"},
		{"shop-replicas", 8, "Deployment//web: Deployments run at least two replicas"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

func TestEvaluationErrorIsAProblem(t *testing.T) {
	env, err := NewEnv()
	if err != nil {
		t.Fatal(err)
	}
	ps, err := Load(env, "p.yaml", []byte("policies:\n- id: host-net\n  title: T\n  severity: low\n  expression: '!object.spec.hostNetwork'\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	rs, parseProblems := k8s.Parse("m.yaml", []byte("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {}\n"))
	if len(parseProblems) > 0 {
		t.Fatal(parseProblems)
	}
	fs, probs, err := (&Set{Policies: ps}).Evaluate(context.Background(), rs)
	if err != nil || len(fs) != 0 || len(probs) != 1 || !strings.Contains(probs[0].Message, "policy host-net (p.yaml:2) on Pod//p") {
		t.Errorf("findings %v, problems %+v, err %v", fs, probs, err)
	}
}
