package gateway

import (
	"fmt"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
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

var emptyJWT = map[string]any{"present": false, "sub": "", "iss": "", "jti": "", "scopes": []string{}, "claims": map[string]any{}}

func (r *celRule) Allow(in *Input) (bool, error) {
	jwt := emptyJWT
	if in.JWT != nil {
		jwt = map[string]any{"present": true, "sub": in.JWT.Subject, "iss": in.JWT.Issuer, "jti": in.JWT.ID,
			"scopes": in.JWT.Scopes, "claims": in.JWT.Claims}
		if in.JWT.Scopes == nil {
			jwt["scopes"] = []string{}
		}
	}
	out, _, err := r.prg.Eval(map[string]any{
		"source":  map[string]any{"spiffe_id": in.SPIFFEID, "address": in.SourceAddr},
		"jwt":     jwt,
		"request": map[string]any{"method": in.Method, "host": in.Host, "path": in.Path},
	})
	if err != nil {
		return false, err
	}
	b, ok := out.(types.Bool)
	if !ok {
		return false, fmt.Errorf("rule returned %s, not bool", out.Type())
	}
	return bool(b), nil
}
