package taint

import (
	"go/constant"
	"go/token"
	"go/types"
	"slices"

	"golang.org/x/tools/go/ssa"
)

// guarded reports whether v, checked at a sink in block b, is proven clean for class by a guard
// on a branch that dominates b: a guard table entry (prefix of a cleaned path, regexp match,
// allow-list membership), a map lookup (allow-list), or equality with a constant.
func (e *engine) guarded(st *state, v ssa.Value, b *ssa.BasicBlock, class string) bool {
	if b == nil {
		return false
	}
	chain := backward(v)
	for _, blk := range st.fn.Blocks {
		iff, ok := blk.Instrs[len(blk.Instrs)-1].(*ssa.If)
		if !ok || !blk.Dominates(b) {
			continue
		}
		checked, sense, ok := e.guardOf(iff.Cond, class)
		if !ok {
			continue
		}
		succ := blk.Succs[0]
		if !sense {
			succ = blk.Succs[1]
		}
		if len(succ.Preds) != 1 || !succ.Dominates(b) {
			continue
		}
		for _, x := range chain {
			if sameValue(x, checked) {
				return true
			}
		}
	}
	return false
}

// guardOf decodes a branch condition into the value it proves clean and on which branch.
func (e *engine) guardOf(cond ssa.Value, class string) (ssa.Value, bool, bool) {
	sense := true
	for range 8 {
		u, ok := cond.(*ssa.UnOp)
		if !ok || u.Op != token.NOT {
			break
		}
		cond, sense = u.X, !sense
	}
	switch c := cond.(type) {
	case *ssa.Call:
		f, ok := calleeFunc(&c.Call)
		if !ok {
			return nil, false, false
		}
		g, ok := e.guards[f]
		if !ok || (len(g.classes) > 0 && !slices.Contains(g.classes, class)) {
			return nil, false, false
		}
		args, recv := callArgs(&c.Call)
		if g.arg+recv >= len(args) {
			return nil, false, false
		}
		checked := args[g.arg+recv]
		if g.cleaned && !isCleaned(checked) {
			return nil, false, false
		}
		return checked, sense, true
	case *ssa.BinOp:
		if c.Op != token.EQL && c.Op != token.NEQ {
			return nil, false, false
		}
		if c.Op == token.NEQ {
			sense = !sense
		}
		if isStringConst(c.Y) {
			return c.X, sense, true
		}
		if isStringConst(c.X) {
			return c.Y, sense, true
		}
	case *ssa.Lookup:
		return c.Index, sense, true
	case *ssa.Extract:
		if l, ok := c.Tuple.(*ssa.Lookup); ok && c.Index == 1 {
			return l.Index, sense, true
		}
	}
	return nil, false, false
}

func isStringConst(v ssa.Value) bool {
	c, ok := v.(*ssa.Const)
	return ok && c.Value != nil && c.Value.Kind() == constant.String
}

// isCleaned: the value comes straight from filepath.Clean, Join or Abs (Abs's result through its
// tuple), so a prefix check on it means containment.
func isCleaned(v ssa.Value) bool {
	if x, ok := v.(*ssa.Extract); ok {
		v = x.Tuple
	}
	c, ok := v.(*ssa.Call)
	if !ok {
		return false
	}
	f, ok := calleeFunc(&c.Call)
	if !ok || (f.Pkg != "path/filepath" && f.Pkg != "path") {
		return false
	}
	switch f.Name {
	case "Clean", "Join", "Abs", "EvalSymlinks":
		return true
	}
	return false
}

// backward lists v and the values it is computed from within its function, through conversions,
// concatenation, field and element reads and the arguments of calls, up to a bound.
func backward(v ssa.Value) []ssa.Value {
	seen := map[ssa.Value]bool{}
	queue := []ssa.Value{v}
	var out []ssa.Value
	for len(queue) > 0 && len(out) < 64 {
		x := queue[0]
		queue = queue[1:]
		if x == nil || seen[x] {
			continue
		}
		seen[x] = true
		out = append(out, x)
		switch y := x.(type) {
		case *ssa.Call:
			queue = append(queue, y.Call.Args...)
			if y.Call.IsInvoke() {
				queue = append(queue, y.Call.Value)
			}
		case *ssa.Extract:
			queue = append(queue, y.Tuple)
		case *ssa.BinOp:
			queue = append(queue, y.X, y.Y)
		case *ssa.Convert:
			queue = append(queue, y.X)
		case *ssa.ChangeType:
			queue = append(queue, y.X)
		case *ssa.MakeInterface:
			queue = append(queue, y.X)
		case *ssa.UnOp:
			queue = append(queue, y.X)
		case *ssa.FieldAddr:
			queue = append(queue, y.X)
		case *ssa.Field:
			queue = append(queue, y.X)
		case *ssa.Slice:
			queue = append(queue, y.X)
		}
	}
	return out
}

// sameValue reports whether a guard's checked value stands for x: the same value, a load of the
// same variable, the same object — but a field proves only itself, except a URL's host, which
// proves the URL (the allow-list pattern: parse, compare u.Host, request u).
func sameValue(x, checked ssa.Value) bool {
	if x == checked {
		return true
	}
	if lx, ok := x.(*ssa.UnOp); ok && lx.Op == token.MUL {
		if lc, ok := checked.(*ssa.UnOp); ok && lc.Op == token.MUL && lc.X == lx.X {
			return true
		}
	}
	if sameElement(x, checked) {
		return true
	}
	if base, ok := urlHost(checked); ok {
		return node(x) == node(base)
	}
	switch c := checked.(type) {
	case *ssa.Field:
		return false
	case *ssa.UnOp:
		if _, ok := c.X.(*ssa.FieldAddr); ok {
			return false
		}
	}
	return node(x) == node(checked)
}

// urlHost: checked is u.Host or u.Hostname() of a *url.URL u; base is u.
func urlHost(checked ssa.Value) (ssa.Value, bool) {
	switch c := checked.(type) {
	case *ssa.UnOp:
		if fa, ok := c.X.(*ssa.FieldAddr); ok && isURL(fa.X.Type()) {
			return fa.X, true
		}
	case *ssa.Call:
		if f, ok := calleeFunc(&c.Call); ok && f.Pkg == "net/url" && f.Recv == "URL" && (f.Name == "Hostname" || f.Name == "Port") && len(c.Call.Args) == 1 {
			return c.Call.Args[0], true
		}
	}
	return nil, false
}

func isURL(t types.Type) bool {
	if p, ok := t.Underlying().(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "net/url" && n.Obj().Name() == "URL"
}

// sameElement: two reads of one map entry, slice element or field under a constant key, such as
// vars["file"] checked and then used.
func sameElement(x, y ssa.Value) bool {
	switch a := x.(type) {
	case *ssa.Lookup:
		b, ok := y.(*ssa.Lookup)
		return ok && a.X == b.X && sameConst(a.Index, b.Index)
	case *ssa.Index:
		b, ok := y.(*ssa.Index)
		return ok && a.X == b.X && sameConst(a.Index, b.Index)
	case *ssa.UnOp:
		b, ok := y.(*ssa.UnOp)
		if !ok || a.Op != token.MUL || b.Op != token.MUL {
			return false
		}
		if fa, ok := a.X.(*ssa.FieldAddr); ok {
			fb, ok := b.X.(*ssa.FieldAddr)
			return ok && fa.X == fb.X && fa.Field == fb.Field
		}
		if ia, ok := a.X.(*ssa.IndexAddr); ok {
			ib, ok := b.X.(*ssa.IndexAddr)
			return ok && ia.X == ib.X && sameConst(ia.Index, ib.Index)
		}
	}
	return false
}

func sameConst(a, b ssa.Value) bool {
	ca, ok1 := a.(*ssa.Const)
	cb, ok2 := b.(*ssa.Const)
	return ok1 && ok2 && ca.Value != nil && cb.Value != nil && ca.Value.Kind() == cb.Value.Kind() && constant.Compare(ca.Value, token.EQL, cb.Value)
}
