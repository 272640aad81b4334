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

func TestLoadErrors(t *testing.T) {
	_, err := load(t, "testdata/bad-expression.yaml")
	if err == nil || !strings.Contains(err.Error(), "testdata/bad-expression.yaml: line 7: policy broken: expression: column") {
		t.Errorf("err = %v, want the file and line 7 of the broken expression", err)
	}
	env, _ := NewEnv()
	for _, tc := range []struct{ name, src, want string }{
		{"unknown field", "policies:\n- id: a-b\n  title: T\n  severity: low\n  expresion: 'true'\n", "line 5: field expresion not found"},
		{"bad severity", "policies:\n- id: a-b\n  title: T\n  severity: urgent\n  expression: 'true'\n", "line 2: policy a-b: unknown severity"},
		{"not bool", "policies:\n- id: a-b\n  title: T\n  severity: low\n  expression: \"size(object) > 1 ? 'a' : 'b'\"\n", "line 5: policy a-b: expression: column 1: expression returns string, want bool"},
		{"builtin id", "policies:\n- id: k8s-privileged-container\n  title: T\n  severity: low\n  expression: 'true'\n", "already used"},
		{"empty", "", "file is empty"},
		{"no policies", "policies: []\n", "no policies"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(env, "p.yaml", []byte(tc.src), []string{"k8s-privileged-container"})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestEvaluationErrorIsAProblem(t *testing.T) {
	env, _ := NewEnv()
	ps, err := Load(env, "p.yaml", []byte("policies:\n- id: host-net\n  title: T\n  severity: low\n  expression: '!object.spec.hostNetwork'\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	rs, _ := k8s.Parse("m.yaml", []byte("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {}\n"))
	fs, probs, err := (&Set{Policies: ps}).Evaluate(context.Background(), rs)
	if err != nil || len(fs) != 0 || len(probs) != 1 || !strings.Contains(probs[0].Message, "policy host-net (p.yaml:2) on Pod//p") {
		t.Errorf("findings %v, problems %+v, err %v", fs, probs, err)
	}
}
