package gateway

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/internal/policy"
)

// compileRule compiles one expression with a fresh environment.
func compileRule(expr string) (Rule, error) {
	c, err := newRuleCompiler()
	if err != nil {
		return nil, err
	}
	return c.compile(expr)
}

// A rule whose cost grows faster than the request is stopped by the cost limit and denies,
// while the same request passes a linear rule.
func TestRuleCostLimitDenies(t *testing.T) {
	scopes := make([]string, 1000)
	for i := range scopes {
		scopes[i] = fmt.Sprintf("s%d", i)
	}
	in := &Input{Method: "GET", Path: "/", JWT: &JWTInfo{Subject: "u", Scopes: scopes}}
	quadratic, err := compileRule(`jwt.scopes.all(a, jwt.scopes.all(b, a == b || a != b))`)
	if err != nil {
		t.Fatal(err)
	}
	ok, err := quadratic.Allow(in)
	if ok || err == nil || !strings.Contains(err.Error(), "cost") {
		t.Fatalf("quadratic rule over 1000 scopes: allowed %v, err %v (want a cost-limit error and a deny)", ok, err)
	}
	in.JWT.Scopes = scopes[:10]
	if ok, err := quadratic.Allow(in); !ok || err != nil {
		t.Fatalf("quadratic rule over 10 scopes: allowed %v, err %v", ok, err)
	}
	regex, err := compileRule(`jwt.sub.matches(request.path)`)
	if err != nil {
		t.Fatal(err)
	}
	in.Path = "^(" + strings.Repeat("a?", 3000) + ")$"
	in.JWT.Subject = strings.Repeat("a", 30000)
	if ok, err := regex.Allow(in); ok || err == nil {
		t.Fatalf("request-supplied regex over a long subject: allowed %v, err %v", ok, err)
	}
	linear, err := compileRule(`"s999" in jwt.scopes`)
	if err != nil {
		t.Fatal(err)
	}
	in.JWT.Scopes = scopes
	if ok, err := linear.Allow(in); !ok || err != nil {
		t.Fatalf("linear rule: allowed %v, err %v", ok, err)
	}
}

// plainVariables are the variables as plain maps — what the records stand for.
func plainVariables(in *Input) map[string]any {
	j := map[string]any{"present": false, "sub": "", "iss": "", "jti": "", "scopes": []string{}, "claims": map[string]any{}}
	if in.JWT != nil {
		j["present"], j["sub"], j["iss"], j["jti"] = true, in.JWT.Subject, in.JWT.Issuer, in.JWT.ID
		if in.JWT.Scopes != nil {
			j["scopes"] = in.JWT.Scopes
		}
		if in.JWT.Claims != nil {
			j["claims"] = in.JWT.Claims
		}
	}
	return map[string]any{
		"source":  map[string]any{"spiffe_id": in.SPIFFEID, "address": in.SourceAddr},
		"request": map[string]any{"method": in.Method, "host": in.Host, "path": in.Path},
		"jwt":     j,
	}
}

// The records a rule reads must behave exactly as the plain maps they replace, in every way a
// rule can use a map: selection, indexing, presence, membership, size, iteration, equality,
// type, and the errors for a missing key.
func TestRecordsBehaveAsMaps(t *testing.T) {
	c, err := newRuleCompiler()
	if err != nil {
		t.Fatal(err)
	}
	inputs := []*Input{
		{SPIFFEID: "spiffe://a/b", SourceAddr: "10.0.0.1:1", Method: "GET", Host: "api", Path: "/x",
			JWT: &JWTInfo{Subject: "alice", Issuer: "https://idp", ID: "j1", Scopes: []string{"read", "write"},
				Claims: map[string]any{"team": "red", "n": float64(3), "groups": []any{"a", "b"}, "o": map[string]any{"k": true}}}},
		{Method: "POST", Host: "h", Path: "/"},
		{JWT: &JWTInfo{Subject: "bob"}},
	}
	exprs := []string{
		`jwt.sub == "alice"`, `jwt["sub"] == "alice"`, `jwt.present`, `!jwt.present`, `has(jwt.sub)`, `has(jwt.nope)`,
		`"sub" in jwt`, `"nope" in jwt`, `dyn(1) in jwt`, `size(jwt) == 6`, `size(source) == 2`, `size(request) == 3`,
		`jwt.scopes == ["read", "write"]`, `"read" in jwt.scopes`, `size(jwt.scopes) == 0`, `jwt.scopes[0] == "read"`,
		`jwt.claims.team == "red"`, `has(jwt.claims.team)`, `jwt.claims.n == 3`, `"a" in jwt.claims.groups`, `jwt.claims.o.k`,
		`has(jwt.claims.o.k)`, `jwt.claims == {}`, `source == {"spiffe_id": "spiffe://a/b", "address": "10.0.0.1:1"}`,
		`request == {"method": "GET", "host": "api", "path": "/x"}`, `request != {"method": "GET"}`, `jwt == jwt`, `source == request`,
		`jwt.all(k, k != "")`, `request.exists(k, request[k] == "GET")`, `source.exists_one(k, k == "address")`,
		`request.map(k, k).size() == 3`, `type(jwt) == map`, `type(jwt.scopes) == list`, `type(jwt.sub) == string`,
		`dyn(jwt).sub == "alice"`, `jwt.nope == ""`, `jwt[dyn(1)] == ""`, `jwt.claims.missing == 1`, `source.spiffe_id.startsWith("spiffe://a/")`,
		`request.path.matches("^/x$")`, `jwt.jti + jwt.iss == "j1https://idp"`, `[source, request].size() == 2`, `{"a": jwt}.a.sub == "alice"`,
	}
	trues := 0
	for _, expr := range exprs {
		prg, err := c.env.CompileSelective(expr, policy.Bool)
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		for i, in := range inputs {
			want, werr := prg.EvalBool(context.Background(), plainVariables(in))
			got, gerr := c.bindings.EvalBool(prg, in)
			if (werr == nil) != (gerr == nil) {
				t.Errorf("%s, input %d: error %v with maps, %v with records", expr, i, werr, gerr)
				continue
			}
			if want != got {
				t.Errorf("%s, input %d: %v with maps, %v with records", expr, i, want, got)
			}
			if gerr == nil && got {
				trues++
			}
		}
	}
	// the comparison means something only if the records were actually read: most expressions
	// hold for the first input, which has every field set
	if trues < len(exprs)/2 {
		t.Fatalf("only %d of %d evaluations were true; the inputs do not exercise the records", trues, len(exprs)*len(inputs))
	}
}
