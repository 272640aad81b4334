// Package policy is Palisade's expression language: CEL (the Common Expression Language, the
// language of Kubernetes ValidatingAdmissionPolicy) compiled against declared variables and
// evaluated with a cost limit. Custom scan rules, the admission webhook, the gateway's
// authorization rules and the monitor's detection rules all use it, so one expression means the
// same thing at every stage.
//
// Security invariants: an expression can only read the variables it was compiled against; every
// evaluation is bounded by a cost limit and by its context, so a hostile or careless expression
// cannot hang the caller; compile errors carry the line and column inside the expression.
package policy

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/ext"
)

// Type is the declared type of a variable.
type Type int

// The variable types an expression can be compiled against.
const (
	// Dyn is any JSON-like value; its fields are checked at evaluation.
	Dyn Type = iota
	// Object is a map from strings to JSON-like values: a Kubernetes object, a request, an event.
	Object
	String
	Int
	Bool
	// StringList is a list of strings.
	StringList
)

func (t Type) cel() *cel.Type {
	switch t {
	case Object:
		return cel.MapType(cel.StringType, cel.DynType)
	case String:
		return cel.StringType
	case Int:
		return cel.IntType
	case Bool:
		return cel.BoolType
	case StringList:
		return cel.ListType(cel.StringType)
	}
	return cel.DynType
}

// Var declares a variable an expression may read.
type Var struct {
	Name string
	Type Type
}

// DefaultCostLimit bounds one evaluation: enough for a policy that walks every container and
// volume of a large pod spec, far too little to spin for long.
const DefaultCostLimit = 1_000_000

// Env compiles expressions against a fixed set of variables. It is safe for concurrent use.
type Env struct {
	env       *cel.Env
	costLimit uint64
	vars      map[string]Type
}

// NewEnv returns an environment declaring vars, with CEL's standard library plus the string,
// list and set extensions and optional types. costLimit bounds every evaluation (0 means
// DefaultCostLimit).
func NewEnv(costLimit uint64, vars ...Var) (*Env, error) {
	if costLimit == 0 {
		costLimit = DefaultCostLimit
	}
	opts := []cel.EnvOption{ext.Strings(), ext.Lists(), ext.Sets(), cel.OptionalTypes(), cel.CrossTypeNumericComparisons(true)}
	seen := map[string]Type{}
	for _, v := range vars {
		if _, dup := seen[v.Name]; v.Name == "" || dup {
			return nil, fmt.Errorf("policy environment: variable %q declared twice or empty", v.Name)
		}
		seen[v.Name] = v.Type
		opts = append(opts, cel.Variable(v.Name, v.Type.cel()))
	}
	env, err := cel.NewEnv(opts...)
	if err != nil {
		return nil, fmt.Errorf("policy environment: %w", err)
	}
	return &Env{env: env, costLimit: costLimit, vars: seen}, nil
}

// Error is one compile error at a 1-based line and column of the expression.
type Error struct {
	Line, Column int
	Message      string
}

// Error formats the error as line:column: message.
func (e Error) Error() string { return fmt.Sprintf("%d:%d: %s", e.Line, e.Column, e.Message) }

// CompileError lists every error found compiling one expression.
type CompileError struct {
	Errors []Error
}

// Error joins every compile error with its position.
func (e *CompileError) Error() string {
	parts := make([]string, len(e.Errors))
	for i, x := range e.Errors {
		parts[i] = x.Error()
	}
	return "compile expression: " + strings.Join(parts, "; ")
}

// Program is a compiled expression, ready to evaluate any number of times concurrently.
type Program struct {
	prg    cel.Program
	source string
}

// Source returns the expression text.
func (p *Program) Source() string { return p.source }

// Compile parses and type-checks expr. When want is not Dyn the expression's result must have
// that type (a rule's condition must be a Bool). Errors are a *CompileError with positions.
// Every evaluation of the program is tracked against the environment's cost limit.
func (e *Env) Compile(expr string, want Type) (*Program, error) {
	return e.compile(expr, want, false)
}

// CompileSelective is Compile for programs evaluated on a hot path (the gateway evaluates a rule
// per request): an expression UnboundedCost finds could cost more than linear in its inputs is
// tracked against the cost limit as Compile does, and any other runs without the cost tracker,
// which doubles the cost of a simple expression. Either way, an evaluation cannot run for long.
func (e *Env) CompileSelective(expr string, want Type) (*Program, error) {
	return e.compile(expr, want, true)
}

func (e *Env) compile(expr string, want Type, selective bool) (*Program, error) {
	ast, iss := e.env.Compile(expr)
	if iss != nil && iss.Err() != nil {
		ce := &CompileError{}
		for _, x := range iss.Errors() {
			ce.Errors = append(ce.Errors, Error{Line: x.Location.Line(), Column: x.Location.Column() + 1, Message: x.Message})
		}
		return nil, ce
	}
	if want != Dyn {
		out := ast.OutputType()
		if !out.IsExactType(want.cel()) && !out.IsExactType(cel.DynType) {
			return nil, &CompileError{Errors: []Error{{Line: 1, Column: 1, Message: fmt.Sprintf("expression returns %s, want %s", out, want.cel())}}}
		}
	}
	opts := []cel.ProgramOption{cel.InterruptCheckFrequency(64), cel.EvalOptions(cel.OptOptimize)}
	if !selective || UnboundedCost(ast.NativeRep().Expr()) {
		opts = append(opts, cel.CostLimit(e.costLimit))
	}
	prg, err := e.env.Program(ast, opts...)
	if err != nil {
		return nil, fmt.Errorf("compile expression: %w", err)
	}
	return &Program{prg: prg, source: expr}, nil
}

// ErrCostLimit is returned (wrapped) when an evaluation exceeds the environment's cost limit.
var ErrCostLimit = errors.New("cost limit exceeded")

// Eval evaluates the program with vars (JSON-like Go values) and returns the result as a Go
// value. A missing field or a wrong type is an error, never a silent false.
func (p *Program) Eval(ctx context.Context, vars map[string]any) (any, error) {
	v, err := p.eval(ctx, vars)
	if err != nil {
		return nil, err
	}
	return v.Value(), nil
}

// EvalBool evaluates a condition.
func (p *Program) EvalBool(ctx context.Context, vars map[string]any) (bool, error) {
	v, _, err := p.prg.ContextEval(ctx, vars)
	return boolResult(ctx, v, err)
}

// boolResult is the result of an evaluation that must be a bool: anything else, or an error,
// is an error.
func boolResult(ctx context.Context, v ref.Val, err error) (bool, error) {
	if err != nil {
		return false, evalError(ctx, err)
	}
	b, ok := v.(types.Bool)
	if !ok {
		return false, fmt.Errorf("evaluate expression: result is %s, want bool", v.Type().TypeName())
	}
	return bool(b), nil
}

func (p *Program) eval(ctx context.Context, vars map[string]any) (ref.Val, error) {
	v, _, err := p.prg.ContextEval(ctx, vars)
	if err != nil {
		return nil, evalError(ctx, err)
	}
	return v, nil
}

// evalError names why an evaluation in ctx failed: the cost limit, the context, or the
// expression itself.
func evalError(ctx context.Context, err error) error {
	if strings.Contains(err.Error(), "actual cost limit exceeded") {
		return fmt.Errorf("evaluate expression: %w", ErrCostLimit)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("evaluate expression: %w", ctx.Err())
	}
	return fmt.Errorf("evaluate expression: %w", err)
}
