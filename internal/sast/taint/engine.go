// Package taint follows untrusted data through a Go program in SSA form, across functions and
// packages, from sources (request data, arguments, environment, sockets, archive entry names) to
// sinks (SQL text, commands, file paths, outbound URLs, HTML, templates, logs …), and reports one
// finding per source→sink path with the path as steps.
//
// Each function gets a summary — which parameters (and free variables) reach its results, which
// reach sinks, and what it stores through pointer parameters — computed by a flow-insensitive
// fixpoint over its SSA and recomputed for its callers whenever it grows, so recursion converges
// and every function is analysed a bounded number of times. Calls into code without SSA bodies
// (the standard library and dependencies, loaded from export data) pass their arguments' taint
// to their results unless a table says otherwise; dynamic calls go to every implementation in the
// analysed packages (class hierarchy) and to that default. Memory is modelled by root object:
// a store into a field, element or pointee taints the object it belongs to.
//
// Sanitisers end taint per class: conversions to numbers and booleans, the escaping functions,
// filepath.Base, parameterised queries (only the query text is a sink), and guards — a prefix check
// of a cleaned path, a regexp or allow-list match, a comparison with a constant — on the branch
// where they hold, when that branch dominates the sink.
//
// The engine is a library: it returns findings and never logs. What it could not finish (the
// iteration bound, a cancelled context) is an error, never a silent partial result.
package taint

import (
	"context"
	"fmt"
	"go/token"
	"go/types"
	"slices"
	"strings"

	"golang.org/x/tools/go/ssa"
)

// Options are the user's additions to the built-in tables (palisade.yaml `sast.*`).
type Options struct {
	Sources    []Func
	Sinks      []UserSink
	Sanitizers []Func
}

// UserSink is a sink a user declares: the function, the argument checked (receiver not counted)
// and the rule it reports under (one of Classes' IDs).
type UserSink struct {
	Func  Func
	Arg   int
	Class string
}

// origin is where a fact came from: a source site (≥ 0, an index into engine.sites) or a
// parameter or free variable of the function being analysed (−1 − index).
type origin int32

func paramOrigin(i int) origin { return origin(-1 - i) }
func (o origin) param() int    { return int(-1 - o) }

// step is one point on a path.
type step struct {
	pos token.Pos
	msg string
}

// fact is what is known about one origin reaching a value: one path it took, and the classes for
// which every path so far was sanitised.
type fact struct {
	path  []step // shared: never appended to in place
	clean uint32 // bit i set: clean for Classes()[i]
}

type taintSet map[origin]fact

// merge adds f for o; it reports whether the set changed (a new origin, or fewer clean classes).
func (t taintSet) merge(o origin, f fact) bool {
	old, ok := t[o]
	if !ok {
		t[o] = f
		return true
	}
	if c := old.clean & f.clean; c != old.clean {
		old.clean = c
		t[o] = old
		return true
	}
	return false
}

// site is a source occurrence.
type site struct {
	pos  token.Pos
	desc string
	kind sourceKind
}

// sinkHit is a path from a parameter of a function to a sink inside it (or inside its callees).
type sinkHit struct {
	class string
	pos   token.Pos
	desc  string
	path  []step
	clean uint32
	fn    *ssa.Function // the function holding the sink
}

// mutKey is a parameter (or free variable) and the field of what it points to that a function
// stores into (−1: the object as a whole).
type mutKey struct{ param, field int }

type summary struct {
	ret   taintSet
	sinks map[int][]sinkHit
	mut   map[mutKey]taintSet
	size  int // facts in all three; summaries only grow, so a larger size means a change
}

func (s *summary) count() int {
	n := len(s.ret)
	for _, h := range s.sinks {
		n += len(h)
	}
	for _, m := range s.mut {
		n += len(m)
	}
	return n
}

// Finding is one source→sink path.
type Finding struct {
	Class      string
	Sink       token.Pos
	SinkDesc   string
	Source     token.Pos
	SourceDesc string
	Func       *ssa.Function // the function holding the sink
	Path       []step
}

// Steps returns the path as positions and messages.
func (f *Finding) Steps() []Step {
	out := make([]Step, len(f.Path))
	for i, s := range f.Path {
		out[i] = Step{Pos: s.pos, Message: s.msg}
	}
	return out
}

// Step is one point on a finding's path.
type Step struct {
	Pos     token.Pos
	Message string
}

type engine struct {
	prog      *ssa.Program
	analysed  map[*ssa.Function]bool
	summaries map[*ssa.Function]*summary
	callers   map[*ssa.Function]map[*ssa.Function]bool
	sources   map[Func]sourceSpec
	sinks     map[Func][]sinkSpec
	sans      map[Func]sanitizerSpec
	guards    map[Func]guardSpec
	classBit  map[string]uint32
	sites     []site
	siteIdx   map[site]origin
	found     map[findingKey]*Finding
	byName    map[string][]*ssa.Function // methods with bodies, by name (interface calls)
	bySig     map[string][]*ssa.Function // address-taken functions, by signature (func-value calls)
	inScope   func(*ssa.Function) bool
	// unconverged are the functions whose analysis hit maxIterations.
	unconverged []*ssa.Function
}

type findingKey struct {
	class     string
	sink, src token.Pos
}

// maxPath bounds a path's steps; the middle of a longer one is dropped.
const maxPath = 24

// maxIterations bounds the passes over one function's instructions in one analysis; taint only
// grows, so a function that still changes after that many is reported, never silently cut.
const maxIterations = 200

// maxRounds bounds how often one function is analysed before the engine gives up (with an error).
const maxRounds = 64

// Analyze runs the taint analysis over every function with an SSA body in prog. Findings are
// reported for sinks in functions for which report returns true (the packages being scanned).
func Analyze(ctx context.Context, prog *ssa.Program, funcs []*ssa.Function, report func(*ssa.Function) bool, opts Options) ([]*Finding, error) {
	e := &engine{
		prog: prog, analysed: map[*ssa.Function]bool{}, summaries: map[*ssa.Function]*summary{},
		callers: map[*ssa.Function]map[*ssa.Function]bool{}, sources: map[Func]sourceSpec{}, sinks: map[Func][]sinkSpec{},
		sans: map[Func]sanitizerSpec{}, guards: map[Func]guardSpec{}, classBit: map[string]uint32{},
		siteIdx: map[site]origin{}, found: map[findingKey]*Finding{}, byName: map[string][]*ssa.Function{},
		bySig: map[string][]*ssa.Function{}, inScope: report,
	}
	if err := e.tables(opts); err != nil {
		return nil, err
	}
	for _, fn := range funcs {
		if fn.Blocks != nil {
			e.analysed[fn] = true
		}
	}
	e.index(funcs)
	queue := slices.Clone(funcs)
	queued := map[*ssa.Function]bool{}
	for _, fn := range queue {
		queued[fn] = true
	}
	rounds := map[*ssa.Function]int{}
	for len(queue) > 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		fn := queue[0]
		queue = queue[1:]
		queued[fn] = false
		if !e.analysed[fn] {
			continue
		}
		if rounds[fn]++; rounds[fn] > maxRounds {
			return e.results(), fmt.Errorf("taint: %s: no fixpoint after %d rounds; the findings so far are reported, others may be missing", fn, maxRounds)
		}
		if !e.analyze(fn) {
			continue
		}
		deps := []*ssa.Function{fn.Parent()}
		for c := range e.callers[fn] {
			deps = append(deps, c)
		}
		for _, c := range deps {
			if c != nil && !queued[c] {
				queued[c] = true
				queue = append(queue, c)
			}
		}
	}
	if len(e.unconverged) > 0 {
		return e.results(), fmt.Errorf("taint: %s: no fixpoint after %d passes; the findings so far are reported, others may be missing", e.unconverged[0], maxIterations)
	}
	return e.results(), nil
}

func (e *engine) results() []*Finding {
	out := make([]*Finding, 0, len(e.found))
	for _, f := range e.found {
		out = append(out, f)
	}
	return out
}

func (e *engine) tables(opts Options) error {
	for i, c := range Classes() {
		e.classBit[c.RuleID] = 1 << i
	}
	for _, s := range builtinSources {
		e.sources[s.f] = s
	}
	for _, f := range opts.Sources {
		e.sources[f] = sourceSpec{f: f, kind: kindInput, mut: -1}
	}
	for _, s := range builtinSinks() {
		e.sinks[s.f] = append(e.sinks[s.f], s)
	}
	for _, s := range opts.Sinks {
		if _, ok := e.classBit[s.Class]; !ok {
			return fmt.Errorf("taint: sink %s: unknown class %q", s.Func, s.Class)
		}
		e.sinks[s.Func] = append(e.sinks[s.Func], sinkSpec{f: s.Func, class: s.Class, arg: s.Arg})
	}
	for _, s := range builtinSanitizers {
		e.sans[s.f] = s
	}
	for _, f := range opts.Sanitizers {
		e.sans[f] = sanitizerSpec{f: f}
	}
	for _, g := range builtinGuards {
		e.guards[g.f] = g
	}
	return nil
}

// index prepares the candidates of dynamic calls: methods by name, address-taken functions by
// signature.
func (e *engine) index(funcs []*ssa.Function) {
	taken := map[*ssa.Function]bool{}
	for _, fn := range funcs {
		if fn.Blocks == nil {
			continue
		}
		if fn.Signature.Recv() != nil && fn.Synthetic == "" {
			e.byName[fn.Name()] = append(e.byName[fn.Name()], fn)
		}
		for _, b := range fn.Blocks {
			for _, instr := range b.Instrs {
				var ops []ssa.Value
				if c, ok := instr.(ssa.CallInstruction); ok {
					ops = c.Common().Args // the callee position is not taking an address
				} else {
					for _, op := range instr.Operands(nil) {
						if op != nil {
							ops = append(ops, *op)
						}
					}
				}
				for _, op := range ops {
					switch v := op.(type) {
					case *ssa.Function:
						taken[v] = true
					case *ssa.MakeClosure:
						taken[v.Fn.(*ssa.Function)] = true
					}
				}
			}
		}
	}
	for fn := range taken {
		if e.analysed[fn] {
			k := types.TypeString(fn.Signature, nil)
			e.bySig[k] = append(e.bySig[k], fn)
		}
	}
	for _, fs := range e.bySig {
		slices.SortFunc(fs, func(a, b *ssa.Function) int { return strings.Compare(a.String(), b.String()) })
	}
}

// state is one function's analysis in progress.
type state struct {
	fn *ssa.Function
	t  map[slotKey]taintSet
	// fields lists, per root object, the fields that have a slot of their own.
	fields map[ssa.Value][]int
	sum    *summary
}

// analyze recomputes fn's summary; it reports whether the summary grew.
func (e *engine) analyze(fn *ssa.Function) bool {
	st := &state{fn: fn, t: map[slotKey]taintSet{}, fields: map[ssa.Value][]int{}, sum: &summary{ret: taintSet{}, sinks: map[int][]sinkHit{}, mut: map[mutKey]taintSet{}}}
	for i, p := range fn.Params {
		st.add(p, paramOrigin(i), fact{path: []step{{p.Pos(), "parameter " + p.Name() + " of " + shortName(fn)}}})
	}
	if req := grpcRequest(fn); req != nil {
		desc := "gRPC request " + types.TypeString(req.Type(), func(p *types.Package) string { return p.Name() })
		st.add(req, e.newSite(req.Pos(), desc, kindInput), fact{path: []step{{req.Pos(), "source: " + desc}}})
	}
	for j, fv := range fn.FreeVars {
		st.add(fv, paramOrigin(len(fn.Params)+j), fact{path: []step{{fv.Pos(), "captured variable " + fv.Name() + " of " + shortName(fn)}}})
	}
	converged := false
	for range maxIterations {
		changed := false
		for _, b := range fn.Blocks {
			for _, instr := range b.Instrs {
				if e.transfer(st, instr) {
					changed = true
				}
			}
		}
		if !changed {
			converged = true
			break
		}
	}
	if !converged {
		e.unconverged = append(e.unconverged, fn)
	}
	for i, p := range fn.Params {
		if isRef(p.Type()) {
			st.mutations(i, p)
		}
	}
	for j, fv := range fn.FreeVars {
		st.mutations(len(fn.Params)+j, fv)
	}
	old := e.summaries[fn]
	st.sum.size = st.sum.count()
	e.summaries[fn] = st.sum
	return old == nil || st.sum.size != old.size || !sameClean(old, st.sum)
}

func sameClean(a, b *summary) bool {
	for o, f := range b.ret {
		if g, ok := a.ret[o]; !ok || g.clean != f.clean {
			return false
		}
	}
	return true
}

// node is the object a value belongs to: fields, elements, slices and pointees share their
// base's node, except a source field, which is its own.
func node(v ssa.Value) ssa.Value {
	for range 64 {
		switch x := v.(type) {
		case *ssa.FieldAddr:
			if _, ok := sourceField(x.X.Type(), x.Field); ok {
				return v
			}
			v = x.X
		case *ssa.Field:
			if _, ok := sourceField(x.X.Type(), x.Field); ok {
				return v
			}
			v = x.X
		case *ssa.IndexAddr:
			v = x.X
		case *ssa.Index:
			v = x.X
		case *ssa.Slice:
			v = x.X
		case *ssa.UnOp:
			if x.Op != token.MUL && x.Op != token.ARROW {
				return v
			}
			v = x.X
		default:
			return v
		}
	}
	return v
}

// mutations records what fn stored through parameter i (value v), field by field.
func (st *state) mutations(i int, v ssa.Value) {
	k := slot(v)
	if k.field >= 0 {
		return
	}
	record := func(field int, ts taintSet) {
		for o, f := range ts {
			if o == paramOrigin(i) {
				continue
			}
			mk := mutKey{i, field}
			if st.sum.mut[mk] == nil {
				st.sum.mut[mk] = taintSet{}
			}
			st.sum.mut[mk].merge(o, f)
		}
	}
	record(-1, st.t[k])
	for _, f := range st.fields[k.root] {
		record(f, st.t[slotKey{k.root, f}])
	}
}

// addMut applies a callee's store through an argument: into the argument's field when the callee
// stored into a field and the argument is an object as a whole, else into its slot.
func (st *state) addMut(a ssa.Value, field int, o origin, f fact) bool {
	if a == nil || untainted(a.Type()) {
		return false
	}
	k := slot(a)
	if field >= 0 && k.field < 0 {
		k.field = field
	}
	return st.mergeSlot(k, taintSet{o: f})
}

// grpcRequest returns the request parameter of a gRPC service method: a method of a type that
// embeds the generated Unimplemented…Server (as protoc-gen-go-grpc requires), taking a context
// and a pointer to a message.
func grpcRequest(fn *ssa.Function) *ssa.Parameter {
	recv := fn.Signature.Recv()
	if recv == nil || len(fn.Params) != 3 || !isContext(fn.Params[1].Type()) {
		return nil
	}
	if _, ok := fn.Params[2].Type().Underlying().(*types.Pointer); !ok {
		return nil
	}
	t := recv.Type()
	if p, ok := t.Underlying().(*types.Pointer); ok {
		t = p.Elem()
	}
	st, ok := t.Underlying().(*types.Struct)
	if !ok {
		return nil
	}
	for i := range st.NumFields() {
		f := st.Field(i)
		if f.Embedded() && strings.HasPrefix(f.Name(), "Unimplemented") && strings.HasSuffix(f.Name(), "Server") {
			return fn.Params[2]
		}
	}
	return nil
}

// slotKey is where taint is stored: a root object and one level of field (−1: the object as a
// whole). Deeper fields, elements and pointees share their depth-one field's slot.
type slotKey struct {
	root  ssa.Value
	field int
}

// slot is node with the outermost field kept, so a struct's fields carry taint apart (a request
// stored in one field does not taint the database handle in another).
func slot(v ssa.Value) slotKey {
	field := -1
	for range 64 {
		switch x := v.(type) {
		case *ssa.FieldAddr:
			if _, ok := sourceField(x.X.Type(), x.Field); ok {
				return slotKey{v, field}
			}
			field, v = x.Field, x.X
		case *ssa.Field:
			if _, ok := sourceField(x.X.Type(), x.Field); ok {
				return slotKey{v, field}
			}
			field, v = x.Field, x.X
		case *ssa.IndexAddr:
			v = x.X
		case *ssa.Index:
			v = x.X
		case *ssa.Slice:
			v = x.X
		case *ssa.UnOp:
			if x.Op != token.MUL && x.Op != token.ARROW {
				return slotKey{v, field}
			}
			v = x.X
		default:
			return slotKey{v, field}
		}
	}
	return slotKey{v, field}
}

// untainted reports types that carry no injectable data: numbers and booleans.
func untainted(t types.Type) bool {
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Info()&(types.IsNumeric|types.IsBoolean) != 0
}

func isRef(t types.Type) bool {
	switch t.Underlying().(type) {
	case *types.Pointer, *types.Slice, *types.Map, *types.Chan, *types.Interface:
		return true
	}
	return false
}

func (st *state) get(v ssa.Value) taintSet {
	if v == nil || untainted(v.Type()) {
		return nil
	}
	if _, ok := v.(*ssa.Const); ok {
		return nil
	}
	k := slot(v)
	sets := []taintSet{st.t[k]}
	if k.field >= 0 {
		sets = append(sets, st.t[slotKey{k.root, -1}])
	} else {
		for _, f := range st.fields[k.root] {
			sets = append(sets, st.t[slotKey{k.root, f}])
		}
	}
	return union(sets)
}

// union merges sets without copying when at most one is non-empty.
func union(sets []taintSet) taintSet {
	var out taintSet
	n := 0
	for _, s := range sets {
		if len(s) > 0 {
			out = s
			n++
		}
	}
	if n <= 1 {
		return out
	}
	out = taintSet{}
	for _, s := range sets {
		for o, f := range s {
			out.merge(o, f)
		}
	}
	return out
}

func (st *state) add(v ssa.Value, o origin, f fact) bool {
	if v == nil || untainted(v.Type()) {
		return false
	}
	k := slot(v)
	ts := st.t[k]
	if ts == nil {
		ts = taintSet{}
		st.t[k] = ts
		if k.field >= 0 {
			st.fields[k.root] = append(st.fields[k.root], k.field)
		}
	}
	return ts.merge(o, f)
}

func (st *state) addAll(v ssa.Value, ts taintSet, extra uint32, via *step) bool {
	changed := false
	for o, f := range ts {
		f.clean |= extra
		if via != nil {
			f.path = extend(f.path, *via)
		}
		if st.add(v, o, f) {
			changed = true
		}
	}
	return changed
}

func extend(p []step, more ...step) []step {
	out := make([]step, 0, len(p)+len(more))
	out = append(append(out, p...), more...)
	if len(out) > maxPath {
		out = append(out[:maxPath/2:maxPath/2], out[len(out)-maxPath/2:]...)
	}
	return out
}

// transfer applies one instruction; it reports whether any taint grew.
func (e *engine) transfer(st *state, instr ssa.Instruction) bool {
	switch x := instr.(type) {
	case *ssa.FieldAddr:
		return e.fieldSource(st, x, x.X.Type(), x.Field)
	case *ssa.Field:
		return e.fieldSource(st, x, x.X.Type(), x.Field)
	case *ssa.UnOp:
		if g, ok := x.X.(*ssa.Global); ok && x.Op == token.MUL {
			return e.globalSource(st, x, g)
		}
		if x.Op == token.MUL || x.Op == token.ARROW {
			return false // shares its operand's node
		}
		return st.addAll(x, st.get(x.X), 0, nil)
	case *ssa.IndexAddr, *ssa.Index, *ssa.Slice, *ssa.Alloc:
		return false // shares its operand's node
	case *ssa.Store:
		return st.store(x)
	case *ssa.MapUpdate:
		// The value, not the key: a lookup under an untrusted key returns what the program stored.
		e.sessionStore(st, x)
		return st.addAll(x.Map, st.get(x.Value), 0, nil)
	case *ssa.Send:
		return st.addAll(x.Chan, st.get(x.X), 0, nil)
	case *ssa.Return:
		changed := false
		for _, r := range x.Results {
			for o, f := range st.get(r) {
				if st.sum.ret.merge(o, f) {
					changed = true
				}
			}
		}
		return changed
	case *ssa.MakeClosure:
		return e.closure(st, x)
	case ssa.CallInstruction:
		return e.call(st, x)
	case *ssa.Convert, *ssa.ChangeType:
		v := x.(ssa.Value)
		e.htmlConversion(st, x, v)
		return st.addAll(v, st.get(*x.Operands(nil)[0]), 0, nil)
	case ssa.Value:
		changed := false
		for _, op := range instr.Operands(nil) {
			if op != nil && *op != nil && st.addAll(x, st.get(*op), 0, nil) {
				changed = true
			}
		}
		return changed
	}
	return false
}

// store copies a struct field by field, so `s = t` keeps t's fields apart in s; anything else
// goes to the address's slot whole.
func (st *state) store(x *ssa.Store) bool {
	if _, isStruct := x.Val.Type().Underlying().(*types.Struct); !isStruct {
		return st.addAll(x.Addr, st.get(x.Val), 0, nil)
	}
	src, dst := slot(x.Val), slot(x.Addr)
	if src.field >= 0 || dst.field >= 0 {
		return st.addAll(x.Addr, st.get(x.Val), 0, nil)
	}
	changed := st.mergeSlot(dst, st.t[src])
	for _, f := range st.fields[src.root] {
		changed = st.mergeSlot(slotKey{dst.root, f}, st.t[slotKey{src.root, f}]) || changed
	}
	return changed
}

func (st *state) mergeSlot(k slotKey, ts taintSet) bool {
	if len(ts) == 0 {
		return false
	}
	cur := st.t[k]
	if cur == nil {
		cur = taintSet{}
		st.t[k] = cur
		if k.field >= 0 {
			st.fields[k.root] = append(st.fields[k.root], k.field)
		}
	}
	changed := false
	for o, f := range ts {
		changed = cur.merge(o, f) || changed
	}
	return changed
}

func (e *engine) newSite(pos token.Pos, desc string, kind sourceKind) origin {
	s := site{pos: pos, desc: desc, kind: kind}
	if o, ok := e.siteIdx[s]; ok {
		return o
	}
	o := origin(len(e.sites))
	e.sites = append(e.sites, s)
	e.siteIdx[s] = o
	return o
}

func (e *engine) fieldSource(st *state, v ssa.Value, base types.Type, field int) bool {
	fs, ok := sourceField(base, field)
	if !ok {
		return false
	}
	pos := v.Pos()
	desc := fs.pkg + "." + fs.typ + "." + fs.field
	return st.add(v, e.newSite(pos, desc, fs.kind), fact{path: []step{{pos, "source: " + desc}}})
}

func (e *engine) globalSource(st *state, load *ssa.UnOp, g *ssa.Global) bool {
	if g.Pkg == nil {
		return false
	}
	for _, gs := range globalSources {
		if g.Pkg.Pkg.Path() == gs.pkg && g.Name() == gs.field {
			desc := gs.pkg + "." + gs.field
			return st.add(load, e.newSite(load.Pos(), desc, gs.kind), fact{path: []step{{load.Pos(), "source: " + desc}}})
		}
	}
	return false
}

// sourceField reports whether field i of the struct t points to (or is) is a source.
func sourceField(t types.Type, i int) (fieldSource, bool) {
	if p, ok := t.Underlying().(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := types.Unalias(t).(*types.Named)
	if !ok || n.Obj().Pkg() == nil {
		return fieldSource{}, false
	}
	st, ok := n.Underlying().(*types.Struct)
	if !ok || i >= st.NumFields() {
		return fieldSource{}, false
	}
	for _, fs := range fieldSources {
		if fs.pkg == n.Obj().Pkg().Path() && fs.typ == n.Obj().Name() && fs.field == st.Field(i).Name() {
			return fs, true
		}
	}
	return fieldSource{}, false
}

// funcOf names a types.Func the way the tables do.
func funcOf(obj *types.Func) (Func, bool) {
	if obj == nil || obj.Pkg() == nil {
		return Func{}, false
	}
	f := Func{Pkg: obj.Pkg().Path(), Name: obj.Name()}
	if r := obj.Type().(*types.Signature).Recv(); r != nil {
		f.Recv = typeName(r.Type())
	}
	return f, true
}

func typeName(t types.Type) string {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	switch n := types.Unalias(t).(type) {
	case *types.Named:
		return n.Obj().Name()
	}
	return ""
}

func shortName(fn *ssa.Function) string {
	if fn.Pkg != nil {
		return strings.TrimPrefix(fn.RelString(fn.Pkg.Pkg), "")
	}
	return fn.Name()
}

// calleeFunc names the function a call goes to, for the tables.
func calleeFunc(c *ssa.CallCommon) (Func, bool) {
	if c.IsInvoke() {
		return funcOf(c.Method)
	}
	fn := c.StaticCallee()
	if fn == nil {
		return Func{}, false
	}
	if o := fn.Origin(); o != nil {
		fn = o
	}
	obj, _ := fn.Object().(*types.Func)
	return funcOf(obj)
}

// callArgs returns the arguments with the receiver first for method calls, and how many leading
// arguments are receivers (1 for methods, else 0).
func callArgs(c *ssa.CallCommon) ([]ssa.Value, int) {
	if c.IsInvoke() {
		return append([]ssa.Value{c.Value}, c.Args...), 1
	}
	if fn := c.StaticCallee(); fn != nil && fn.Signature.Recv() != nil {
		return c.Args, 1
	}
	return c.Args, 0
}
