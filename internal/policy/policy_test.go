package policy

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestEval(t *testing.T) {
	env, err := NewEnv(0, Var{"object", Object}, Var{"user", String})
	if err != nil {
		t.Fatal(err)
	}
	obj := map[string]any{
		"kind":     "Pod",
		"metadata": map[string]any{"name": "web", "labels": map[string]any{"team": "shop"}},
		"spec": map[string]any{"containers": []any{
			map[string]any{"name": "a", "image": "nginx:latest"},
			map[string]any{"name": "b", "image": "nginx:1.27", "securityContext": map[string]any{"runAsUser": int64(0)}},
		}},
	}
	for _, tc := range []struct {
		name, expr string
		want       bool
		wantErr    bool
	}{
		{"field", `object.kind == "Pod"`, true, false},
		{"exists macro", `object.spec.containers.exists(c, c.image.endsWith(":latest"))`, true, false},
		{"has on missing", `has(object.spec.hostNetwork) && object.spec.hostNetwork`, false, false},
		{"optional", `object.spec.containers.all(c, c.?securityContext.?runAsUser.orValue(1) != 0)`, false, false},
		{"int against double", `object.spec.containers[1].securityContext.runAsUser < 1.5`, true, false},
		{"variable", `user.startsWith("system:")`, false, false},
		{"missing field is an error", `object.spec.hostNetwork`, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := env.Compile(tc.expr, Bool)
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.EvalBool(context.Background(), map[string]any{"object": obj, "user": "alice"})
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	env, err := NewEnv(0, Var{"object", Object})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, expr string
		want       []Error
	}{
		{"syntax", "object.kind ==\n  ", []Error{{Line: 2, Column: 3, Message: "Syntax error: mismatched input '<EOF>' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}"}}},
		{"undeclared", "request.user == 'x'", []Error{{Line: 1, Column: 1, Message: "undeclared reference to 'request'"}}},
		{"not bool", "object.kind + 'x'", []Error{{Line: 1, Column: 1, Message: "expression returns string, want bool"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := env.Compile(tc.expr, Bool)
			var ce *CompileError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want *CompileError", err)
			}
			if diff := cmp.Diff(tc.want, ce.Errors); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCostLimitAndContext(t *testing.T) {
	env, err := NewEnv(10_000, Var{"n", Int})
	if err != nil {
		t.Fatal(err)
	}
	p, err := env.Compile(`[1,2,3,4,5,6,7,8,9,10].all(a, [1,2,3,4,5,6,7,8,9,10].all(b, [1,2,3,4,5,6,7,8,9,10].all(c, a+b+c > n)))`, Bool)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.EvalBool(context.Background(), map[string]any{"n": 0}); !errors.Is(err, ErrCostLimit) {
		t.Errorf("err = %v, want ErrCostLimit", err)
	}
	big, _ := NewEnv(1<<40, Var{"n", Int})
	p, err = big.Compile(`[1,2,3,4,5,6,7,8,9,10].all(a, [1,2,3,4,5,6,7,8,9,10].all(b, [1,2,3,4,5,6,7,8,9,10].all(c, a+b+c > n)))`, Bool)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second)) // already past
	defer cancel()
	if _, err := p.EvalBool(ctx, map[string]any{"n": 0}); err == nil {
		t.Error("evaluation with an expired context succeeded")
	}
	if _, err := NewEnv(0, Var{"a", Int}, Var{"a", String}); err == nil {
		t.Error("duplicate variable accepted")
	}
}
