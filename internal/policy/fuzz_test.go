package policy

import (
	"context"
	"testing"
)

// FuzzOneLanguage compiles arbitrary expressions and, for those that compile, requires the two
// ways of evaluating them — an IaC policy's (Compile, plain maps) and a gateway route's
// (CompileSelective, lazy records) — to agree on the result and on whether it is an error.
// Neither may panic.
func FuzzOneLanguage(f *testing.F) {
	for _, s := range []string{
		`object.name.startsWith("Web")`, `has(object.labels.team)`, `size(object) == 8`, `object == object`,
		`object.tags.exists(t, t == "pci")`, `"name" in object`, `object.exists(k, k == "n")`, `object.nope == 1`,
		`object[dyn(1)] == 1`, `object.?labels.?x.orValue("") == ""`, `dyn(object).spec.containers[0].port == 80`,
		`object.n < object.ratio`, `timestamp(object.created) + duration(object.ttl) > timestamp(object.created)`,
		`type(object) == map`, `object.all(k, object[k] != null)`, `object.map(k, k).size() == 8`,
		`object.name.matches(object.labels.tier)`, `{"a": object}.a.name == object.name`, `[object][0].n == 3`,
	} {
		f.Add(s)
	}
	env, err := NewEnv(100_000, Var{"object", Object})
	if err != nil {
		f.Fatal(err)
	}
	b, err := NewBindings(env, objectRecord)
	if err != nil {
		f.Fatal(err)
	}
	obj := map[string]any{
		"name": "Web-Frontend", "tags": []any{"prod", "pci"}, "labels": map[string]any{"team": "shop", "tier": "1"},
		"n": int64(3), "ratio": 2.5, "created": "2026-11-23T08:00:00Z", "ttl": "90m",
		"spec": map[string]any{"containers": []any{map[string]any{"image": "nginx:latest", "port": int64(80)}}},
	}
	f.Fuzz(func(t *testing.T, expr string) {
		if len(expr) > 512 {
			return
		}
		asPolicy, err := env.Compile(expr, Bool)
		if err != nil {
			return
		}
		asRoute, err := env.CompileSelective(expr, Bool)
		if err != nil {
			t.Fatalf("%q compiles with Compile but not CompileSelective: %v", expr, err)
		}
		got1, err1 := asPolicy.EvalBool(context.Background(), map[string]any{"object": obj})
		got2, err2 := b.EvalBool(asRoute, obj)
		if err1 != nil || err2 != nil {
			// a tracked evaluation may stop at the cost limit where an untracked one finishes
			// only if UnboundedCost let it run untracked; anything else must fail the same way
			if (err1 == nil) != (err2 == nil) {
				t.Fatalf("%q: as a policy %v, %v; as a route %v, %v", expr, got1, err1, got2, err2)
			}
			return
		}
		if got1 != got2 {
			t.Fatalf("%q: as a policy %v, as a route %v", expr, got1, got2)
		}
	})
}
