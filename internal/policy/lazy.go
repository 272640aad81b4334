package policy

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
	"cel.dev/cel-go/interpreter"
)

// Record is a variable of type Object whose fields are read from an input of type T only when
// an expression reads them. Filling a map per variable per evaluation (and boxing every value)
// costs more than evaluating a simple expression; a record costs nothing until a field is read,
// and then one value. A record behaves exactly as the map[string]any it stands for in every way
// an expression can use a map (TestRecordsBehaveAsMaps holds this).
type Record[T any] struct {
	// Name is the variable's name; the Env must declare it as an Object.
	Name string
	// Keys lists every field the variable has, in order.
	Keys []string
	// Field returns the value of one of Keys for in (false for any other name). Values are CEL
	// values; a converts JSON-like Go values (a.NativeToValue(claims)).
	Field func(in T, key string, a types.Adapter) (ref.Val, bool)
}

// Bindings binds an Env's Object variables to records of one input at a time. Evaluations reuse
// pooled activations, so evaluating a simple expression allocates only for the fields it reads.
// A Bindings is safe for concurrent use.
type Bindings[T any] struct {
	records []Record[T]
	adapter types.Adapter
	acts    sync.Pool // *activation[T]
}

// NewBindings returns bindings for records, each of which env must declare as an Object.
func NewBindings[T any](env *Env, records ...Record[T]) (*Bindings[T], error) {
	for _, r := range records {
		if env.vars[r.Name] != Object {
			return nil, fmt.Errorf("policy bindings: %q is not an Object variable of the environment", r.Name)
		}
		if r.Field == nil {
			return nil, fmt.Errorf("policy bindings: %q has no Field function", r.Name)
		}
	}
	return &Bindings[T]{records: slices.Clone(records), adapter: env.env.CELTypeAdapter()}, nil
}

// EvalBool evaluates p with every record bound to in. Like Program.EvalBool, a missing field or a
// result that is not a bool is an error, never a silent false. It takes no context: it is meant for
// per-request checks where even a tracked evaluation is short; an expression that could run long
// is stopped by the cost limit (see Env.CompileSelective).
func (b *Bindings[T]) EvalBool(p *Program, in T) (bool, error) {
	act, _ := b.acts.Get().(*activation[T])
	if act == nil {
		act = &activation[T]{recs: make([]record[T], len(b.records))}
		for i := range b.records {
			act.recs[i] = record[T]{def: &b.records[i], adapter: b.adapter}
		}
	}
	act.fill(in, true)
	v, _, err := p.prg.Eval(act)
	act.fill(in, false) // a pooled activation keeps nothing of in alive
	b.acts.Put(act)
	return boolResult(context.Background(), v, err)
}

// activation binds the records' names to records of one input. It is used by one evaluation at
// a time and nothing of it outlives Eval: the result is checked before it goes back to the pool.
type activation[T any] struct {
	recs []record[T]
}

// ResolveName implements interpreter.Activation.
func (a *activation[T]) ResolveName(name string) (any, bool) {
	for i := range a.recs {
		if a.recs[i].def.Name == name {
			return &a.recs[i], true
		}
	}
	return nil, false
}

// Parent implements interpreter.Activation.
func (a *activation[T]) Parent() interpreter.Activation { return nil }

// fill points every record at in, or at nothing.
func (a *activation[T]) fill(in T, set bool) {
	var zero T
	if !set {
		in = zero
	}
	for i := range a.recs {
		a.recs[i].in = in
	}
}

// record is one Record bound to one input, as a CEL map. Field access (jwt.sub, jwt["sub"],
// has(jwt.sub), "sub" in jwt) is answered directly; anything that needs the whole map (equality,
// iteration, conversion) gets the map the expression would see if the variable were a plain
// map[string]any, built on demand.
type record[T any] struct {
	def     *Record[T]
	in      T
	adapter types.Adapter
}

var _ traits.Mapper = (*record[int])(nil)

func (r *record[T]) field(key string) (ref.Val, bool) { return r.def.Field(r.in, key, r.adapter) }

// FindStringKey is the interpreter's fast path for a field selection (jwt.sub).
func (r *record[T]) FindStringKey(key string) (any, bool) { return r.field(key) }

// Find implements traits.Mapper.
func (r *record[T]) Find(key ref.Val) (ref.Val, bool) {
	if k, ok := key.(types.String); ok {
		return r.field(string(k))
	}
	return r.whole().Find(key)
}

// Get implements traits.Indexer.
func (r *record[T]) Get(key ref.Val) ref.Val {
	if v, ok := r.Find(key); ok {
		return v
	}
	return r.whole().Get(key) // the map's own error for a missing or ill-typed key
}

// Contains implements traits.Container ("sub" in jwt).
func (r *record[T]) Contains(key ref.Val) ref.Val {
	if k, ok := key.(types.String); ok {
		_, found := r.field(string(k))
		return types.Bool(found)
	}
	return r.whole().Contains(key)
}

// whole is the variable as the plain map it stands for.
func (r *record[T]) whole() traits.Mapper {
	m := make(map[string]any, len(r.def.Keys))
	for _, k := range r.def.Keys {
		m[k], _ = r.field(k)
	}
	return r.adapter.NativeToValue(m).(traits.Mapper)
}

func (r *record[T]) Iterator() traits.Iterator                   { return r.whole().Iterator() }
func (r *record[T]) Size() ref.Val                               { return types.Int(len(r.def.Keys)) }
func (r *record[T]) IsZeroValue() bool                           { return len(r.def.Keys) == 0 }
func (r *record[T]) Equal(other ref.Val) ref.Val                 { return r.whole().Equal(other) }
func (r *record[T]) Type() ref.Type                              { return types.MapType }
func (r *record[T]) Value() any                                  { return r.whole().Value() }
func (r *record[T]) ConvertToType(t ref.Type) ref.Val            { return r.whole().ConvertToType(t) }
func (r *record[T]) ConvertToNative(t reflect.Type) (any, error) { return r.whole().ConvertToNative(t) }
