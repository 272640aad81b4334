package rules

import (
	"context"
	"go/ast"
	"go/types"

	"github.com/palisade-sec/palisade/internal/finding"
)

// golangJWT are the import paths of golang-jwt and its predecessors, which share one API.
var golangJWT = []string{"github.com/golang-jwt/jwt/v5", "github.com/golang-jwt/jwt/v4", "github.com/golang-jwt/jwt",
	"github.com/dgrijalva/jwt-go", "github.com/form3tech-oss/jwt-go"}

// lestrratJWT are lestrrat-go/jwx's jwt packages.
var lestrratJWT = []string{"github.com/lestrrat-go/jwx/v3/jwt", "github.com/lestrrat-go/jwx/v2/jwt", "github.com/lestrrat-go/jwx/jwt"}

func jwtUnverifiedRule() rule {
	return rule{
		id: "go-jwt-unverified", title: "JWT accepted without verifying its signature",
		description: "ParseUnverified, jwx's WithVerify(false) or ParseInsecure, and the none algorithm accept tokens anyone can forge.",
		severity:    finding.SeverityCritical, confidence: finding.ConfidenceHigh,
		cwe: []string{"CWE-347"},
		fix: "Parse with signature verification (jwt.Parse with a key function, jwx's jwt.Parse with WithKey or WithKeySet) and never allow the none algorithm.",
		check: func(_ context.Context, p *pass) {
			p.walk(func(n ast.Node, _ []ast.Node, scope string) {
				switch n := n.(type) {
				case *ast.Ident:
					if c, ok := p.info.Uses[n].(*types.Const); ok && c.Pkg() != nil && inList(c.Pkg().Path(), golangJWT) && c.Name() == "UnsafeAllowNoneSignatureType" {
						p.report(n, scope, "the none algorithm is allowed.", nil)
					}
				case *ast.CallExpr:
					fn := p.callee(n)
					switch {
					case isMethod(fn, golangJWT, "Parser", "ParseUnverified"):
						p.report(n, scope, "ParseUnverified does not check the signature.", nil)
					case isFunc(fn, lestrratJWT, "ParseInsecure"):
						p.report(n, scope, "jwt.ParseInsecure does not check the signature.", nil)
					case isFunc(fn, lestrratJWT, "WithVerify") && len(n.Args) == 1:
						if v, ok := p.constBool(n.Args[0]); ok && !v {
							p.report(n, scope, "WithVerify(false) turns signature verification off.", nil)
						}
					}
				}
			})
		},
	}
}

func jwtAlgRule() rule {
	return rule{
		id: "go-jwt-alg-unchecked", title: "JWT key function does not check the signing method",
		description: "A key function that returns the key without looking at token.Method lets an attacker pick the algorithm: an RSA public key used as an HMAC secret verifies a forged token.",
		severity:    finding.SeverityHigh, confidence: finding.ConfidenceMedium,
		cwe: []string{"CWE-347"},
		fix: "Pass jwt.WithValidMethods([]string{\"RS256\"}) to the parser, or check token.Method's type in the key function before returning the key.",
		check: func(_ context.Context, p *pass) {
			p.walk(func(n ast.Node, stack []ast.Node, scope string) {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return
				}
				fn := p.callee(call)
				if !isFunc(fn, golangJWT, "Parse", "ParseWithClaims") && !isMethod(fn, golangJWT, "Parser", "Parse", "ParseWithClaims") {
					return
				}
				kf := -1
				for i, a := range call.Args {
					if isNamed(p.typeOf(a), golangJWT, "Keyfunc") || i == keyfuncIndex(fn) {
						kf = i
						break
					}
				}
				if kf < 0 || kf >= len(call.Args) {
					return
				}
				if p.validMethodsNear(call, stack) {
					return
				}
				body := p.funcBody(call.Args[kf])
				if body == nil || p.checksMethod(body) {
					return
				}
				p.report(call.Args[kf], scope, "the key function returns a key whatever the token's alg.", nil)
			})
		},
	}
}

// keyfuncIndex is where Parse and ParseWithClaims take the key function.
func keyfuncIndex(fn *types.Func) int {
	if fn.Name() == "ParseWithClaims" {
		return 2
	}
	return 1
}

// validMethodsNear reports whether jwt.WithValidMethods is passed to this call, or called in the
// enclosing function (a parser built with jwt.NewParser(jwt.WithValidMethods(…))).
func (p *pass) validMethodsNear(call *ast.CallExpr, stack []ast.Node) bool {
	var scope ast.Node = call
	if _, body := enclosingFunc(stack); body != nil {
		scope = body
	}
	found := false
	ast.Inspect(scope, func(n ast.Node) bool {
		if c, ok := n.(*ast.CallExpr); ok && isFunc(p.callee(c), golangJWT, "WithValidMethods") {
			found = true
		}
		return !found
	})
	return found
}

// funcBody returns the body of a function literal, or of a function or method declared in this
// package that e names; nil when the function cannot be seen.
func (p *pass) funcBody(e ast.Expr) *ast.BlockStmt {
	switch e := ast.Unparen(e).(type) {
	case *ast.FuncLit:
		return e.Body
	case *ast.Ident, *ast.SelectorExpr:
		if fn, ok := p.objOf(e).(*types.Func); ok {
			if d := p.decls[fn]; d != nil {
				return d.Body
			}
		}
	}
	return nil
}

// checksMethod reports whether a key function looks at the token's Method (or its Alg header).
func (p *pass) checksMethod(body *ast.BlockStmt) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			if obj := p.info.Uses[n.Sel]; obj != nil && obj.Name() == "Method" && obj.Pkg() != nil && inList(obj.Pkg().Path(), golangJWT) {
				found = true
			}
		case *ast.IndexExpr:
			if s, ok := p.constString(n.Index); ok && s == "alg" {
				found = true
			}
		}
		return !found
	})
	return found
}
