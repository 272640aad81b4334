package rules

import (
	"context"
	"errors"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/tools/go/packages"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/scan"
	"github.com/palisade-sec/palisade/internal/scan/secret"
)

func TestRuleMetadata(t *testing.T) {
	id := regexp.MustCompile(`^go-[a-z0-9]+(-[a-z0-9]+)*$`)
	cwe := regexp.MustCompile(`^CWE-[0-9]+$`)
	gosec := regexp.MustCompile(`^G[0-9]{3}$`)
	seen := map[string]bool{}
	for _, r := range builtin() {
		switch {
		case !id.MatchString(r.id):
			t.Errorf("%s: ID is not go-kebab-case", r.id)
		case seen[r.id]:
			t.Errorf("%s: duplicate ID", r.id)
		case r.title == "" || r.description == "" || r.fix == "" || r.check == nil:
			t.Errorf("%s: needs a title, description, fix and check", r.id)
		case r.severity == finding.SeverityUnknown || r.confidence == finding.ConfidenceUnknown:
			t.Errorf("%s: needs a severity and a confidence", r.id)
		case len(r.cwe) == 0:
			t.Errorf("%s: needs a CWE", r.id)
		}
		seen[r.id] = true
		for _, c := range r.cwe {
			if !cwe.MatchString(c) {
				t.Errorf("%s: bad CWE %q", r.id, c)
			}
		}
		for _, g := range r.gosec {
			if !gosec.MatchString(g) {
				t.Errorf("%s: bad gosec ID %q", r.id, g)
			}
		}
	}
}

// TestGosecTags: each rule names the gosec rules it answers to as "gosec:" tags, which the
// scan turns into the #nosec mapping; a rule gosec has no equivalent for has none.
func TestGosecTags(t *testing.T) {
	gosec := map[string][]string{}
	for _, r := range Rules() {
		for _, tg := range r.Tags {
			if g, ok := strings.CutPrefix(tg, "gosec:"); ok {
				gosec[r.ID] = append(gosec[r.ID], g)
			}
		}
	}
	if diff := cmp.Diff([]string{"G401", "G406", "G501", "G505", "G506", "G507"}, gosec["go-weak-hash"]); diff != "" {
		t.Errorf("go-weak-hash (-want +got):\n%s", diff)
	}
	if g, ok := gosec["go-secret-compare"]; ok {
		t.Errorf("go-secret-compare has no gosec equivalent, got %v", g)
	}
}

// typeCheck builds a package from source the way go/packages would, keeping what the type checker
// could make of code that does not compile.
func typeCheck(t *testing.T, src string) *packages.Package {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "/odd/odd.go", src, parser.ParseComments|parser.AllErrors)
	if f == nil {
		t.Fatal(err)
	}
	info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}, Defs: map[*ast.Ident]types.Object{},
		Uses: map[*ast.Ident]types.Object{}, Selections: map[*ast.SelectorExpr]*types.Selection{},
		Implicits: map[ast.Node]types.Object{}, Instances: map[*ast.Ident]types.Instance{}}
	conf := types.Config{Importer: importer.Default(), Error: func(error) {}}
	tp, _ := conf.Check("odd", fset, []*ast.File{f}, info)
	return &packages.Package{PkgPath: "odd", Fset: fset, Syntax: []*ast.File{f}, Types: tp, TypesInfo: info, GoFiles: []string{"/odd/odd.go"}}
}

// TestOddCode feeds code that does not type-check, generics and shapes no twin has: Check must
// neither panic nor report a problem, and still find what is there.
func TestOddCode(t *testing.T) {
	const src = `package odd

import (
	"crypto/md5"
	h "crypto/md5"
	"net/http"
	"os"
	"unsafe"
)

type Box[T any] struct{ v T }

func (b *Box[T]) Token() T { return b.v }

func Generic[K comparable](a, b K) bool { return a == b }

func broken() {
	undefined.Call(md5.New)
	x := 
	var token string = nosuch()
	_ = token == password
	os.WriteFile("f", nil, mode)
	os.OpenFile("f", flags, 0o777)
	http.ListenAndServe
	_ = h.Sum
}

func (s *unknown) ServeHTTP(w http.ResponseWriter, r *http.Request) { _ = unsafe.Pointer(nil) }

func asm(x int) int
`
	pkg := typeCheck(t, src)
	fs, err := Check(context.Background(), []*packages.Package{pkg}, nil)
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	var got []string
	for _, f := range fs {
		got = append(got, f.RuleID)
	}
	for _, want := range []string{"go-weak-hash", "go-file-permissions", "go-unsafe-in-handler"} {
		if !strings.Contains(strings.Join(got, " "), want) {
			t.Errorf("want a %s finding in odd code, got %v", want, got)
		}
	}
}

// TestProblems: a package without type information, and a rule that panics, are problems that
// name what went unchecked; the other rules' findings are kept.
func TestProblems(t *testing.T) {
	noTypes := &packages.Package{PkgPath: "example.com/notypes", GoFiles: []string{"/x/a.go"}}
	_, err := Check(context.Background(), []*packages.Package{noTypes, nil}, nil)
	var inc *scan.Incomplete
	if !errors.As(err, &inc) || len(inc.Problems) != 1 || !strings.Contains(inc.Problems[0].Message, "example.com/notypes") || inc.Problems[0].Kind != finding.ProblemParse {
		t.Fatalf("want one parse problem naming the package, got %v", err)
	}

	pkg := typeCheck(t, "package odd\n\nimport \"crypto/md5\"\n\nvar _ = md5.New\n")
	rs := []rule{{id: "go-boom", check: func(context.Context, *pass) { panic("boom") }}, weakHashRule()}
	fs, err := checkFile(context.Background(), rs, &pass{pkg: pkg, info: pkg.TypesInfo, fset: pkg.Fset, file: pkg.Syntax[0], filename: "/odd/odd.go", decls: declsOf(pkg)})
	if err == nil || !strings.Contains(err.Error(), "go-boom: internal error: boom") || !strings.Contains(err.Error(), "/odd/odd.go") {
		t.Errorf("want an error naming the file and the rule, got %v", err)
	}
	if len(fs) != 1 || fs[0].RuleID != "go-weak-hash" {
		t.Errorf("the other rules' findings must be kept, got %v", fs)
	}
}

func TestCanceled(t *testing.T) {
	pkgs, err := twins()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Check(ctx, pkgs, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("want context.Canceled, got %v", err)
	}
}

func TestWords(t *testing.T) {
	for in, want := range map[string]string{
		"sessionID": "session id", "X-API-Token": "x api token", "APIKey": "api key", "client_secret": "client secret",
		"generateToken": "generate token", "idx": "idx", "HTTPServer2Key": "http server2 key", "": "",
	} {
		if got := strings.Join(words(in), " "); got != want {
			t.Errorf("words(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestShown: a name read from a string may itself be a secret and is never echoed.
func TestShown(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"apiToken", "apiToken"},
		{"X-Api-Token", "a token value"},
		{"ghp_R4nd0mT0kenV4lue secret", "a secret value"},
		{"sk live", "a value"},
	} {
		if got := shown(tc.name, secretWords); got != tc.want {
			t.Errorf("shown(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestSecretEngineFailure: a literal the secret engine could not judge makes the file a problem,
// never a silent pass.
func TestSecretEngineFailure(t *testing.T) {
	pkg := typeCheck(t, "package odd\n\nconst dbPassword = \"Xk9#mQ2$vL8pRt4w\"\n")
	broken := func() (*secret.Analyzer, error) { return nil, errors.New("engine down") }
	fs, err := checkFile(context.Background(), []rule{hardcodedCredentialRule()}, &pass{pkg: pkg, info: pkg.TypesInfo,
		fset: pkg.Fset, file: pkg.Syntax[0], filename: "/odd/odd.go", decls: declsOf(pkg), secrets: broken})
	if len(fs) != 0 || err == nil || !strings.Contains(err.Error(), "go-hardcoded-credential: engine down") {
		t.Errorf("want no findings and an error naming the rule, got %v, %v", fs, err)
	}
}
