package rules

import (
	"context"
	"go/ast"
	"go/types"
	"go/version"

	"github.com/palisade-sec/palisade/internal/finding"
)

// securityCall is a call whose result says whether a security step succeeded.
type securityCall struct {
	pkgs []string
	recv string // receiver type name, "" for package functions
	name []string
}

var securityCalls = []securityCall{
	{[]string{"crypto/rand"}, "", []string{"Int", "Prime"}},
	{[]string{tlsPkg}, "Conn", []string{"Handshake", "HandshakeContext"}},
	{[]string{"crypto/x509"}, "Certificate", []string{"Verify", "CheckSignature", "CheckSignatureFrom", "VerifyHostname", "CheckCRLSignature"}},
	{[]string{"crypto/x509"}, "CertificateRequest", []string{"CheckSignature"}},
	{[]string{"crypto/rsa"}, "", []string{"VerifyPKCS1v15", "VerifyPSS"}},
	{[]string{"crypto/ecdsa"}, "", []string{"Verify", "VerifyASN1"}},
	{[]string{"crypto/ed25519"}, "", []string{"Verify", "VerifyWithOptions"}},
	{[]string{"crypto/hmac"}, "", []string{"Equal"}},
	{[]string{"crypto/subtle"}, "", []string{"ConstantTimeCompare"}},
	{[]string{"golang.org/x/crypto/bcrypt"}, "", []string{"CompareHashAndPassword", "GenerateFromPassword"}},
	{golangJWT, "", []string{"Parse", "ParseWithClaims"}},
	{golangJWT, "Parser", []string{"Parse", "ParseWithClaims"}},
	{lestrratJWT, "", []string{"Parse", "ParseString", "ParseRequest", "ParseHeader"}},
}

func uncheckedErrorRule() rule {
	return rule{
		id: "go-unchecked-security-error", title: "Result of a security check ignored",
		description: "The error or verdict of a call that verifies, authenticates or draws randomness is dropped or assigned to _, so the program goes on as if the check had passed.",
		severity:    finding.SeverityHigh, confidence: finding.ConfidenceHigh,
		cwe: []string{"CWE-252"}, gosec: []string{"G104"},
		fix: "Check the result and stop (return the error, refuse the request) when the check fails.",
		check: func(_ context.Context, p *pass) {
			p.walk(func(n ast.Node, stack []ast.Node, scope string) {
				call, ok := n.(*ast.CallExpr)
				if !ok || !p.isSecurityCall(call) {
					return
				}
				fn := p.callee(call)
				res := fn.Signature().Results()
				idx := verdictIndex(res)
				if idx < 0 || len(stack) == 0 {
					return
				}
				dropped := false
				switch s := stack[len(stack)-1].(type) {
				case *ast.ExprStmt, *ast.GoStmt, *ast.DeferStmt:
					dropped = true
				case *ast.AssignStmt:
					if len(s.Rhs) == 1 && len(s.Lhs) == res.Len() && idx < len(s.Lhs) {
						dropped = isBlank(s.Lhs[idx])
					} else if res.Len() == 1 {
						for i, r := range s.Rhs {
							if r == call && i < len(s.Lhs) {
								dropped = isBlank(s.Lhs[i])
							}
						}
					}
				case *ast.ValueSpec:
					if len(s.Values) == 1 && len(s.Names) == res.Len() && idx < len(s.Names) {
						dropped = s.Names[idx].Name == "_"
					}
				}
				if dropped {
					p.report(call, scope, "the result of "+fn.Pkg().Name()+"."+fn.Name()+" is ignored.", nil)
				}
			})
		},
	}
}

func (p *pass) isSecurityCall(call *ast.CallExpr) bool {
	fn := p.callee(call)
	if fn == nil {
		return false
	}
	for _, sc := range securityCalls {
		if sc.recv == "" && isFunc(fn, sc.pkgs, sc.name...) || sc.recv != "" && isMethod(fn, sc.pkgs, sc.recv, sc.name...) {
			return true
		}
	}
	// crypto/rand.Read and io.ReadFull(rand.Reader, b) fill keys. Since Go 1.24 a failure of the
	// default Reader crashes the program instead of returning an error, so an ignored error only
	// matters to code that older toolchains may build: a module whose go line is below 1.24.
	if !p.randCannotFail() && isFunc(fn, []string{"crypto/rand"}, "Read") {
		return true
	}
	if !p.randCannotFail() && isFunc(fn, []string{"io"}, "ReadFull") && len(call.Args) == 2 {
		if v, ok := p.objOf(call.Args[0]).(*types.Var); ok && v.Pkg() != nil && v.Pkg().Path() == "crypto/rand" && v.Name() == "Reader" {
			return true
		}
	}
	return false
}

// verdictIndex is the result that says whether the call succeeded: the last error, else a lone
// bool or int verdict (hmac.Equal, ConstantTimeCompare); -1 when there is none.
func verdictIndex(res *types.Tuple) int {
	for i := res.Len() - 1; i >= 0; i-- {
		if types.Identical(res.At(i).Type(), types.Universe.Lookup("error").Type()) {
			return i
		}
	}
	if res.Len() == 1 {
		if b, ok := res.At(0).Type().Underlying().(*types.Basic); ok && b.Info()&(types.IsBoolean|types.IsInteger) != 0 {
			return 0
		}
	}
	return -1
}

func isBlank(e ast.Expr) bool {
	id, ok := ast.Unparen(e).(*ast.Ident)
	return ok && id.Name == "_"
}

// randCannotFail reports whether the package's go version is at least 1.24, where crypto/rand's
// Read never returns an error.
func (p *pass) randCannotFail() bool {
	v := p.pkg.Types.GoVersion()
	return v != "" && version.Compare(v, "go1.24") >= 0
}
