package rules

import (
	"context"
	"go/ast"
	"go/types"
	"strings"

	"github.com/palisade-sec/palisade/internal/finding"
)

const httpPkg = "net/http"

var httpPkgs = []string{httpPkg}

func serverTimeoutRule() rule {
	return rule{
		id: "go-http-server-timeout", title: "HTTP server without a read timeout",
		description: "Without ReadHeaderTimeout (or ReadTimeout) a client can hold connections open by sending headers slowly (Slowloris) until the server runs out of them.",
		severity:    finding.SeverityMedium, confidence: finding.ConfidenceHigh,
		cwe: []string{"CWE-400"}, gosec: []string{"G112", "G114"},
		fix: "Serve with an http.Server that sets ReadHeaderTimeout (and ReadTimeout, WriteTimeout, IdleTimeout as the handlers allow); http.ListenAndServe and http.Serve cannot set any.",
		check: func(_ context.Context, p *pass) {
			p.walk(func(n ast.Node, stack []ast.Node, scope string) {
				switch n := n.(type) {
				case *ast.CallExpr:
					if fn := p.callee(n); isFunc(fn, httpPkgs, "ListenAndServe", "ListenAndServeTLS", "Serve", "ServeTLS") {
						p.report(n, scope, "http."+fn.Name()+" serves without any timeout.", nil)
					}
				case *ast.CompositeLit:
					fields, ok := p.compositeOf(n, httpPkg, "Server")
					if !ok {
						return
					}
					for _, f := range []string{"ReadHeaderTimeout", "ReadTimeout"} {
						if kv := fields[f]; kv != nil {
							if v, ok := p.constInt(kv.Value); !ok || v > 0 {
								return
							}
						}
					}
					if p.setLater(n, stack, "ReadHeaderTimeout", "ReadTimeout") {
						return
					}
					p.report(n, scope, "http.Server has neither ReadHeaderTimeout nor ReadTimeout.", nil)
				}
			})
		},
	}
}

// setLater reports whether the variable a composite literal is assigned to has one of fields
// assigned anywhere in the enclosing function (srv := &http.Server{}; srv.ReadTimeout = …).
func (p *pass) setLater(lit *ast.CompositeLit, stack []ast.Node, fields ...string) bool {
	v := p.assignedTo(lit, stack)
	if v == nil {
		return false
	}
	_, body := enclosingFunc(stack)
	if body == nil {
		return false
	}
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		as, ok := n.(*ast.AssignStmt)
		if !ok || found {
			return !found
		}
		for i, l := range as.Lhs {
			sel, ok := l.(*ast.SelectorExpr)
			if !ok || !inList(sel.Sel.Name, fields) || p.objOf(sel.X) != v {
				continue
			}
			if i < len(as.Rhs) {
				if c, ok := p.constInt(as.Rhs[i]); ok && c <= 0 {
					continue
				}
				if b, ok := p.constBool(as.Rhs[i]); ok && !b {
					continue
				}
			}
			found = true
		}
		return !found
	})
	return found
}

// assignedTo returns the variable a composite literal (or its address) is stored in by the
// statement holding it, or nil.
func (p *pass) assignedTo(lit *ast.CompositeLit, stack []ast.Node) types.Object {
	var e ast.Expr = lit
	for i := len(stack) - 1; i >= 0; i-- {
		switch s := stack[i].(type) {
		case *ast.UnaryExpr, *ast.ParenExpr:
			e = s.(ast.Expr)
			continue
		case *ast.AssignStmt:
			for j, r := range s.Rhs {
				if r == e && j < len(s.Lhs) {
					return p.objOf(s.Lhs[j])
				}
			}
		case *ast.ValueSpec:
			for j, r := range s.Values {
				if r == e && j < len(s.Names) {
					return p.info.Defs[s.Names[j]]
				}
			}
		}
		return nil
	}
	return nil
}

func cookieRule() rule {
	return rule{
		id: "go-cookie-insecure", title: "Cookie without Secure or HttpOnly",
		description: "A cookie without Secure is sent over plain HTTP; one without HttpOnly can be read by any script injected into the page.",
		severity:    finding.SeverityMedium, confidence: finding.ConfidenceMedium,
		cwe: []string{"CWE-614", "CWE-1004"},
		fix: "Set Secure: true and HttpOnly: true (and SameSite) on cookies that carry sessions or other state.",
		check: func(_ context.Context, p *pass) {
			p.walk(func(n ast.Node, stack []ast.Node, scope string) {
				lit, ok := n.(*ast.CompositeLit)
				if !ok {
					return
				}
				fields, ok := p.compositeOf(lit, httpPkg, "Cookie")
				if !ok {
					return
				}
				var missing []string
				for _, f := range []string{"Secure", "HttpOnly"} {
					if kv := fields[f]; kv != nil {
						if v, ok := p.constBool(kv.Value); !ok || v {
							continue
						}
					}
					if p.setLater(lit, stack, f) {
						continue
					}
					missing = append(missing, f)
				}
				if len(missing) > 0 {
					p.report(lit, scope, "http.Cookie lacks "+strings.Join(missing, " and ")+".", nil)
				}
			})
		},
	}
}

func corsRule() rule {
	return rule{
		id: "go-cors-permissive", title: "CORS allows any origin with credentials, or reflects the Origin",
		description: "Access-Control-Allow-Origin set to the request's own Origin (without an allow-list check), or to * beside Access-Control-Allow-Credentials: true, lets any web site make authenticated requests and read the answers.",
		severity:    finding.SeverityHigh, confidence: finding.ConfidenceMedium,
		cwe:   []string{"CWE-942"},
		fix:   "Compare the Origin with an allow-list before echoing it, and never combine * with credentials.",
		check: checkCORS,
	}
}

func checkCORS(_ context.Context, p *pass) {
	// Each function declaration, and each function literal outside one (a handler stored in a
	// package-level variable), is one unit: headers set in it are judged together.
	p.walk(func(n ast.Node, stack []ast.Node, scope string) {
		switch f := n.(type) {
		case *ast.CompositeLit:
			p.corsOptions(f, scope)
		case *ast.FuncDecl:
			if f.Body != nil {
				p.corsIn(f.Body, scope)
			}
		case *ast.FuncLit:
			if _, inDecl := enclosingDecl(stack); !inDecl {
				p.corsIn(f.Body, scope)
			}
		}
	})
}

var rsCors = []string{"github.com/rs/cors"}

// corsOptions checks github.com/rs/cors Options: with AllowCredentials, an AllowedOrigins of "*"
// (which rs/cors answers by echoing the request's Origin) or an origin function that allows
// everything (return true) lets any site read authenticated responses.
func (p *pass) corsOptions(lit *ast.CompositeLit, scope string) {
	if !isNamed(p.typeOf(lit), rsCors, "Options") {
		return
	}
	fields, _ := p.compositeOf(lit, rsCors[0], "Options")
	kv := fields["AllowCredentials"]
	if kv == nil {
		return
	}
	if v, ok := p.constBool(kv.Value); ok && !v {
		return
	}
	if ao := fields["AllowedOrigins"]; ao != nil {
		if list, ok := ao.Value.(*ast.CompositeLit); ok {
			for _, el := range list.Elts {
				if s, ok := p.constString(el); ok && s == "*" {
					p.report(el, scope, "cors.Options allows every origin (*) with credentials.", nil)
				}
			}
		}
	}
	for _, f := range []string{"AllowOriginFunc", "AllowOriginRequestFunc", "AllowOriginVaryRequestFunc"} {
		if fn := fields[f]; fn != nil && p.allowsAll(fn.Value) {
			p.report(fn, scope, "cors.Options."+f+" allows every origin with credentials.", nil)
		}
	}
}

// allowsAll reports whether e is a function literal whose body only returns true.
func (p *pass) allowsAll(e ast.Expr) bool {
	lit, ok := ast.Unparen(e).(*ast.FuncLit)
	if !ok || len(lit.Body.List) != 1 {
		return false
	}
	ret, ok := lit.Body.List[0].(*ast.ReturnStmt)
	if !ok || len(ret.Results) == 0 {
		return false
	}
	v, ok := p.constBool(ret.Results[0])
	return ok && v
}

// headerSet returns the header name and value of a http.Header Set or Add call.
func (p *pass) headerSet(call *ast.CallExpr) (string, ast.Expr, bool) {
	fn := p.callee(call)
	if !isMethod(fn, httpPkgs, "Header", "Set", "Add") || len(call.Args) != 2 {
		return "", nil, false
	}
	name, ok := p.constString(call.Args[0])
	return strings.ToLower(name), call.Args[1], ok
}

// isOriginGet reports whether e reads the request's Origin header.
func (p *pass) isOriginGet(e ast.Expr) bool {
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	if !ok || !isMethod(p.callee(call), httpPkgs, "Header", "Get", "Values") || len(call.Args) != 1 {
		return false
	}
	s, ok := p.constString(call.Args[0])
	return ok && strings.EqualFold(s, "Origin")
}

func (p *pass) corsIn(body *ast.BlockStmt, scope string) {
	origins := map[types.Object]bool{} // variables holding the request's Origin
	checked := map[types.Object]bool{} // … that some condition looks at
	var acao []*ast.CallExpr
	creds := false
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			for i, r := range n.Rhs {
				if p.isOriginGet(r) && i < len(n.Lhs) {
					if o := p.objOf(n.Lhs[i]); o != nil {
						origins[o] = true
					}
				}
			}
		case *ast.IfStmt:
			p.usedIn(n.Cond, checked)
			if n.Init != nil {
				p.usedIn(n.Init, checked)
			}
		case *ast.SwitchStmt:
			if n.Tag != nil {
				p.usedIn(n.Tag, checked)
			}
		case *ast.CallExpr:
			name, val, ok := p.headerSet(n)
			switch {
			case !ok:
			case name == "access-control-allow-origin":
				acao = append(acao, n)
			case name == "access-control-allow-credentials":
				if s, ok := p.constString(val); ok && strings.EqualFold(s, "true") {
					creds = true
				}
			}
		}
		return true
	})
	for _, call := range acao {
		val := call.Args[1]
		if s, ok := p.constString(val); ok {
			if s == "*" && creds {
				p.report(call, scope, "Access-Control-Allow-Origin is * and credentials are allowed.", nil)
			}
			continue
		}
		if p.isOriginGet(val) {
			p.report(call, scope, "Access-Control-Allow-Origin echoes the request's Origin unchecked.", nil)
			continue
		}
		if o := p.objOf(val); o != nil && origins[o] && !checked[o] {
			p.report(call, scope, "Access-Control-Allow-Origin echoes the request's Origin unchecked.", nil)
		}
	}
}

// usedIn marks every object n refers to.
func (p *pass) usedIn(n ast.Node, into map[types.Object]bool) {
	ast.Inspect(n, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			if o := p.info.Uses[id]; o != nil {
				into[o] = true
			}
		}
		return true
	})
}

func unsafeHandlerRule() rule {
	return rule{
		id: "go-unsafe-in-handler", title: "unsafe or reflection by name in an HTTP handler",
		description: "An HTTP handler runs on attacker input: unsafe pointer arithmetic there can corrupt memory, and calling methods or fields chosen by name (MethodByName, FieldByName) lets the request pick what runs.",
		severity:    finding.SeverityMedium, confidence: finding.ConfidenceMedium,
		cwe: []string{"CWE-242", "CWE-470"}, gosec: []string{"G103"},
		fix: "Keep unsafe out of request handling; map request values to an explicit table of allowed methods or fields instead of reflecting by name.",
		check: func(_ context.Context, p *pass) {
			reflectBad := []string{"MethodByName", "FieldByName", "FieldByNameFunc", "UnsafePointer", "UnsafeAddr", "SetPointer", "NewAt"}
			p.walk(func(n ast.Node, stack []ast.Node, scope string) {
				if !p.inHandler(stack) {
					return
				}
				switch n := n.(type) {
				case *ast.SelectorExpr:
					// Sizeof, Alignof and Offsetof are compile-time constants: nothing unsafe runs.
					if obj := p.info.Uses[n.Sel]; obj != nil && obj.Pkg() == types.Unsafe && !inList(obj.Name(), []string{"Sizeof", "Alignof", "Offsetof"}) {
						p.report(n, scope, "unsafe."+obj.Name()+" in an HTTP handler.", nil)
					}
				case *ast.CallExpr:
					fn := p.callee(n)
					if fn != nil && fn.Pkg() != nil && fn.Pkg().Path() == "reflect" && inList(fn.Name(), reflectBad) {
						p.report(n, scope, "reflect "+fn.Name()+" in an HTTP handler.", nil)
					}
				}
			})
		},
	}
}

// handlerFrameworks are the request-context types of web frameworks: a function taking one is a
// handler, as is one taking an http.ResponseWriter and an *http.Request.
var handlerFrameworks = []struct {
	pkgs []string
	name string
}{
	{[]string{"github.com/gin-gonic/gin"}, "Context"},
	{[]string{"github.com/labstack/echo/v4", "github.com/labstack/echo"}, "Context"},
	{[]string{"github.com/gofiber/fiber/v2", "github.com/gofiber/fiber/v3"}, "Ctx"},
}

// inHandler reports whether code on the stack runs inside an HTTP handler, directly or in a
// closure of one.
func (p *pass) inHandler(stack []ast.Node) bool {
	for _, n := range stack {
		var ft *ast.FuncType
		switch f := n.(type) {
		case *ast.FuncDecl:
			ft = f.Type
		case *ast.FuncLit:
			ft = f.Type
		default:
			continue
		}
		if ft.Params != nil && p.isHandlerParams(ft.Params) {
			return true
		}
	}
	return false
}

func (p *pass) isHandlerParams(params *ast.FieldList) bool {
	var w, r bool
	for _, fld := range params.List {
		t := p.typeOf(fld.Type)
		if t == nil {
			continue
		}
		w = w || isNamed(t, httpPkgs, "ResponseWriter")
		if ptr, ok := types.Unalias(t).(*types.Pointer); ok && isNamed(ptr, httpPkgs, "Request") {
			r = true
		}
		for _, fw := range handlerFrameworks {
			if isNamed(t, fw.pkgs, fw.name) {
				return true
			}
		}
	}
	return w && r
}
