package policy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
)

// objectRecord binds the variable "object" to a record over a map, field by field.
var objectRecord = Record[map[string]any]{
	Name: "object",
	Keys: []string{"name", "tags", "labels", "n", "ratio", "created", "ttl", "spec"},
	Field: func(in map[string]any, key string, a types.Adapter) (ref.Val, bool) {
		v, ok := in[key]
		if !ok {
			return nil, false
		}
		return a.NativeToValue(v), true
	},
}

// TestOneLanguage holds the same expressions against both ways Palisade evaluates them — as an
// IaC policy does (Compile, variables as plain maps, context-bounded) and as a gateway route
// does (CompileSelective, variables as lazily read records, pooled activations) — and requires
// the same result or the same failure from both, for every kind of expression the language has.
func TestOneLanguage(t *testing.T) {
	env, err := NewEnv(0, Var{"object", Object})
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewBindings(env, objectRecord)
	if err != nil {
		t.Fatal(err)
	}
	obj := map[string]any{
		"name":    "Web-Frontend",
		"tags":    []any{"prod", "eu-west-1", "pci"},
		"labels":  map[string]any{"team": "shop", "tier": "1"},
		"n":       int64(3),
		"ratio":   2.5,
		"created": "2026-11-23T08:00:00Z",
		"ttl":     "90m",
		"spec":    map[string]any{"containers": []any{map[string]any{"image": "nginx:latest", "port": int64(80)}}},
	}
	tests := []struct {
		name, expr string
		want       bool
		wantErr    bool
	}{
		{"equality", `object.name == "Web-Frontend"`, true, false},
		{"startsWith", `object.name.startsWith("Web-")`, true, false},
		{"endsWith", `object.name.endsWith("end")`, true, false},
		{"contains", `object.name.contains("Front")`, true, false},
		{"lowerAscii", `object.name.lowerAscii() == "web-frontend"`, true, false},
		{"split", `object.name.split("-") == ["Web", "Frontend"]`, true, false},
		{"replace", `object.name.replace("-", "_") == "Web_Frontend"`, true, false},
		{"substring and indexOf", `object.name.substring(object.name.indexOf("-") + 1) == "Frontend"`, true, false},
		{"join", `object.tags.join(",") == "prod,eu-west-1,pci"`, true, false},
		{"literal regex", `object.name.matches("^[A-Z][a-z]+-")`, true, false},
		{"regex from the input", `"prod".matches(object.tags[0])`, true, false},
		{"bad regex from the input", `"x".matches(object.labels.team + "(")`, false, true},
		{"has present", `has(object.labels.team)`, true, false},
		{"has absent", `has(object.labels.owner)`, false, false},
		{"has on the record", `has(object.name) && !has(object.nope)`, true, false},
		{"in record", `"name" in object && !("nope" in object)`, true, false},
		{"in list", `"pci" in object.tags`, true, false},
		{"in map", `"team" in object.labels`, true, false},
		{"size of record", `size(object) == 8`, true, false},
		{"size of list", `size(object.tags) == 3 && object.tags.size() == 3`, true, false},
		{"size of string", `size(object.name) == 12`, true, false},
		{"all", `object.tags.all(t, t.size() > 2)`, true, false},
		{"exists", `object.spec.containers.exists(c, c.image.endsWith(":latest"))`, true, false},
		{"exists_one", `object.tags.exists_one(t, t.startsWith("p"))`, false, false},
		{"map", `object.tags.map(t, t.upperAscii())[0] == "PROD"`, true, false},
		{"filter", `object.tags.filter(t, t.contains("-")) == ["eu-west-1"]`, true, false},
		{"comprehension over the record", `object.exists(k, k == "ttl")`, true, false},
		{"comprehension over a map", `object.labels.all(k, object.labels[k] != "")`, true, false},
		{"int arithmetic", `object.n * 2 + 1 == 7`, true, false},
		{"int against double", `object.n < object.ratio + 1.0`, true, false},
		{"double equality", `object.ratio == 2.5`, true, false},
		{"timestamp", `timestamp(object.created) < timestamp("2027-01-01T00:00:00Z")`, true, false},
		{"timestamp accessor", `timestamp(object.created).getHours() == 8`, true, false},
		{"duration", `duration(object.ttl) > duration("1h")`, true, false},
		{"timestamp plus duration", `timestamp(object.created) + duration(object.ttl) == timestamp("2026-11-23T09:30:00Z")`, true, false},
		{"bad timestamp", `timestamp(object.name) < timestamp("2027-01-01T00:00:00Z")`, false, true},
		{"optional", `object.?labels.?owner.orValue("none") == "none"`, true, false},
		{"record equality", `object == object`, true, false},
		{"map equality", `object.labels == {"team": "shop", "tier": "1"}`, true, false},
		{"list index", `object.tags[1] == "eu-west-1"`, true, false},
		{"index out of range", `object.tags[9] == ""`, false, true},
		{"missing field is an error", `object.nope == ""`, false, true},
		{"missing map key is an error", `object.labels.owner == ""`, false, true},
		{"wrong type is an error", `object.name > 1`, false, true},
		{"type", `type(object) == map && type(object.tags) == list`, true, false},
		{"dyn", `dyn(object).name == "Web-Frontend"`, true, false},
		{"conditional", `object.n > 2 ? object.tags[0] == "prod" : false`, true, false},
		{"lists extension", `object.tags.slice(0, 2) == ["prod", "eu-west-1"]`, true, false},
		{"sets extension", `sets.contains(object.tags, ["pci"])`, true, false},
	}
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			asPolicy, err := env.Compile(tt.expr, Bool)
			if err != nil {
				t.Fatal(err)
			}
			asRoute, err := env.CompileSelective(tt.expr, Bool)
			if err != nil {
				t.Fatal(err)
			}
			got1, err1 := asPolicy.EvalBool(ctx, map[string]any{"object": obj})
			got2, err2 := b.EvalBool(asRoute, obj)
			if (err1 != nil) != tt.wantErr || (err2 != nil) != tt.wantErr {
				t.Fatalf("errors: as a policy %v, as a route %v; want an error: %v", err1, err2, tt.wantErr)
			}
			if got1 != tt.want || got2 != tt.want {
				t.Errorf("as a policy %v, as a route %v; want %v", got1, got2, tt.want)
			}
		})
	}
}

func TestUnboundedCost(t *testing.T) {
	env, err := NewEnv(0, Var{"jwt", Object}, Var{"request", Object})
	if err != nil {
		t.Fatal(err)
	}
	for expr, want := range map[string]bool{
		`"bench:read" in jwt.scopes && jwt.sub == "u"`:             false,
		`jwt.sub.startsWith("spiffe://a/") || request.path == "/"`: false,
		`jwt.sub.matches("^[a-z]+$")`:                              false, // literal pattern: linear in the text
		`matches(jwt.sub, "^[a-z]+$")`:                             false,
		`has(jwt.claims.team) && jwt.claims.team == "x"`:           false, // has() is a macro, not a loop
		`timestamp(jwt.iat) < timestamp("2027-01-01T00:00:00Z")`:   false,
		`jwt.sub.split("/")[0] == "a"`:                             false,
		`jwt.sub.matches(request.path)`:                            true,
		`matches(jwt.sub, jwt.iss)`:                                true,
		`jwt.scopes.exists(s, s == "a")`:                           true,
		`jwt.scopes.all(a, jwt.scopes.all(b, a != b))`:             true,
		`jwt.scopes.map(s, s + "x").size() > 0`:                    true,
		`[1, 2].filter(x, x > 1).size() == 1`:                      true,
		`lists.range(jwt.n).size() > 0`:                            true, // n elements, n from the input
		`jwt.sub.replace("", jwt.iss) == ""`:                       true, // len(sub) × len(iss)
		`sets.intersects(jwt.scopes, request.scopes)`:              true, // len × len
	} {
		ast, iss := env.env.Compile(expr)
		if iss.Err() != nil {
			t.Fatalf("%s: %v", expr, iss.Err())
		}
		if got := UnboundedCost(ast.NativeRep().Expr()); got != want {
			t.Errorf("%s: UnboundedCost %v, want %v", expr, got, want)
		}
	}
}

// A route's expression whose cost grows faster than its input is stopped by the cost limit,
// while the same input passes a linear expression.
func TestCompileSelectiveCostLimit(t *testing.T) {
	env, err := NewEnv(100_000, Var{"object", Object})
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewBindings(env, objectRecord)
	if err != nil {
		t.Fatal(err)
	}
	tags := make([]any, 1000)
	for i := range tags {
		tags[i] = fmt.Sprintf("s%d", i)
	}
	obj := map[string]any{"tags": tags, "n": int64(900_000), "name": strings.Repeat("a", 30000), "ttl": "^(" + strings.Repeat("a?", 3000) + ")$",
		"created": strings.Repeat("a", 500)} // the cost is checked after each call: one join of n² bytes runs whole
	for _, expr := range []string{
		`object.tags.all(a, object.tags.all(b, a == b || a != b))`,
		`lists.range(object.n).size() > 0`,
		`object.name.matches(object.ttl)`,
		`object.created.split("").join(object.created).split("").join(object.created).size() > 0`,
	} {
		p, err := env.CompileSelective(expr, Bool)
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := b.EvalBool(p, obj); ok || !errors.Is(err, ErrCostLimit) {
			t.Errorf("%s: %v, %v; want the cost limit", expr, ok, err)
		}
	}
	p, err := env.CompileSelective(`"s999" in object.tags`, Bool)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := b.EvalBool(p, obj); !ok || err != nil {
		t.Errorf("linear expression: %v, %v", ok, err)
	}
}

func TestNewBindingsRefusesUndeclared(t *testing.T) {
	env, err := NewEnv(0, Var{"object", Object}, Var{"user", String})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"request", "user"} {
		r := objectRecord
		r.Name = name
		if _, err := NewBindings(env, r); err == nil {
			t.Errorf("NewBindings accepted %q", name)
		}
	}
}
