package rules

import (
	"context"
	"fmt"
	"go/ast"
	"go/token"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/scan"
)

// credentialWords mark names that hold credentials; keyWords are the qualifiers that make "key" one.
var (
	credentialWords = set("password", "passwd", "pwd", "passphrase", "secret", "token", "credential", "credentials", "apikey")
	keyWords        = set("api", "access", "private", "secret", "signing", "encryption", "auth", "hmac", "jwt", "client")
)

// valueWords may follow a credential word in a name that still holds the credential itself
// (passwordValue, tokenStr); any other word after it names something about the credential — a
// file, a header, an environment variable, a URL (tokenHeader, CredentialsFileBasename).
var valueWords = set("value", "val", "str", "string", "bytes", "raw", "plain", "plaintext", "text", "hex", "b64", "base64", "data")

func credentialName(name string) bool {
	ws := words(name)
	for i, w := range ws {
		if !credentialWords[w] && !(w == "key" && i > 0 && keyWords[ws[i-1]]) {
			continue
		}
		rest := ws[i+1:]
		for len(rest) > 0 && valueWords[rest[0]] {
			rest = rest[1:]
		}
		if len(rest) == 0 {
			return true
		}
	}
	return false
}

func hardcodedCredentialRule() rule {
	return rule{
		id: "go-hardcoded-credential", title: "Hardcoded credential",
		description: "A string literal that Palisade's secret engine judges to be a real credential is assigned to a credential-named variable, field or key, or passed to an authentication API; anyone with the source or the binary has it.",
		severity:    finding.SeverityHigh, confidence: finding.ConfidenceMedium,
		cwe: []string{"CWE-798"}, gosec: []string{"G101"},
		fix: "Read the credential at run time from the environment, a mounted secret or a secret manager, and rotate the one that was committed.",
		check: func(ctx context.Context, p *pass) {
			p.walk(func(n ast.Node, _ []ast.Node, scope string) {
				switch n := n.(type) {
				case *ast.ValueSpec:
					for i, v := range n.Values {
						if i < len(n.Names) {
							p.credential(ctx, n.Names[i].Name, v, scope)
						}
					}
				case *ast.AssignStmt:
					if len(n.Lhs) != len(n.Rhs) {
						return
					}
					for i, v := range n.Rhs {
						p.credential(ctx, p.nameOf(n.Lhs[i]), v, scope)
					}
				case *ast.KeyValueExpr:
					name := p.nameOf(n.Key)
					if s, ok := p.constString(n.Key); ok {
						name = s
					}
					p.credential(ctx, name, n.Value, scope)
				case *ast.BinaryExpr:
					if n.Op == token.EQL || n.Op == token.NEQ {
						p.credential(ctx, p.nameOf(n.X), n.Y, scope)
						p.credential(ctx, p.nameOf(n.Y), n.X, scope)
					}
				case *ast.CallExpr:
					// Authentication APIs take the credential positionally.
					fn := p.callee(n)
					idx, as := -1, "password"
					switch {
					case isMethod(fn, httpPkgs, "Request", "SetBasicAuth"):
						idx = 1
					case isFunc(fn, []string{"crypto/hmac"}, "New"):
						idx = 1
					case isMethod(fn, golangJWT, "Token", "SignedString"):
						idx = 0
					case isFunc(fn, []string{"net/smtp"}, "PlainAuth"):
						idx = 2
					case isFunc(fn, []string{"database/sql"}, "Open"), isFunc(fn, []string{"github.com/jmoiron/sqlx"}, "Open", "Connect"):
						// A DSN is a credential only when its content says so (a password in a
						// connection URL): the engine sees it under a name that claims nothing.
						idx, as = 1, "dsn"
					}
					if idx >= 0 && idx < len(n.Args) {
						p.judge(ctx, as, "an argument of "+fn.Pkg().Name()+"."+fn.Name(), n.Args[idx], scope)
					}
				}
			})
		},
	}
}

// credential reports value when it is a string literal (or a []byte conversion of one) held by a
// credential-named name and the secret engine finds a credential in it.
func (p *pass) credential(ctx context.Context, name string, value ast.Expr, scope string) {
	if credentialName(name) {
		p.judge(ctx, name, shown(name, credentialWords), value, scope)
	}
}

// judge asks the secret engine about a string literal, shown to it under name; where says in
// the message where the literal sits.
func (p *pass) judge(ctx context.Context, name, where string, value ast.Expr, scope string) {
	if c, ok := ast.Unparen(value).(*ast.CallExpr); ok && len(c.Args) == 1 {
		if tv, ok := p.info.Types[c.Fun]; ok && tv.IsType() {
			value = c.Args[0]
		}
	}
	lit, ok := ast.Unparen(value).(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return // only literals: a constant built elsewhere is reported where its literal is
	}
	s, ok := p.constString(lit)
	if !ok || s == "" {
		return
	}
	// The secret engine decides: it knows token formats, placeholders, stop-words and entropy.
	// It sees the value as the source would put it, under the name it is assigned to.
	sec, err := p.secrets()
	if err != nil {
		p.fail(err)
		return
	}
	fs, err := sec.AnalyzeFile(ctx, &scan.File{Path: "literal.go", Content: []byte(name + " = \"" + s + "\"")})
	if err != nil {
		// Not judged (cancelled, or encoded content past the decoding budget): a problem naming
		// the line, never a silent pass.
		p.fail(fmt.Errorf("line %d: literal (%s) not fully judged: %w", p.fset.PositionFor(lit.Pos(), false).Line, where, err))
	}
	if len(fs) == 0 {
		return
	}
	f := p.report(lit, scope, "A credential ("+fs[0].Title+") is written into the source as "+where+".", map[string]string{"secretRule": fs[0].RuleID})
	f.Location.Snippet = fs[0].Location.Snippet
	// A secret's identity is its value, as for the secret scanner; Fingerprint hashes it.
	f.Fingerprint = finding.Fingerprint(f.RuleID, p.pkg.PkgPath+"/"+baseName(f.Location.Path), s)
}
