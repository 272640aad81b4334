package rules

import (
	"context"
	"go/ast"
	"go/token"
	"go/types"
	"strconv"

	"github.com/palisade-sec/palisade/internal/finding"
)

var chiPkgs = []string{"github.com/go-chi/chi/v5", "github.com/go-chi/chi"}
var gorillaPkgs = []string{"github.com/gorilla/mux"}

// authWords mark a function or middleware that authenticates or authorizes.
var authWords = set("auth", "authn", "authz", "authenticate", "authenticated", "authentication", "authorize", "authorized",
	"authorization", "authorise", "authorised", "jwt", "session", "permission", "permissions", "rbac", "acl", "protect",
	"protected", "guard", "logged", "bearer", "oauth", "oidc", "apikey")

// publicWords mark route patterns that are public by design.
var publicWords = set("login", "logout", "signin", "signup", "register", "health", "healthz", "livez", "readyz", "ping",
	"status", "static", "assets", "public", "favicon", "robots", "callback", "oauth", "well", "known", "version", "docs")

// route is one handler registration.
type route struct {
	call      *ast.CallExpr
	pattern   string
	protected bool
}

func routeAuthRule() rule {
	return rule{
		id: "go-route-missing-auth", title: "Route registered without the authentication its siblings have",
		description: "Most routes registered in this function are wrapped in an authentication middleware or call an authentication check, and this one is not: it is reachable without credentials.",
		severity:    finding.SeverityMedium, confidence: finding.ConfidenceLow,
		cwe: []string{"CWE-306"},
		fix: "Wrap the handler in the same middleware as its siblings (or call the same check first); if the route is public by design, say so with palisade:ignore and a reason.",
		check: func(_ context.Context, p *pass) {
			for _, d := range p.file.Decls {
				fd, ok := d.(*ast.FuncDecl)
				if !ok || fd.Body == nil {
					continue
				}
				p.routesIn(fd)
			}
		},
	}
}

func (p *pass) routesIn(fd *ast.FuncDecl) {
	guarded := map[types.Object]bool{} // routers on which Use(auth…) was called
	var routes []route
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, isSel := ast.Unparen(call.Fun).(*ast.SelectorExpr)
		if isSel && sel.Sel.Name == "Use" && p.isRouter(p.typeOf(sel.X)) {
			for _, a := range call.Args {
				if p.authish(a) {
					if o := p.objOf(sel.X); o != nil {
						guarded[o] = true
					}
				}
			}
			return true
		}
		pat, h, ok := p.registration(call)
		if !ok {
			return true
		}
		r := route{call: call, pattern: pat, protected: p.authish(h) || p.handlerChecks(h)}
		if isSel {
			// chi's r.With(auth).Get(…), or a router guarded by r.Use(auth) (in this function or
			// in the group literal the registration sits in).
			if c, ok := ast.Unparen(sel.X).(*ast.CallExpr); ok && p.authish(c) {
				r.protected = true
			}
			if o := p.objOf(sel.X); o != nil && guarded[o] {
				r.protected = true
			}
		}
		routes = append(routes, r)
		return true
	})
	var prot, open []route
	for _, r := range routes {
		switch {
		case r.protected:
			prot = append(prot, r)
		case !hasWord(r.pattern, publicWords) && r.pattern != "/":
			open = append(open, r)
		}
	}
	if len(prot) < 2 || len(prot) <= len(open) {
		return
	}
	for _, r := range open {
		p.report(r.call, funcDeclName(fd), "route "+r.pattern+" has no authentication while "+strconv.Itoa(len(prot))+" sibling routes do.", nil)
	}
}

// isRouter reports whether t is a router whose Use adds middleware: chi's Router or Mux, gorilla's Router.
func (p *pass) isRouter(t types.Type) bool {
	return isNamed(t, chiPkgs, "Router") || isNamed(t, chiPkgs, "Mux") || isNamed(t, gorillaPkgs, "Router")
}

// registration recognises a route registration and returns its pattern and handler.
func (p *pass) registration(call *ast.CallExpr) (string, ast.Expr, bool) {
	fn := p.callee(call)
	if fn == nil {
		return "", nil, false
	}
	at := func(pi, hi int) (string, ast.Expr, bool) {
		if hi >= len(call.Args) {
			return "", nil, false
		}
		s, ok := p.constString(call.Args[pi])
		if !ok {
			s = types.ExprString(call.Args[pi]) // a pattern from a table or a variable
		}
		return s, call.Args[hi], true
	}
	switch {
	case isFunc(fn, httpPkgs, "Handle", "HandleFunc"), isMethod(fn, httpPkgs, "ServeMux", "Handle", "HandleFunc"),
		isMethod(fn, gorillaPkgs, "Router", "Handle", "HandleFunc"):
		return at(0, 1)
	case isMethod(fn, chiPkgs, "Router", "Get", "Post", "Put", "Patch", "Delete", "Head", "Options", "Connect", "Trace", "Handle", "HandleFunc"),
		isMethod(fn, chiPkgs, "Mux", "Get", "Post", "Put", "Patch", "Delete", "Head", "Options", "Connect", "Trace", "Handle", "HandleFunc"):
		return at(0, 1)
	case isMethod(fn, chiPkgs, "Router", "Method", "MethodFunc"), isMethod(fn, chiPkgs, "Mux", "Method", "MethodFunc"):
		return at(1, 2)
	}
	return "", nil, false
}

// authish reports whether an expression calls or names something that authenticates:
// requireAuth(h), mw.Authenticated, jwtMiddleware.
func (p *pass) authish(e ast.Expr) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Ident:
			// A handler's own name (handleSession) says nothing about who may call it: its body
			// is looked at instead. Middleware and wrappers are judged by name.
			if fn, ok := p.info.Uses[n].(*types.Func); ok && isHandlerSig(fn.Signature()) {
				return true
			}
			if hasWord(n.Name, authWords) {
				found = true
			}
		case *ast.FuncLit:
			return false
		}
		return !found
	})
	return found
}

// handlerChecks reports whether the handler e names (a function literal, a function or method
// of this package, possibly converted with http.HandlerFunc) calls an authentication check.
func (p *pass) handlerChecks(e ast.Expr) bool {
	if c, ok := ast.Unparen(e).(*ast.CallExpr); ok && len(c.Args) == 1 {
		if tv, ok := p.info.Types[c.Fun]; ok && tv.IsType() {
			e = c.Args[0]
		}
	}
	body := p.funcBody(e)
	if body == nil {
		return false
	}
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		if c, ok := n.(*ast.CallExpr); ok {
			if name := p.nameOf(c.Fun); hasWord(name, authWords) {
				found = true
			}
		}
		return !found
	})
	return found
}

// secretWords mark values that must be compared in constant time.
var secretWords = set("token", "secret", "password", "passwd", "pwd", "mac", "hmac", "signature", "sig",
	"apikey", "otp", "passphrase", "csrf", "xsrf")

// hashWords mark values that are secret-derived only when compared with what a request claims.
var hashWords = set("hash", "digest")

func secretCompareRule() rule {
	return rule{
		id: "go-secret-compare", title: "Secret compared in variable time",
		description: "== and bytes.Equal stop at the first differing byte, so response times tell an attacker how much of a guessed token, MAC or password is right.",
		severity:    finding.SeverityMedium, confidence: finding.ConfidenceMedium,
		cwe: []string{"CWE-208"},
		fix: "Compare with crypto/subtle.ConstantTimeCompare or hmac.Equal (and compare password hashes with bcrypt.CompareHashAndPassword).",
		check: func(_ context.Context, p *pass) {
			p.walk(func(n ast.Node, _ []ast.Node, scope string) {
				var x, y ast.Expr
				switch n := n.(type) {
				case *ast.BinaryExpr:
					if n.Op != token.EQL && n.Op != token.NEQ {
						return
					}
					x, y = n.X, n.Y
				case *ast.CallExpr:
					if !isFunc(p.callee(n), []string{"bytes"}, "Equal") && !isFunc(p.callee(n), []string{"strings"}, "Compare") || len(n.Args) != 2 {
						return
					}
					x, y = n.Args[0], n.Args[1]
				default:
					return
				}
				if !p.stringish(x) || !p.stringish(y) || p.constOf(x) != nil || p.constOf(y) != nil || p.isNil(x) || p.isNil(y) {
					return
				}
				if p.sameCallee(x, y) {
					return // commitHash(a) == commitHash(b): two objects compared by a derived key, not a guess checked
				}
				// A hash or digest is public unless the other side is what the request claims it
				// is: content hashes compared for change detection are not guesses checked.
				for _, pair := range [][2]ast.Expr{{x, y}, {y, x}} {
					name := p.nameOf(pair[0])
					if hasWord(name, secretWords) || hasWord(name, hashWords) && p.fromRequest(pair[1]) {
						p.report(n, scope, shown(name, secretWords)+" is compared in variable time.", nil)
						return
					}
				}
			})
		},
	}
}

// stringish reports whether e is a string or a byte slice.
func (p *pass) stringish(e ast.Expr) bool {
	t := p.typeOf(e)
	if t == nil {
		return false
	}
	switch u := t.Underlying().(type) {
	case *types.Basic:
		return u.Info()&types.IsString != 0
	case *types.Slice:
		b, ok := u.Elem().Underlying().(*types.Basic)
		return ok && b.Kind() == types.Byte
	}
	return false
}

func (p *pass) isNil(e ast.Expr) bool {
	tv, ok := p.info.Types[e]
	return ok && tv.IsNil()
}

// sameCallee reports whether x and y are both calls of the same function.
func (p *pass) sameCallee(x, y ast.Expr) bool {
	cx, ok1 := ast.Unparen(x).(*ast.CallExpr)
	cy, ok2 := ast.Unparen(y).(*ast.CallExpr)
	if !ok1 || !ok2 {
		return false
	}
	fx, fy := p.callee(cx), p.callee(cy)
	return fx != nil && fx == fy
}

// isHandlerSig reports whether sig is an http.HandlerFunc's: (http.ResponseWriter, *http.Request).
func isHandlerSig(sig *types.Signature) bool {
	ps := sig.Params()
	if ps.Len() != 2 || !isNamed(ps.At(0).Type(), httpPkgs, "ResponseWriter") {
		return false
	}
	_, isPtr := types.Unalias(ps.At(1).Type()).(*types.Pointer)
	return isPtr && isNamed(ps.At(1).Type(), httpPkgs, "Request")
}

// fromRequest reports whether e reads the request: a header, form, query, path or cookie value.
func (p *pass) fromRequest(e ast.Expr) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		if c, ok := n.(*ast.CallExpr); ok {
			fn := p.callee(c)
			if isMethod(fn, httpPkgs, "Header", "Get", "Values") || isMethod(fn, httpPkgs, "Request", "FormValue", "PostFormValue", "PathValue", "Cookie") ||
				isMethod(fn, []string{"net/url"}, "Values", "Get") {
				found = true
			}
		}
		return !found
	})
	return found
}
