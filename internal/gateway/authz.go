package gateway

import (
	"fmt"

	"github.com/palisade-sec/palisade/internal/policy"
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

// Rule decides one route's authorization. Implementations must fail closed (an evaluation error
// is a deny).
type Rule interface {
	Allow(in *Input) (bool, error)
}

// ruleCostLimit bounds the work of one evaluation of a rule whose cost policy.UnboundedCost
// cannot rule out growing faster than the request (cel-go cost units; about one per element
// visited).
const ruleCostLimit = 100000

// ruleCompiler holds the policy environment rules are compiled in — the one CEL environment of
// IaC policies and every other stage, declaring source, jwt and request — and the bindings of
// those variables to a request's Input (building an environment costs about a millisecond, so a
// config load builds one and compiles every route's rule with it).
type ruleCompiler struct {
	env      *policy.Env
	bindings *policy.Bindings[*Input]
}

func newRuleCompiler() (*ruleCompiler, error) {
	env, err := policy.NewEnv(ruleCostLimit,
		policy.Var{Name: "source", Type: policy.Object},
		policy.Var{Name: "jwt", Type: policy.Object},
		policy.Var{Name: "request", Type: policy.Object})
	if err != nil {
		return nil, err
	}
	b, err := policy.NewBindings(env, inputRecords...)
	if err != nil {
		return nil, err
	}
	return &ruleCompiler{env: env, bindings: b}, nil
}

// compile compiles a CEL expression that must evaluate to a bool. Variables:
//
//	source.spiffe_id, source.address
//	jwt.present, jwt.sub, jwt.iss, jwt.jti, jwt.scopes (list), jwt.claims (map)
//	request.method, request.host, request.path
func (c *ruleCompiler) compile(expr string) (Rule, error) {
	prg, err := c.env.CompileSelective(expr, policy.Bool)
	if err != nil {
		return nil, fmt.Errorf("cel: %w", err)
	}
	return &celRule{prg: prg, bindings: c.bindings}, nil
}

type celRule struct {
	prg      *policy.Program
	bindings *policy.Bindings[*Input]
}

func (r *celRule) Allow(in *Input) (bool, error) { return r.bindings.EvalBool(r.prg, in) }
