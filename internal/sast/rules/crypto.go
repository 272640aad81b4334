package rules

import (
	"context"
	"crypto/tls"
	"go/ast"
	"go/constant"
	"go/types"
	"strings"

	"github.com/palisade-sec/palisade/internal/finding"
)

func weakHashRule() rule {
	return rule{
		id: "go-weak-hash", title: "Weak hash function (MD5, SHA-1, MD4, RIPEMD-160)",
		description: "Collisions for these functions are practical: they must not protect integrity, sign, or store passwords.",
		severity:    finding.SeverityMedium, confidence: finding.ConfidenceMedium,
		cwe: []string{"CWE-328"}, gosec: []string{"G401", "G406", "G501", "G505", "G506", "G507"},
		fix: "Use crypto/sha256 or crypto/sha512 (and bcrypt, scrypt or argon2 for passwords); if the hash is not security-relevant (a cache key), say so with palisade:ignore.",
		check: func(_ context.Context, p *pass) {
			weak := map[string][]string{
				"crypto/md5":                    {"New", "Sum"},
				"crypto/sha1":                   {"New", "Sum"},
				"golang.org/x/crypto/md4":       {"New"},
				"golang.org/x/crypto/ripemd160": {"New"},
			}
			p.walk(func(n ast.Node, _ []ast.Node, scope string) {
				id, ok := n.(*ast.Ident)
				if !ok {
					return
				}
				switch obj := p.info.Uses[id].(type) {
				case *types.Func:
					if obj.Pkg() != nil && isFunc(obj, []string{obj.Pkg().Path()}, weak[obj.Pkg().Path()]...) {
						p.report(id, scope, obj.Pkg().Path()+"."+obj.Name()+" is a weak hash.", nil)
					}
				case *types.Const:
					// crypto.MD5 and crypto.SHA1 choose the hash of a signature or HMAC.
					if obj.Pkg() != nil && obj.Pkg().Path() == "crypto" && inList(obj.Name(), []string{"MD4", "MD5", "SHA1", "MD5SHA1", "RIPEMD160"}) {
						p.report(id, scope, "crypto."+obj.Name()+" is a weak hash.", nil)
					}
				}
			})
		},
	}
}

func weakCipherRule() rule {
	return rule{
		id: "go-weak-cipher", title: "Broken cipher (DES, 3DES, RC4, insecure TLS cipher suites)",
		description: "DES and 3DES have 64-bit blocks and weak keys; RC4's keystream is biased; the TLS suites Go lists as insecure use them or CBC with SHA-256 (Lucky13).",
		severity:    finding.SeverityHigh, confidence: finding.ConfidenceHigh,
		cwe: []string{"CWE-327"}, gosec: []string{"G402", "G405", "G502", "G503"},
		fix: "Use AES-GCM (crypto/aes with cipher.NewGCM) or golang.org/x/crypto/chacha20poly1305; in TLS, leave CipherSuites unset or pick from tls.CipherSuites().",
		check: func(_ context.Context, p *pass) {
			p.walk(func(n ast.Node, _ []ast.Node, scope string) {
				id, ok := n.(*ast.Ident)
				if !ok {
					return
				}
				switch obj := p.info.Uses[id].(type) {
				case *types.Func:
					if isFunc(obj, []string{"crypto/des"}, "NewCipher", "NewTripleDESCipher") || isFunc(obj, []string{"crypto/rc4"}, "NewCipher") {
						p.report(id, scope, obj.Pkg().Path()+"."+obj.Name()+" is a broken cipher.", nil)
					}
				case *types.Const:
					if obj.Pkg() != nil && obj.Pkg().Path() == tlsPkg && insecureSuite(obj) {
						p.report(id, scope, "tls."+obj.Name()+" is an insecure cipher suite.", nil)
					}
				}
			})
		},
	}
}

var mathRand = []string{"math/rand", "math/rand/v2"}

// secretish are the words of names that hold keys, tokens, identifiers and other values an
// attacker must not predict.
var secretish = set("token", "secret", "key", "apikey", "nonce", "salt", "password", "passwd", "pwd", "session",
	"sid", "otp", "iv", "id", "uuid", "guid", "csrf", "xsrf", "auth", "credential", "passphrase", "pin", "seed")

func insecureRandRule() rule {
	return rule{
		id: "go-insecure-rand", title: "math/rand used to make a key, token, identifier or nonce",
		description: "math/rand is predictable: its output can be recovered or guessed, so values made from it must not be secrets or unguessable identifiers.",
		severity:    finding.SeverityHigh, confidence: finding.ConfidenceMedium,
		cwe: []string{"CWE-338"}, gosec: []string{"G404"},
		fix: "Use crypto/rand (rand.Read, rand.Text, rand.Int) for anything that must be unpredictable.",
		check: func(_ context.Context, p *pass) {
			p.walk(func(n ast.Node, stack []ast.Node, scope string) {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return
				}
				fn := p.callee(call)
				if fn == nil || fn.Pkg() == nil || !inList(fn.Pkg().Path(), mathRand) {
					return
				}
				if inList(fn.Name(), []string{"New", "NewSource", "Seed", "NewPCG", "NewChaCha8", "NewZipf", "Shuffle", "Perm"}) {
					return
				}
				if recv := fn.Signature().Recv(); recv != nil && isNamed(recv.Type(), mathRand, "ChaCha8") {
					return // math/rand/v2's ChaCha8 is a CSPRNG when its seed is secret
				}
				if name := p.randSink(call, fn, stack, scope); name != "" {
					p.report(call, scope, "math/rand."+fn.Name()+" makes "+name+", which must be unpredictable.", nil)
				}
			})
		},
	}
}

// randSink names the secret-like place a math/rand value goes: the buffer rand.Read fills, the
// variable, field or key the statement assigns, the function an argument goes to, or the
// enclosing function (generateToken). "" when none looks secret.
func (p *pass) randSink(call *ast.CallExpr, fn *types.Func, stack []ast.Node, scope string) string {
	if fn.Name() == "Read" && len(call.Args) == 1 {
		if n := p.nameOf(call.Args[0]); hasWord(n, secretish) {
			return shown(n, secretish)
		}
	}
	for i := len(stack) - 1; i >= 0; i-- {
		switch s := stack[i].(type) {
		case *ast.AssignStmt:
			for _, l := range s.Lhs {
				if n := p.nameOf(l); hasWord(n, secretish) {
					return shown(n, secretish)
				}
			}
		case *ast.ValueSpec:
			for _, l := range s.Names {
				if hasWord(l.Name, secretish) {
					return l.Name
				}
			}
		case *ast.KeyValueExpr:
			if n := p.nameOf(s.Key); hasWord(n, secretish) {
				return shown(n, secretish)
			}
			if k, ok := p.constString(s.Key); ok && hasWord(k, secretish) {
				return shown(k, secretish)
			}
		case *ast.CallExpr:
			if c := p.callee(s); c != nil && c.Pkg() != nil && strings.HasPrefix(c.Pkg().Path(), "crypto/") {
				return "an argument of " + c.Pkg().Path() + "." + c.Name()
			}
			if n := p.nameOf(s.Fun); hasWord(n, secretish) {
				return "an argument of " + shown(n, secretish)
			}
		case *ast.FuncLit:
			i = 0 // the literal's own statement decides; go on to the declaration's name only
		}
	}
	if fd, ok := enclosingDecl(stack); ok && hasWord(fd.Name.Name, secretish) {
		return "the result of " + scope
	}
	return ""
}

func enclosingDecl(stack []ast.Node) (*ast.FuncDecl, bool) {
	for i := len(stack) - 1; i >= 0; i-- {
		if fd, ok := stack[i].(*ast.FuncDecl); ok {
			return fd, true
		}
	}
	return nil, false
}

const tlsPkg = "crypto/tls"

func tlsSkipVerifyRule() rule {
	return rule{
		id: "go-tls-insecure-skip-verify", title: "TLS certificate verification turned off",
		description: "With InsecureSkipVerify anyone on the network path can impersonate the server.",
		severity:    finding.SeverityHigh, confidence: finding.ConfidenceHigh,
		cwe: []string{"CWE-295"}, gosec: []string{"G402"},
		fix: "Remove InsecureSkipVerify; trust a private CA through RootCAs, or verify the peer yourself in VerifyConnection.",
		check: func(_ context.Context, p *pass) {
			p.walk(func(n ast.Node, _ []ast.Node, scope string) {
				switch n := n.(type) {
				case *ast.CompositeLit:
					fields, ok := p.compositeOf(n, tlsPkg, "Config")
					if !ok {
						return
					}
					if fields["VerifyPeerCertificate"] != nil || fields["VerifyConnection"] != nil {
						return // the program verifies the peer itself
					}
					if kv := fields["InsecureSkipVerify"]; kv != nil {
						if v, ok := p.constBool(kv.Value); !ok || v {
							p.report(kv, scope, "tls.Config sets InsecureSkipVerify.", nil)
						}
					}
				case *ast.AssignStmt:
					for i, l := range n.Lhs {
						if isField(p.objOf(l), tlsPkg, "InsecureSkipVerify") && i < len(n.Rhs) {
							if v, ok := p.constBool(n.Rhs[i]); !ok || v {
								p.report(n, scope, "InsecureSkipVerify is set.", nil)
							}
						}
					}
				}
			})
		},
	}
}

func tlsVersionRule() rule {
	return rule{
		id: "go-tls-version", title: "TLS version below 1.2 allowed",
		description: "SSL 3.0, TLS 1.0 and 1.1 are deprecated (RFC 8996) and open to downgrade and padding attacks.",
		severity:    finding.SeverityHigh, confidence: finding.ConfidenceHigh,
		cwe: []string{"CWE-327"}, gosec: []string{"G402"},
		fix: "Set MinVersion to tls.VersionTLS12 or tls.VersionTLS13 (or leave it zero: Go's default is 1.2), and never set MaxVersion below 1.2.",
		check: func(_ context.Context, p *pass) {
			const tls12 = 0x0303
			low := func(e ast.Expr) bool {
				v, ok := p.constInt(e)
				return ok && v != 0 && v < tls12
			}
			p.walk(func(n ast.Node, _ []ast.Node, scope string) {
				switch n := n.(type) {
				case *ast.CompositeLit:
					fields, ok := p.compositeOf(n, tlsPkg, "Config")
					if !ok {
						return
					}
					for _, f := range []string{"MinVersion", "MaxVersion"} {
						if kv := fields[f]; kv != nil && low(kv.Value) {
							p.report(kv, scope, "tls.Config "+f+" is below TLS 1.2.", nil)
						}
					}
				case *ast.AssignStmt:
					for i, l := range n.Lhs {
						obj := p.objOf(l)
						if (isField(obj, tlsPkg, "MinVersion") || isField(obj, tlsPkg, "MaxVersion")) && i < len(n.Rhs) && low(n.Rhs[i]) {
							p.report(n, scope, obj.Name()+" is below TLS 1.2.", nil)
						}
					}
				}
			})
		},
	}
}

// insecureSuite reports whether a crypto/tls constant is one of the cipher suites the running Go
// lists in tls.InsecureCipherSuites, so the list follows Go's own judgement as it changes.
func insecureSuite(c *types.Const) bool {
	v, ok := constant.Uint64Val(c.Val())
	if !ok || !strings.HasPrefix(c.Name(), "TLS_") {
		return false
	}
	for _, s := range tls.InsecureCipherSuites() {
		if uint64(s.ID) == v && s.Name == c.Name() {
			return true
		}
	}
	return false
}
