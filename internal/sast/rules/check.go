package rules

import (
	"context"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/tools/go/packages"
	"golang.org/x/tools/go/ssa"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/scan"
	"github.com/palisade-sec/palisade/internal/scan/secret"
)

// Check runs every rule over the syntax of pkgs, which must be loaded with syntax, types and type
// information (packages.NeedSyntax|NeedTypes|NeedTypesInfo, plus NeedName and NeedFiles for
// paths). The SSA program is not used: the rules need no SSA, and nil is fine.
//
// Only the packages in pkgs are checked, not their imports; a file that two of them share (a
// package and its test variant) is checked once.
//
// Findings' Location.Path is the file name as the package's FileSet holds it (absolute, from
// go/packages); the caller makes it relative to the scan root. Fingerprints do not depend on
// that: they hash the rule, the package path with the file's base name, and the enclosing
// function with the finding's ordinal in it, so they survive moving the checkout and editing
// unrelated lines.
//
// A package that has no syntax or type information, and a file whose check panicked, are
// problems: Check returns the findings of everything else with a *scan.Incomplete naming them.
func Check(ctx context.Context, pkgs []*packages.Package, _ *ssa.Program) ([]finding.Finding, error) {
	// Compiling the secret engine's rules costs tens of milliseconds: done once per Check, and
	// only when some credential-named literal needs judging.
	sec := sync.OnceValues(func() (*secret.Analyzer, error) {
		a := secret.New(secret.Options{})
		return a, a.Err()
	})
	rs := builtin()
	var out []finding.Finding
	var problems []finding.Problem
	done := map[string]bool{}
	for _, pkg := range pkgs {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		if pkg == nil {
			continue
		}
		if pkg.TypesInfo == nil || pkg.Types == nil || pkg.Fset == nil || len(pkg.Syntax) == 0 && len(pkg.GoFiles) > 0 {
			problems = append(problems, finding.Problem{Path: pkg.PkgPath, Scanner: "sast", Kind: finding.ProblemParse,
				Message: fmt.Sprintf("package %s has no syntax or type information: the sast rules did not check it", pkg.PkgPath)})
			continue
		}
		funcs := declsOf(pkg)
		for _, f := range pkg.Syntax {
			name := pkg.Fset.PositionFor(f.Pos(), false).Filename
			// A package loaded with its tests comes twice (p and p [p.test]) with the same
			// files: each file is checked once, so its findings are not doubled.
			if done[name] {
				continue
			}
			done[name] = true
			fs, err := checkFile(ctx, rs, &pass{pkg: pkg, info: pkg.TypesInfo, fset: pkg.Fset, file: f, filename: name, secrets: sec, decls: funcs})
			out = append(out, fs...)
			if err != nil {
				problems = append(problems, finding.Problem{Path: name, Scanner: "sast", Kind: finding.ProblemOther, Message: err.Error()})
			}
		}
	}
	finding.Sort(out)
	if len(problems) > 0 {
		return out, &scan.Incomplete{Problems: problems}
	}
	return out, nil
}

// checkFile runs every rule over one file; a panic (a rule meeting code it did not expect) is
// turned into an error naming the rule, and the other rules' findings are kept.
func checkFile(ctx context.Context, rs []rule, p *pass) (out []finding.Finding, err error) {
	var failed []string
	for i := range rs {
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		r := &rs[i]
		func() {
			defer func() {
				if v := recover(); v != nil {
					failed = append(failed, fmt.Sprintf("%s: internal error: %v", r.id, v))
				}
			}()
			q := *p
			q.rule = r
			q.seen = map[string]int{}
			q.out, q.errs = nil, nil
			r.check(ctx, &q)
			out = append(out, q.out...)
			for _, err := range q.errs {
				failed = append(failed, fmt.Sprintf("%s: %v", r.id, err))
			}
		}()
	}
	if len(failed) > 0 {
		return out, fmt.Errorf("sast rules: check %s: not fully checked: %s", p.filename, strings.Join(failed, "; "))
	}
	return out, nil
}

// pass is one rule over one file.
type pass struct {
	pkg      *packages.Package
	info     *types.Info
	fset     *token.FileSet
	file     *ast.File
	filename string
	secrets  func() (*secret.Analyzer, error)
	decls    map[*types.Func]*ast.FuncDecl
	rule     *rule
	seen     map[string]int
	out      []finding.Finding
	errs     []error // what the rule could not judge; the file becomes a problem
}

// fail records something the rule could not judge in this file.
func (p *pass) fail(err error) { p.errs = append(p.errs, err) }

// declsOf maps the package's declared functions and methods to their declarations, so rules can
// look into a handler or key function named by reference.
func declsOf(pkg *packages.Package) map[*types.Func]*ast.FuncDecl {
	m := map[*types.Func]*ast.FuncDecl{}
	for _, f := range pkg.Syntax {
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok {
				if fn, ok := pkg.TypesInfo.Defs[fd.Name].(*types.Func); ok {
					m[fn] = fd
				}
			}
		}
	}
	return m
}

// report records a finding of the pass's rule at n. scope names the enclosing function (for the
// fingerprint); msg says what is wrong here, beyond the rule's title.
func (p *pass) report(n ast.Node, scope, msg string, props map[string]string) *finding.Finding {
	// Unadjusted positions: the .go file that holds the code, not what a //line directive
	// names, so the engine's suppression comments and snippets are read from the same file.
	start, end := p.fset.PositionFor(n.Pos(), false), p.fset.PositionFor(n.End(), false)
	r := p.rule
	key := fmt.Sprintf("%s#%d", scope, p.seen[scope])
	p.seen[scope]++
	desc := msg
	if r.description != "" {
		desc = msg + " " + r.description
	}
	p.out = append(p.out, finding.Finding{
		RuleID:      r.id,
		Title:       r.title,
		Description: desc,
		Severity:    r.severity,
		Confidence:  r.confidence,
		CWE:         r.cwe,
		Location: finding.Location{
			Path: start.Filename, StartLine: start.Line, StartColumn: start.Column,
			EndLine: end.Line, EndColumn: end.Column,
		},
		Fingerprint: finding.Fingerprint(r.id, p.pkg.PkgPath+"/"+filepath.Base(start.Filename), key),
		Remediation: r.fix,
		Scanner:     "sast",
		Properties:  withGosec(props, r.gosec),
	})
	return &p.out[len(p.out)-1]
}

func withGosec(props map[string]string, gosec []string) map[string]string {
	if len(gosec) == 0 {
		return props
	}
	if props == nil {
		props = map[string]string{}
	}
	props["gosec"] = strings.Join(gosec, ",")
	return props
}

// walk visits every node of the file with the stack of its ancestors (stack[len-1] is the
// parent) and the name of the enclosing function declaration ("" at package level).
func (p *pass) walk(visit func(n ast.Node, stack []ast.Node, scope string)) {
	var stack []ast.Node
	scope := ""
	ast.Inspect(p.file, func(n ast.Node) bool {
		if n == nil {
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if _, ok := top.(*ast.FuncDecl); ok {
				scope = ""
			}
			return false
		}
		if fd, ok := n.(*ast.FuncDecl); ok {
			scope = funcDeclName(fd)
		}
		visit(n, stack, scope)
		stack = append(stack, n)
		return true
	})
}

func funcDeclName(fd *ast.FuncDecl) string {
	if fd.Recv != nil && len(fd.Recv.List) > 0 {
		return types.ExprString(fd.Recv.List[0].Type) + "." + fd.Name.Name
	}
	return fd.Name.Name
}
