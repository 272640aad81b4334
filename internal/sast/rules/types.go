package rules

import (
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"path/filepath"
	"strings"
	"unicode"

	"golang.org/x/tools/go/types/typeutil"
)

// callee returns the function or method a call statically or dynamically names (an interface
// method included), or nil for conversions, builtins and calls of function values.
func (p *pass) callee(call *ast.CallExpr) *types.Func {
	fn, _ := typeutil.Callee(p.info, call).(*types.Func)
	return fn
}

// isFunc reports whether fn is the package-level function pkg.name (one of names).
func isFunc(fn *types.Func, pkgs []string, names ...string) bool {
	if fn == nil || fn.Pkg() == nil || fn.Signature().Recv() != nil {
		return false
	}
	return inList(fn.Pkg().Path(), pkgs) && inList(fn.Name(), names)
}

// isMethod reports whether fn is a method named one of names whose receiver's type (pointer or
// not, named or interface) is pkg.typeName.
func isMethod(fn *types.Func, pkgs []string, typeName string, names ...string) bool {
	if fn == nil || fn.Pkg() == nil {
		return false
	}
	recv := fn.Signature().Recv()
	if recv == nil || !inList(fn.Name(), names) {
		return false
	}
	return isNamed(recv.Type(), pkgs, typeName)
}

// isNamed reports whether t, or what it points to, is the named type pkg.name.
func isNamed(t types.Type, pkgs []string, name string) bool {
	if t == nil {
		return false
	}
	t = types.Unalias(t)
	if ptr, ok := t.(*types.Pointer); ok {
		t = types.Unalias(ptr.Elem())
	}
	n, ok := t.(*types.Named)
	if !ok || n.Obj().Pkg() == nil {
		return false
	}
	return n.Obj().Name() == name && inList(n.Obj().Pkg().Path(), pkgs)
}

func inList(s string, list []string) bool {
	for _, l := range list {
		if s == l {
			return true
		}
	}
	return false
}

// typeOf returns the type of e, or nil when the checker recorded none.
func (p *pass) typeOf(e ast.Expr) types.Type {
	if e == nil {
		return nil
	}
	return p.info.TypeOf(e)
}

// constOf returns e's constant value, or nil when e is not constant.
func (p *pass) constOf(e ast.Expr) constant.Value {
	if e == nil {
		return nil
	}
	if tv, ok := p.info.Types[e]; ok {
		return tv.Value
	}
	return nil
}

func (p *pass) constInt(e ast.Expr) (int64, bool) {
	v := p.constOf(e)
	if v == nil || v.Kind() != constant.Int {
		return 0, false
	}
	return constant.Int64Val(v)
}

func (p *pass) constBool(e ast.Expr) (val, ok bool) {
	v := p.constOf(e)
	if v == nil || v.Kind() != constant.Bool {
		return false, false
	}
	return constant.BoolVal(v), true
}

func (p *pass) constString(e ast.Expr) (string, bool) {
	v := p.constOf(e)
	if v == nil || v.Kind() != constant.String {
		return "", false
	}
	return constant.StringVal(v), true
}

// objOf returns the object an identifier or selector refers to.
func (p *pass) objOf(e ast.Expr) types.Object {
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident:
		return p.info.ObjectOf(e)
	case *ast.SelectorExpr:
		return p.info.ObjectOf(e.Sel)
	}
	return nil
}

// isField reports whether obj is a struct field called name declared in package pkg.
func isField(obj types.Object, pkg, name string) bool {
	v, ok := obj.(*types.Var)
	return ok && v.IsField() && v.Name() == name && v.Pkg() != nil && v.Pkg().Path() == pkg
}

// compositeFields returns a struct composite literal's fields by name; positional literals give
// none. The literal's type must be pkg.name (or a pointer to it).
func (p *pass) compositeOf(lit *ast.CompositeLit, pkg, name string) (map[string]*ast.KeyValueExpr, bool) {
	if !isNamed(p.typeOf(lit), []string{pkg}, name) {
		return nil, false
	}
	fields := map[string]*ast.KeyValueExpr{}
	for _, el := range lit.Elts {
		if kv, ok := el.(*ast.KeyValueExpr); ok {
			if id, ok := kv.Key.(*ast.Ident); ok {
				fields[id.Name] = kv
			}
		}
	}
	return fields, true
}

// nameOf is the name an expression is known by: an identifier, a selector's field or method, an
// indexed or dereferenced value's base, a call's callee, a string-keyed accessor's key
// (r.Header.Get("X-Api-Token")).
func (p *pass) nameOf(e ast.Expr) string {
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		return e.Sel.Name
	case *ast.IndexExpr:
		return p.nameOf(e.X)
	case *ast.StarExpr:
		return p.nameOf(e.X)
	case *ast.UnaryExpr:
		return p.nameOf(e.X)
	case *ast.SliceExpr:
		return p.nameOf(e.X)
	case *ast.CallExpr:
		if len(e.Args) >= 1 {
			if s, ok := p.constString(e.Args[0]); ok && len(e.Args) == 1 {
				if sel, ok := e.Fun.(*ast.SelectorExpr); ok && inList(sel.Sel.Name, []string{"Get", "FormValue", "PostFormValue", "PathValue", "Getenv", "Param", "Query", "GetHeader"}) {
					return s
				}
			}
		}
		if tv, ok := p.info.Types[e.Fun]; ok && tv.IsType() && len(e.Args) == 1 {
			return p.nameOf(e.Args[0]) // a conversion: []byte(token)
		}
		// An encoding or clean-up of one value (hex.EncodeToString(mac), strings.TrimSpace(tok))
		// is known by that value, unless the callee's own name says more (commitHash(c)).
		if fn := p.nameOf(e.Fun); len(e.Args) == 1 && !hasWord(fn, secretWords) && !hasWord(fn, hashWords) {
			if arg := p.nameOf(e.Args[0]); arg != "" {
				return arg
			}
		}
		return p.nameOf(e.Fun)
	}
	return ""
}

// words splits an identifier or header name into lowercase words: "X-API-Token" → x api token,
// "sessionID" → session id, "client_secret" → client secret.
func words(name string) []string {
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	rs := []rune(name)
	for i, r := range rs {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
		case unicode.IsUpper(r):
			// A new word starts at an upper-case letter after a lower-case one, or at the last
			// upper-case letter of a run followed by a lower-case one (APIKey → API Key).
			if i > 0 && (unicode.IsLower(rs[i-1]) || unicode.IsDigit(rs[i-1]) ||
				unicode.IsUpper(rs[i-1]) && i+1 < len(rs) && unicode.IsLower(rs[i+1])) {
				flush()
			}
			cur = append(cur, r)
		default:
			cur = append(cur, r)
		}
	}
	flush()
	return out
}

// hasWord reports whether name has one of the words in set.
func hasWord(name string, set map[string]bool) bool {
	for _, w := range words(name) {
		if set[w] {
			return true
		}
	}
	return false
}

func set(ws ...string) map[string]bool {
	m := map[string]bool{}
	for _, w := range ws {
		m[w] = true
	}
	return m
}

// enclosingFunc returns the innermost function (declaration or literal) on the stack, and its body.
func enclosingFunc(stack []ast.Node) (ast.Node, *ast.BlockStmt) {
	for i := len(stack) - 1; i >= 0; i-- {
		switch f := stack[i].(type) {
		case *ast.FuncDecl:
			return f, f.Body
		case *ast.FuncLit:
			return f, f.Body
		}
	}
	return nil, nil
}

func baseName(path string) string { return filepath.Base(path) }

// shown is how a name appears in a finding's message. Identifiers are code and shown as they are;
// a name read from a string (a header, form or map key) could itself be a secret someone keyed a
// map by, so it is shown only as the word that made it interesting ("a token value").
func shown(name string, interesting map[string]bool) string {
	if token.IsIdentifier(name) {
		return name
	}
	for _, w := range words(name) {
		if interesting[w] {
			return "a " + w + " value"
		}
	}
	return "a value"
}
