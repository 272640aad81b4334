package taint

import (
	"go/constant"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/ssa"
)

// call applies a call: tables first (sanitiser, source, sink), then the summaries of the callees
// with bodies, then, for callees without one, the default: the result carries the arguments'
// taint, and a few well-known functions fill a pointer argument from another.
func (e *engine) call(st *state, instr ssa.CallInstruction) bool {
	c := instr.Common()
	var res ssa.Value // nil for go and defer (whose Value is a nil *ssa.Call: not a nil interface)
	if v := instr.Value(); v != nil {
		res = v
	}
	args, recv := callArgs(c)
	if b, ok := c.Value.(*ssa.Builtin); ok && !c.IsInvoke() {
		return e.builtin(st, b, c.Args, res)
	}
	f, named := calleeFunc(c)
	changed := false
	if named {
		if specs, ok := e.sinks[f]; ok {
			for _, s := range specs {
				e.checkSink(st, instr, s, args, recv)
			}
		}
		if s, ok := e.sans[f]; ok {
			if len(s.classes) == 0 || res == nil {
				return false
			}
			var mask uint32
			for _, cl := range s.classes {
				mask |= e.classBit[cl]
			}
			for _, a := range args {
				changed = st.addAll(res, st.get(a), mask, nil) || changed
			}
			return changed
		}
		if s, ok := e.sources[f]; ok {
			desc := f.String()
			o := e.newSite(instr.Pos(), desc, s.kind)
			fa := fact{path: []step{{instr.Pos(), "source: " + desc}}}
			if s.mut < 0 {
				if res != nil {
					changed = st.add(res, o, fa) || changed
				}
			} else if i := s.mut + recv; i < len(args) {
				changed = st.add(args[i], o, fa) || changed
			}
			return changed
		}
		if decompressor(f) && res != nil {
			changed = e.decompress(st, instr, args, res) || changed
		}
	}
	callees := e.callees(c)
	for _, g := range callees {
		if e.callers[g] == nil {
			e.callers[g] = map[*ssa.Function]bool{}
		}
		e.callers[g][st.fn] = true
		if sum := e.summaries[g]; sum != nil {
			changed = e.apply(st, instr, g, sum, args, res, len(callees) > 1) || changed
		}
	}
	if len(callees) == 0 || c.IsInvoke() {
		changed = e.external(st, f, c, args, recv, res) || changed
	}
	return changed
}

// builtin: append and copy move taint; the others (len, cap …) return numbers or nothing.
func (e *engine) builtin(st *state, b *ssa.Builtin, args []ssa.Value, res ssa.Value) bool {
	changed := false
	switch b.Name() {
	case "append":
		for _, a := range args {
			changed = st.addAll(res, st.get(a), 0, nil) || changed
		}
	case "copy":
		if len(args) == 2 {
			changed = st.addAll(args[0], st.get(args[1]), 0, nil)
		}
	case "ssa:wrapnilchk":
		if res != nil && len(args) > 0 {
			changed = st.addAll(res, st.get(args[0]), 0, nil)
		}
	}
	return changed
}

// external is the model of a callee without a body: the result carries every argument's taint
// (the receiver's too), and readers, decoders and writers move taint into their pointer argument
// or receiver.
func (e *engine) external(st *state, f Func, c *ssa.CallCommon, args []ssa.Value, recv int, res ssa.Value) bool {
	changed := false
	all := taintSet{}
	for i, a := range args {
		if isContext(a.Type()) || queryBuilderValue(f, c, i, recv, a) {
			continue
		}
		for o, fa := range st.get(a) {
			all.merge(o, fa)
		}
	}
	if len(all) == 0 {
		return false
	}
	if res != nil {
		changed = st.addAll(res, all, 0, nil)
	}
	name := f.Name
	if name == "" && c.IsInvoke() {
		name = c.Method.Name()
	}
	switch {
	case name == "Read" || name == "ReadAt" || name == "ReadFull" || name == "ReadAtLeast" || name == "Decode" ||
		name == "Unmarshal" || strings.HasPrefix(name, "Sscan") || strings.HasPrefix(name, "Fscan") ||
		name == "Copy" || name == "CopyN" || name == "CopyBuffer" || name == "Scan":
		// Fill every reference argument but the last source; over-approximate: all of them.
		for i, a := range args {
			if i >= recv && isRef(a.Type()) {
				changed = st.addAll(a, all, 0, nil) || changed
			}
		}
	case recv == 1 && (strings.HasPrefix(name, "Write") || name == "Set" || name == "Add" || name == "Store" ||
		name == "Append" || name == "Push" || name == "Encode"):
		changed = st.addAll(args[0], all, 0, nil) || changed
	}
	return changed
}

// squirrelPkg is the SQL query builder whose values become placeholders' arguments.
const squirrelPkg = "github.com/Masterminds/squirrel"

// squirrelValueTypes are squirrel's predicate maps: column → value, each value sent as an
// argument, never as SQL text (the columns are SQL text, and are not followed: a map whose keys
// come from the request is a missed injection, kept as a twin).
var squirrelValueTypes = map[string]bool{"Eq": true, "NotEq": true, "Lt": true, "LtOrEq": true, "Gt": true,
	"GtOrEq": true, "Like": true, "NotLike": true, "ILike": true, "NotILike": true}

// queryBuilderValue reports whether argument i of a call into a query builder is a value the
// builder sends as a query argument, so it does not taint the SQL text the builder makes: a
// squirrel predicate map, the variadic ...interface{} arguments of Where, Expr, Values, Having,
// Suffix …, and the value of Set. The text (a predicate string, a column, a table) still does.
func queryBuilderValue(f Func, c *ssa.CallCommon, i, recv int, a ssa.Value) bool {
	if f.Pkg != squirrelPkg {
		return false
	}
	t := a.Type()
	if mi, ok := a.(*ssa.MakeInterface); ok {
		t = mi.X.Type() // Where(pred interface{}) receives the map boxed
	}
	if n, ok := types.Unalias(t).(*types.Named); ok && n.Obj().Pkg() != nil &&
		n.Obj().Pkg().Path() == squirrelPkg && squirrelValueTypes[n.Obj().Name()] {
		return true
	}
	sig := c.Signature()
	p := i - recv // the parameter's index, receiver not counted
	if p < 0 {
		return false
	}
	if sig.Variadic() && p == sig.Params().Len()-1 {
		if sl, ok := sig.Params().At(p).Type().(*types.Slice); ok {
			if it, ok := sl.Elem().Underlying().(*types.Interface); ok && it.Empty() {
				return true
			}
		}
	}
	return f.Name == "Set" && p == 1
}

func isContext(t types.Type) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "context" && n.Obj().Name() == "Context"
}

// callees are the functions with bodies a call may reach.
func (e *engine) callees(c *ssa.CallCommon) []*ssa.Function {
	if c.IsInvoke() {
		iface, _ := c.Value.Type().Underlying().(*types.Interface)
		var out []*ssa.Function
		for _, m := range e.byName[c.Method.Name()] {
			rt := m.Signature.Recv().Type()
			if iface != nil && (types.Implements(rt, iface) || types.Implements(types.NewPointer(rt), iface)) {
				out = append(out, m)
			}
		}
		return out
	}
	if fn := c.StaticCallee(); fn != nil {
		if e.analysed[fn] {
			return []*ssa.Function{fn}
		}
		return nil
	}
	cands := e.bySig[types.TypeString(c.Signature(), nil)]
	if len(cands) > 32 {
		return nil // too vague to follow: the default model stands in
	}
	return cands
}

// apply maps callee g's summary onto a call: origins of g's parameters become the arguments'
// taint, g's sources stay as they are, and every path gets the call as a step.
//
// vague is set when the call has several possible callees (an interface method implemented many
// times, a func value): then only what flows from the arguments is carried back, not sources read
// inside one of the implementations, which would otherwise reach every caller of, say, Read.
func (e *engine) apply(st *state, instr ssa.CallInstruction, g *ssa.Function, sum *summary, args []ssa.Value, res ssa.Value, vague bool) bool {
	changed := false
	var bindings []ssa.Value
	if mc, ok := instr.Common().Value.(*ssa.MakeClosure); ok {
		bindings = mc.Bindings
	}
	actual := func(i int) ssa.Value {
		if i < len(args) {
			return args[i]
		}
		if j := i - len(g.Params); j >= 0 && j < len(bindings) {
			return bindings[j]
		}
		return nil
	}
	call := step{instr.Pos(), "passed to " + shortName(g)}
	ret := step{instr.Pos(), "returned from " + shortName(g)}
	if res != nil {
		for o, f := range sum.ret {
			if vague && o >= 0 {
				continue
			}
			changed = e.mapOrigin(st, o, f, actual, call, ret, func(o origin, f fact) bool { return st.add(res, o, f) }) || changed
		}
	}
	for mk, m := range sum.mut {
		a := actual(mk.param)
		if a == nil {
			continue
		}
		for o, f := range m {
			if vague && o >= 0 {
				continue
			}
			changed = e.mapOrigin(st, o, f, actual, call, ret, func(o origin, f fact) bool { return st.addMut(a, mk.field, o, f) }) || changed
		}
	}
	for i, hits := range sum.sinks {
		a := actual(i)
		if a == nil {
			continue
		}
		for o, f := range st.get(a) {
			for _, h := range hits {
				path := extend(f.path, call)
				path = extend(path, h.path...)
				e.reach(st, o, fact{path: path, clean: f.clean | h.clean}, h.class, h.pos, h.desc, h.fn)
			}
		}
	}
	return changed
}

// mapOrigin turns a callee's fact into the caller's: a source stays, a parameter becomes the
// argument's own facts.
func (e *engine) mapOrigin(st *state, o origin, f fact, actual func(int) ssa.Value, call, ret step, put func(origin, fact) bool) bool {
	if o >= 0 {
		return put(o, fact{path: extend(f.path, ret), clean: f.clean})
	}
	a := actual(o.param())
	if a == nil {
		return false
	}
	changed := false
	for o2, f2 := range st.get(a) {
		path := extend(f2.path, call)
		path = extend(path, f.path[min(1, len(f.path)):]...)
		path = extend(path, ret)
		if put(o2, fact{path: path, clean: f.clean | f2.clean}) {
			changed = true
		}
	}
	return changed
}

// closure: a function literal's free variables are bound here, so the paths from its free
// variables to sinks, and its stores into captured variables, apply at this point.
func (e *engine) closure(st *state, mc *ssa.MakeClosure) bool {
	g := mc.Fn.(*ssa.Function)
	if e.callers[g] == nil {
		e.callers[g] = map[*ssa.Function]bool{}
	}
	e.callers[g][st.fn] = true
	sum := e.summaries[g]
	if sum == nil {
		return false
	}
	changed := false
	actual := func(i int) ssa.Value {
		if j := i - len(g.Params); j >= 0 && j < len(mc.Bindings) {
			return mc.Bindings[j]
		}
		return nil
	}
	call := step{mc.Pos(), "captured by " + shortName(g)}
	for mk, m := range sum.mut {
		a := actual(mk.param)
		if a == nil {
			continue
		}
		for o, f := range m {
			changed = e.mapOrigin(st, o, f, actual, call, call, func(o origin, f fact) bool { return st.addMut(a, mk.field, o, f) }) || changed
		}
	}
	for i, hits := range sum.sinks {
		a := actual(i)
		if a == nil {
			continue
		}
		for o, f := range st.get(a) {
			for _, h := range hits {
				path := extend(extend(f.path, call), h.path...)
				e.reach(st, o, fact{path: path, clean: f.clean | h.clean}, h.class, h.pos, h.desc, h.fn)
			}
		}
	}
	return changed
}

// checkSink checks the sink's arguments at a call.
func (e *engine) checkSink(st *state, instr ssa.CallInstruction, s sinkSpec, args []ssa.Value, recv int) {
	var check []ssa.Value
	rest := args[recv:]
	switch {
	case s.writer:
		if len(rest) == 0 || !isResponseWriter(rest[0]) || e.notHTML(st.fn) {
			return
		}
		if s.arg == anyArg {
			check = rest[1:]
		} else if s.arg < len(rest) {
			check = rest[s.arg : s.arg+1]
		}
	case s.arg == anyArg:
		for _, a := range rest {
			if !isContext(a.Type()) {
				check = append(check, a)
			}
		}
	case s.arg == firstString:
		for i, a := range rest {
			if isStringish(a) {
				check = rest[i : i+1]
				break
			}
		}
	case s.arg < len(rest):
		check = rest[s.arg : s.arg+1]
		if s.shellArgs && s.arg+1 < len(rest) && isShell(rest[s.arg]) {
			check = append(check, rest[s.arg+1:]...)
		}
	}
	desc := s.f.String()
	for _, a := range check {
		for o, f := range st.get(a) {
			if e.guarded(st, a, instr.Block(), s.class) {
				continue
			}
			e.reach(st, o, fact{path: extend(f.path, step{instr.Pos(), "sink: " + desc}), clean: f.clean}, s.class, instr.Pos(), desc, st.fn)
		}
	}
}

// reach records that origin o reaches a sink of class: a finding for a source, a summary entry
// for a parameter.
func (e *engine) reach(st *state, o origin, f fact, class string, pos token.Pos, desc string, sinkFn *ssa.Function) {
	if o < 0 {
		i := o.param()
		for _, h := range st.sum.sinks[i] {
			if h.class == class && h.pos == pos {
				return
			}
		}
		st.sum.sinks[i] = append(st.sum.sinks[i], sinkHit{class: class, pos: pos, desc: desc, path: f.path, clean: f.clean, fn: sinkFn})
		return
	}
	s := e.sites[o]
	class = refine(class, s.kind)
	if class == "" || f.clean&e.classBit[class] != 0 {
		return
	}
	if !e.inScope(sinkFn) {
		return
	}
	k := findingKey{class: class, sink: pos, src: s.pos}
	if prev, ok := e.found[k]; ok && !shorter(f.path, prev.Path) {
		return // the shortest path is kept (ties by position), so output does not depend on map order
	}
	e.found[k] = &Finding{Class: class, Sink: pos, SinkDesc: desc, Source: s.pos, SourceDesc: s.desc, Func: sinkFn, Path: f.path}
}

// refine picks the rule for a source kind: an archive entry's name into a path is zip-slip; only a
// stream reaches the unbounded-read and decompression rules.
func refine(class string, k sourceKind) string {
	if k == kindLocal {
		// The operator's own input (arguments, environment) is reported only where it is
		// interpreted as code: a program that opens the file its user names is doing its job.
		switch class {
		case SQLInjection, CommandInjection, TemplateInject, LDAPInjection, XPathInjection:
			return class
		}
		return ""
	}
	switch class {
	case PathTraversal:
		if k == kindArchive {
			return ZipSlip
		}
	case UnboundedRead:
		switch k {
		case kindBody:
			return UnboundedRead
		case kindDecompressed:
			return DecompressBomb
		}
		return ""
	case DecompressBomb:
		if k != kindDecompressed {
			return ""
		}
	}
	return class
}

func isStringish(v ssa.Value) bool {
	if mi, ok := v.(*ssa.MakeInterface); ok {
		v = mi.X
	}
	b, ok := v.Type().Underlying().(*types.Basic)
	return ok && b.Info()&types.IsString != 0
}

func isShell(v ssa.Value) bool {
	c, ok := v.(*ssa.Const)
	if !ok || c.Value == nil || c.Value.Kind() != constant.String {
		return false
	}
	name := constant.StringVal(c.Value)
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	switch strings.TrimSuffix(strings.ToLower(name), ".exe") {
	case "sh", "bash", "zsh", "dash", "ksh", "ash", "cmd", "powershell", "pwsh":
		return true
	}
	return false
}

func isResponseWriter(v ssa.Value) bool {
	switch x := v.(type) {
	case *ssa.MakeInterface:
		v = x.X
	case *ssa.ChangeInterface:
		v = x.X
	}
	if v == nil {
		return false
	}
	t := v.Type()
	if p, ok := t.Underlying().(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "net/http" && n.Obj().Name() == "ResponseWriter"
}

// htmlConversion: converting untrusted text to html/template's trusted types is XSS.
func (e *engine) htmlConversion(st *state, instr ssa.Instruction, v ssa.Value) {
	n, ok := types.Unalias(v.Type()).(*types.Named)
	if !ok || n.Obj().Pkg() == nil || n.Obj().Pkg().Path() != "html/template" {
		return
	}
	switch n.Obj().Name() {
	case "HTML", "JS", "CSS", "HTMLAttr", "URL", "Srcset", "JSStr":
	default:
		return
	}
	x := instr.Operands(nil)[0]
	desc := "html/template." + n.Obj().Name() + " conversion"
	for o, f := range st.get(*x) {
		if e.guarded(st, *x, instr.Block(), XSS) {
			continue
		}
		e.reach(st, o, fact{path: extend(f.path, step{v.Pos(), "sink: " + desc}), clean: f.clean}, XSS, v.Pos(), desc, st.fn)
	}
}

// sessionStore: a value stored into a gorilla/sessions session crosses a trust boundary.
func (e *engine) sessionStore(st *state, mu *ssa.MapUpdate) {
	load, ok := mu.Map.(*ssa.UnOp)
	if !ok {
		return
	}
	fa, ok := load.X.(*ssa.FieldAddr)
	if !ok {
		return
	}
	t := fa.X.Type().Underlying().(*types.Pointer).Elem()
	n, ok := types.Unalias(t).(*types.Named)
	if !ok || n.Obj().Pkg() == nil || n.Obj().Pkg().Path() != "github.com/gorilla/sessions" || n.Obj().Name() != "Session" {
		return
	}
	desc := "github.com/gorilla/sessions.Session.Values"
	for o, f := range st.get(mu.Value) {
		e.reach(st, o, fact{path: extend(f.path, step{mu.Pos(), "sink: " + desc}), clean: f.clean}, TrustBoundary, mu.Pos(), desc, st.fn)
	}
}

func decompressor(f Func) bool {
	switch f.Pkg {
	case "compress/gzip", "compress/zlib", "compress/flate", "compress/bzip2", "compress/lzw":
		return f.Recv == "" && strings.HasPrefix(f.Name, "NewReader")
	}
	return false
}

// decompress: a decompressor over untrusted input is itself a source of the decompressed kind.
func (e *engine) decompress(st *state, instr ssa.CallInstruction, args []ssa.Value, res ssa.Value) bool {
	if len(args) == 0 {
		return false
	}
	for o := range st.get(args[0]) {
		if o >= 0 {
			desc := "decompressed " + e.sites[o].desc
			return st.add(res, e.newSite(instr.Pos(), desc, kindDecompressed), fact{path: []step{{instr.Pos(), "source: " + desc}}})
		}
	}
	return false
}

// notHTML reports whether fn sets a constant Content-Type that is not HTML (text/plain, JSON):
// what it writes to the response is then not rendered as HTML.
func (e *engine) notHTML(fn *ssa.Function) bool {
	for _, b := range fn.Blocks {
		for _, instr := range b.Instrs {
			c, ok := instr.(*ssa.Call)
			if !ok {
				continue
			}
			f, ok := calleeFunc(&c.Call)
			if !ok || f.Pkg != "net/http" || f.Recv != "Header" || (f.Name != "Set" && f.Name != "Add") || len(c.Call.Args) != 3 {
				continue
			}
			if !isStringConst(c.Call.Args[1]) || !isStringConst(c.Call.Args[2]) {
				continue
			}
			key := constant.StringVal(c.Call.Args[1].(*ssa.Const).Value)
			val := constant.StringVal(c.Call.Args[2].(*ssa.Const).Value)
			if strings.EqualFold(key, "Content-Type") && !strings.Contains(strings.ToLower(val), "html") {
				return true
			}
		}
	}
	return false
}

// shorter orders paths: fewer steps first, then by their positions and messages.
func shorter(a, b []step) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	for i := range a {
		if a[i].pos != b[i].pos {
			return a[i].pos < b[i].pos
		}
		if a[i].msg != b[i].msg {
			return a[i].msg < b[i].msg
		}
	}
	return false
}
