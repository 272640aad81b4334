// Package sast is the static analyser of Go source (`palisade scan --scanners sast`): it loads every
// Go module of the scanned tree with golang.org/x/tools/go/packages, builds SSA once per module,
// runs the taint engine (internal/sast/taint) and the non-taint rules over it, and turns what they
// find into findings with the source→sink path as steps (SARIF codeFlows).
//
// It fails closed: a module or package that does not load (syntax or type errors, a dependency
// missing from the module cache — the go command runs with GOPROXY=off, so nothing is downloaded)
// is a problem naming the package and its first errors, never a silent zero; what did load is
// still analysed. Modules are loaded and analysed one at a time, so memory is bounded by the
// largest module rather than the tree.
package sast

import (
	"context"
	"errors"
	"fmt"
	"go/token"
	"go/types"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/tools/go/packages"
	"golang.org/x/tools/go/ssa"
	"golang.org/x/tools/go/ssa/ssautil"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/sast/taint"
	"github.com/palisade-sec/palisade/internal/scan"
)

// Name is the scanner's ID for --scanners.
const Name = "sast"

// CheckFunc runs rules over loaded packages and their SSA: the seam for the non-taint rules
// (internal/sast/rules.Check), which are written beside this package.
type CheckFunc func(ctx context.Context, pkgs []*packages.Package, prog *ssa.Program) ([]finding.Finding, error)

// Options configure the analyser.
type Options struct {
	// Tags are build tags for loading (go build -tags).
	Tags []string
	// Taint holds the user's own sources, sinks and sanitisers.
	Taint taint.Options
	// Checks run after the taint engine on the same program (the non-taint rules).
	Checks []CheckFunc
	// Rules are the checks' rules, listed with the taint rules in reports.
	Rules []finding.Rule
}

// Analyzer is the scan.TreeAnalyzer for Go source.
type Analyzer struct {
	opts Options
}

var (
	_ scan.TreeAnalyzer = (*Analyzer)(nil)
	_ scan.RuleLister   = (*Analyzer)(nil)
)

// New returns the analyser.
func New(opts Options) *Analyzer { return &Analyzer{opts: opts} }

// Name returns "sast".
func (a *Analyzer) Name() string { return Name }

// Rules lists the taint rules and the checks' rules.
func (a *Analyzer) Rules() []finding.Rule {
	var out []finding.Rule
	for _, c := range taint.Classes() {
		sev, _ := finding.ParseSeverity(c.Severity)
		r := finding.Rule{ID: c.RuleID, Title: c.Title, Severity: sev, CWE: []string{c.CWE},
			Remediation: c.Remediation, Tags: []string{"sast", "taint"}}
		for _, g := range c.Gosec {
			r.Tags = append(r.Tags, "gosec:"+g)
		}
		out = append(out, r)
	}
	return append(out, a.opts.Rules...)
}

// AnalyzeTree implements scan.TreeAnalyzer: every module under the root, one at a time.
func (a *Analyzer) AnalyzeTree(ctx context.Context, t *scan.Tree) ([]finding.Finding, error) {
	us := units(t.Files)
	if len(us) == 0 {
		return nil, nil
	}
	if t.Dir == "" {
		return nil, errors.New("sast: the Go analyser needs a directory to run the go command in")
	}
	root, err := filepath.Abs(t.Dir)
	if err != nil {
		return nil, fmt.Errorf("sast: %w", err)
	}
	var out []finding.Finding
	var problems []finding.Problem
	for _, u := range us {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		fs, ps, err := a.analyzeUnit(ctx, t, root, u)
		if err != nil {
			return nil, err
		}
		out = append(out, fs...)
		problems = append(problems, ps...)
	}
	if len(problems) > 0 {
		return out, &scan.Incomplete{Problems: problems}
	}
	return out, nil
}

func (a *Analyzer) analyzeUnit(ctx context.Context, t *scan.Tree, root string, u unit) ([]finding.Finding, []finding.Problem, error) {
	pkgs, problems, err := load(ctx, root, u, a.opts.Tags)
	if err != nil || len(pkgs) == 0 {
		return nil, problems, err
	}
	// The go command read the source files: the run's statistics count them as scanned.
	for _, p := range pkgs {
		for _, f := range p.Syntax {
			if tf := p.Fset.File(f.Pos()); tf != nil {
				if rel := relPath(root, tf.Name()); !filepath.IsAbs(rel) {
					t.Loaded(rel, int64(tf.Size()))
				}
			}
		}
	}
	prog, ssaPkgs := ssautil.Packages(pkgs, ssa.InstantiateGenerics)
	prog.Build()
	scanned := map[*ssa.Package]bool{}
	for _, p := range ssaPkgs {
		if p != nil {
			scanned[p] = true
		}
	}
	funcs := functions(prog, ssaPkgs)
	slices.SortFunc(funcs, func(x, y *ssa.Function) int { return int(x.Pos()) - int(y.Pos()) })
	inScope := func(fn *ssa.Function) bool {
		for fn != nil && fn.Pkg == nil && fn.Parent() != nil {
			fn = fn.Parent()
		}
		return fn != nil && scanned[fn.Pkg]
	}
	found, err := taint.Analyze(ctx, prog, funcs, inScope, a.opts.Taint)
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		problems = append(problems, finding.Problem{Path: path.Join(u.dir, "go.mod"), Scanner: Name, Kind: finding.ProblemOther,
			Message: "taint analysis not finished: " + err.Error()})
	}
	out := findings(prog.Fset, root, found)
	for _, check := range a.opts.Checks {
		fs, err := check(ctx, pkgs, prog)
		var inc *scan.Incomplete
		switch {
		case err == nil:
		case ctx.Err() != nil:
			return nil, nil, ctx.Err()
		case errors.As(err, &inc):
			// Named parts the rules could not check; the rest was checked.
			for _, p := range inc.Problems {
				p.Path = relPath(root, p.Path)
				problems = append(problems, p)
			}
		default:
			problems = append(problems, finding.Problem{Path: path.Join(u.dir, "go.mod"), Scanner: Name, Kind: finding.ProblemOther,
				Message: "Go rules not finished, their findings are unknown: " + err.Error()})
		}
		for _, f := range fs {
			f.Location.Path = relPath(root, f.Location.Path)
			f.Scanner = Name
			out = append(out, f)
		}
	}
	return out, problems, nil
}

// functions lists every function with a body: those ssautil finds, and the methods of every type
// the scanned packages declare, which it misses when nothing converts the type to an interface (a
// gRPC service registered through a generated helper in another module, a handler type).
func functions(prog *ssa.Program, pkgs []*ssa.Package) []*ssa.Function {
	all := ssautil.AllFunctions(prog)
	for _, p := range pkgs {
		if p == nil {
			continue
		}
		for _, m := range p.Members {
			t, ok := m.(*ssa.Type)
			if !ok || types.IsInterface(t.Type()) {
				continue
			}
			if n, ok := t.Type().(*types.Named); ok && n.TypeParams().Len() > 0 {
				continue // generic: its instantiations are found where they are used
			}
			for _, typ := range []types.Type{t.Type(), types.NewPointer(t.Type())} {
				ms := prog.MethodSets.MethodSet(typ)
				for i := range ms.Len() {
					if fn := prog.MethodValue(ms.At(i)); fn != nil {
						all[fn] = true
					}
				}
			}
		}
	}
	var funcs []*ssa.Function
	for fn := range all {
		if fn.Blocks != nil {
			funcs = append(funcs, fn)
		}
	}
	return funcs
}

// findings turns the engine's paths into findings: located at the sink, the path as Flow, the
// fingerprint keyed on what the path connects (rule, enclosing function, sink and source
// functions, and the ordinal among equal keys) rather than on lines.
func findings(fset *token.FileSet, root string, found []*taint.Finding) []finding.Finding {
	classes := map[string]taint.Class{}
	for _, c := range taint.Classes() {
		classes[c.RuleID] = c
	}
	slices.SortFunc(found, func(x, y *taint.Finding) int {
		if x.Sink != y.Sink {
			return int(x.Sink) - int(y.Sink)
		}
		if x.Source != y.Source {
			return int(x.Source) - int(y.Source)
		}
		return strings.Compare(x.Class, y.Class)
	})
	seen := map[string]int{}
	out := make([]finding.Finding, 0, len(found))
	for _, f := range found {
		c := classes[f.Class]
		sev, _ := finding.ParseSeverity(c.Severity)
		loc := location(fset, root, f.Sink)
		key := strings.Join([]string{f.Func.String(), f.SinkDesc, f.SourceDesc}, "\x00")
		n := seen[loc.Path+"\x00"+f.Class+"\x00"+key]
		seen[loc.Path+"\x00"+f.Class+"\x00"+key] = n + 1
		conf := finding.ConfidenceHigh
		if f.Class == taint.XSS || f.Class == taint.LogInjection {
			conf = finding.ConfidenceMedium
		}
		src := location(fset, root, f.Source)
		fd := finding.Finding{
			RuleID: f.Class, Title: c.Title, Severity: sev, Confidence: conf, CWE: []string{c.CWE},
			Description: fmt.Sprintf("%s (%s:%d) reaches %s", f.SourceDesc, src.Path, src.StartLine, f.SinkDesc),
			Location:    loc, Remediation: c.Remediation, Scanner: Name,
			Fingerprint: finding.Fingerprint(f.Class, loc.Path, fmt.Sprintf("%s\x00%d", key, n)),
			Properties:  map[string]string{"source": f.SourceDesc, "sink": f.SinkDesc},
		}
		for _, s := range f.Steps() {
			if !s.Pos.IsValid() {
				continue
			}
			fd.Flow = append(fd.Flow, finding.Step{Location: location(fset, root, s.Pos), Message: s.Message})
		}
		out = append(out, fd)
	}
	return out
}

func location(fset *token.FileSet, root string, pos token.Pos) finding.Location {
	p := fset.Position(pos)
	return finding.Location{Path: relPath(root, p.Filename), StartLine: p.Line, StartColumn: p.Column}
}

// relPath is name, a file name as go/packages gives it (absolute), relative to the scan root in
// slash form, as every finding's path is; a name that is not absolute or not under the root (an
// import path naming a package) is kept as it is.
func relPath(root, name string) string {
	if !filepath.IsAbs(name) {
		return name
	}
	rel, err := filepath.Rel(root, name)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return name
	}
	return filepath.ToSlash(rel)
}
