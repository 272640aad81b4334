package gateway

import (
	"fmt"
	"sync"

	"cel.dev/cel-go/cel"
	celast "cel.dev/cel-go/common/ast"
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
	prg     cel.Program
	adapter types.Adapter
	// acts recycles activations (each holds the three variables, re-pointed per request)
	acts sync.Pool
}

// activation binds the three variables to records that read the request's Input when the
// rule reads a field. It is used by one evaluation at a time and nothing of it outlives Eval:
// the result is a types.Bool, checked before the activation goes back to the pool.
type activation struct {
	source, jwt, request record
}

func newActivation(adapter types.Adapter) *activation {
	a := &activation{}
	a.source = record{kind: recSource, adapter: adapter}
	a.jwt = record{kind: recJWT, adapter: adapter}
	a.request = record{kind: recRequest, adapter: adapter}
	return a
}

// ResolveName implements interpreter.Activation.
func (a *activation) ResolveName(name string) (any, bool) {
	switch name {
	case "source":
		return &a.source, true
	case "jwt":
		return &a.jwt, true
	case "request":
		return &a.request, true
	}
	return nil, false
}

// Parent implements interpreter.Activation.
func (a *activation) Parent() interpreter.Activation { return nil }

// fill points every variable at in (nil after the evaluation), so nothing of another request
// can be read.
func (a *activation) fill(in *Input) {
	a.source.in, a.jwt.in, a.request.in = in, in, in
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
	opts := []cel.ProgramOption{cel.EvalOptions(cel.OptOptimize)}
	if unboundedCost(ast.NativeRep().Expr()) {
		opts = append(opts, cel.CostLimit(ruleCostLimit))
	}
	prg, err := env.Program(ast, opts...)
	if err != nil {
		return nil, fmt.Errorf("cel: %w", err)
	}
	return &celRule{prg: prg, adapter: env.CELTypeAdapter()}, nil
}

// ruleCostLimit bounds the work of one evaluation of a rule whose cost unboundedCost cannot
// rule out growing faster than the request (cel-go cost units; about one per element visited).
const ruleCostLimit = 100000

// unboundedCost reports whether an expression can cost more than a bounded number of passes
// over its inputs: it has a comprehension (all, exists, exists_one, map, filter: loops, which
// nest) or a regular-expression match whose pattern is not a literal (matching is text size
// times pattern size, and both could come from the request). Such rules run with cel-go's cost
// tracker and ruleCostLimit; every other function of CEL's standard library is linear in its
// arguments, so the rest run without the tracker, which doubled a simple rule's cost.
func unboundedCost(e celast.Expr) bool {
	unbounded := false
	celast.PreOrderVisit(e, celast.NewExprVisitor(func(e celast.Expr) {
		switch e.Kind() {
		case celast.ComprehensionKind:
			unbounded = true
		case celast.CallKind:
			c := e.AsCall()
			if c.FunctionName() == "matches" {
				args := c.Args()
				if len(args) == 0 || args[len(args)-1].Kind() != celast.LiteralKind {
					unbounded = true
				}
			}
		}
	}))
	return unbounded
}

func (r *celRule) Allow(in *Input) (bool, error) {
	act, _ := r.acts.Get().(*activation)
	if act == nil {
		act = newActivation(r.adapter)
	}
	act.fill(in)
	allowed, err := evalBool(r.prg, act)
	act.fill(nil) // a pooled activation keeps no request's claims alive
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
