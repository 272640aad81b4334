package gateway

import (
	"fmt"
	"sync"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/interpreter"
)

// Input is what an authorization rule sees about a request. The same shape is exposed to CEL as
// three maps: source, jwt and request.
type Input struct {
	SPIFFEID   string
	SourceAddr string
	JWT        *JWTInfo // nil when the request carried no token
	Method     string
	Host       string
	Path       string
}

// JWTInfo is the validated token as rules see it.
type JWTInfo struct {
	Subject string
	Issuer  string
	ID      string
	Scopes  []string
	Claims  map[string]any
}

// Rule decides one route's authorization. It is the seam where internal/policy can replace the
// direct use of cel-go later; implementations must fail closed (an evaluation error is a deny).
type Rule interface {
	Allow(in *Input) (bool, error)
}

// ruleCompiler holds the CEL environment (building one costs about a millisecond, so a config
// load builds one and compiles every route's rule with it).
type ruleCompiler struct {
	env *cel.Env
}

func newRuleCompiler() (*ruleCompiler, error) {
	env, err := cel.NewEnv(
		cel.Variable("source", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("jwt", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("request", cel.MapType(cel.StringType, cel.DynType)),
	)
	if err != nil {
		return nil, fmt.Errorf("cel environment: %w", err)
	}
	return &ruleCompiler{env: env}, nil
}

// compileRule compiles one expression with a fresh environment (tests, one-off checks).
func compileRule(expr string) (Rule, error) {
	c, err := newRuleCompiler()
	if err != nil {
		return nil, err
	}
	return c.compile(expr)
}

type celRule struct {
	prg cel.Program
	// acts recycles activations: building three maps per request was most of the rule's cost.
	acts sync.Pool
}

// activation binds the three variables to maps that are refilled, not rebuilt, per request. It
// is only used by one evaluation at a time and nothing of it outlives Eval: the result is a
// types.Bool, checked before the activation goes back to the pool.
type activation struct {
	source, jwt, request map[string]any
	noScopes             []string
	noClaims             map[string]any
}

func newActivation() *activation {
	return &activation{source: make(map[string]any, 2), jwt: make(map[string]any, 6), request: make(map[string]any, 3),
		noScopes: []string{}, noClaims: map[string]any{}}
}

// ResolveName implements interpreter.Activation.
func (a *activation) ResolveName(name string) (any, bool) {
	switch name {
	case "source":
		return a.source, true
	case "jwt":
		return a.jwt, true
	case "request":
		return a.request, true
	}
	return nil, false
}

// Parent implements interpreter.Activation.
func (a *activation) Parent() interpreter.Activation { return nil }

// fill sets every key of every map, so nothing of the previous request can remain.
func (a *activation) fill(in *Input) {
	a.source["spiffe_id"], a.source["address"] = in.SPIFFEID, in.SourceAddr
	a.request["method"], a.request["host"], a.request["path"] = in.Method, in.Host, in.Path
	j := a.jwt
	if in.JWT == nil {
		j["present"], j["sub"], j["iss"], j["jti"], j["scopes"], j["claims"] = false, "", "", "", a.noScopes, a.noClaims
		return
	}
	scopes, claims := in.JWT.Scopes, in.JWT.Claims
	if scopes == nil {
		scopes = a.noScopes
	}
	if claims == nil {
		claims = a.noClaims
	}
	j["present"], j["sub"], j["iss"], j["jti"], j["scopes"], j["claims"] = true, in.JWT.Subject, in.JWT.Issuer, in.JWT.ID, scopes, claims
}

// compile compiles a CEL expression that must evaluate to a bool. Variables:
//
//	source.spiffe_id, source.address
//	jwt.present, jwt.sub, jwt.iss, jwt.jti, jwt.scopes (list), jwt.claims (map)
//	request.method, request.host, request.path
func (c *ruleCompiler) compile(expr string) (Rule, error) {
	env := c.env
	ast, iss := env.Compile(expr)
	if iss.Err() != nil {
		return nil, fmt.Errorf("cel: %w", iss.Err())
	}
	if ast.OutputType() != cel.BoolType && ast.OutputType() != cel.DynType {
		return nil, fmt.Errorf("cel: expression has type %s, want bool", ast.OutputType())
	}
	prg, err := env.Program(ast, cel.EvalOptions(cel.OptOptimize), cel.CostLimit(100000))
	if err != nil {
		return nil, fmt.Errorf("cel: %w", err)
	}
	return &celRule{prg: prg}, nil
}

func (r *celRule) Allow(in *Input) (bool, error) {
	act, _ := r.acts.Get().(*activation)
	if act == nil {
		act = newActivation()
	}
	act.fill(in)
	allowed, err := evalBool(r.prg, act)
	r.acts.Put(act)
	return allowed, err
}

// evalBool runs prg and insists on a bool: anything else, or an error, denies.
func evalBool(prg cel.Program, act interpreter.Activation) (bool, error) {
	out, _, err := prg.Eval(act)
	if err != nil {
		return false, err
	}
	b, ok := out.(types.Bool)
	if !ok {
		return false, fmt.Errorf("rule returned %s, not bool", out.Type())
	}
	return bool(b), nil
}
