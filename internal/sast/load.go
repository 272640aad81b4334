package sast

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/tools/go/packages"

	"github.com/palisade-sec/palisade/internal/finding"
)

// loadMode is what the engine needs: syntax and types for the scanned packages, types (from
// export data) for their dependencies.
const loadMode = packages.NeedName | packages.NeedFiles | packages.NeedCompiledGoFiles | packages.NeedImports |
	packages.NeedTypes | packages.NeedTypesSizes | packages.NeedSyntax | packages.NeedTypesInfo | packages.NeedModule

// unit is one load: a directory the go command runs in and the patterns it loads there.
type unit struct {
	dir      string   // slash-separated, relative to the scan root ("." for the root)
	patterns []string // "./..." for a module; one per module of a workspace
	work     bool     // loaded through the go.work at dir
}

// units finds the Go modules of a tree: every go.mod is a module, loaded on its own; a go.work at
// the root loads the modules it uses together (its replacements apply), and the modules it does
// not use on their own.
func units(files []string) []unit {
	var mods []string
	hasWork := false
	for _, f := range files {
		switch {
		case path.Base(f) == "go.mod":
			mods = append(mods, path.Dir(f))
		case f == "go.work":
			hasWork = true
		}
	}
	slices.Sort(mods)
	if !hasWork {
		out := make([]unit, 0, len(mods))
		for _, m := range mods {
			out = append(out, unit{dir: m, patterns: []string{"./..."}})
		}
		return out
	}
	w := unit{dir: ".", work: true}
	for _, m := range mods {
		w.patterns = append(w.patterns, "./"+strings.TrimPrefix(m+"/...", "./"))
	}
	return []unit{w}
}

// env is the go command's environment for a load: the user's, with the network off (a module
// whose dependencies are not in the module cache fails to load and is reported, instead of being
// downloaded or hanging) and the local toolchain (a go.mod asking for a newer one must not
// download it).
func env(work bool) []string {
	e := append(os.Environ(), "GOPROXY=off", "GOTOOLCHAIN=local")
	if !work {
		e = append(e, "GOWORK=off")
	}
	return e
}

// load loads one unit. Packages that did not load (syntax or type errors, missing dependencies)
// come back as problems naming the package and its first errors; the rest are returned.
func load(ctx context.Context, root string, u unit, tags []string) ([]*packages.Package, []finding.Problem, error) {
	cfg := &packages.Config{
		Context: ctx,
		Mode:    loadMode,
		Dir:     filepath.Join(root, filepath.FromSlash(u.dir)),
		Env:     env(u.work),
	}
	if len(tags) > 0 {
		cfg.BuildFlags = []string{"-tags=" + strings.Join(tags, ",")}
	}
	pkgs, err := packages.Load(cfg, u.patterns...)
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		return nil, []finding.Problem{{Path: path.Join(u.dir, "go.mod"), Scanner: Name, Kind: finding.ProblemParse,
			Message: fmt.Sprintf("Go packages not analysed: the go command failed (network off: GOPROXY=off): %s", firstLine(err.Error()))}}, nil
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, nil, fmt.Errorf("sast: %w", err)
	}
	var ok []*packages.Package
	var problems []finding.Problem
	for _, p := range pkgs {
		switch {
		case len(p.Errors) > 0 || p.IllTyped || p.Types == nil:
			problems = append(problems, packageProblem(root, u, p))
		case outside(realRoot, p) != "":
			problems = append(problems, finding.Problem{Path: path.Join(u.dir, "go.mod"), Scanner: Name, Kind: finding.ProblemOther,
				Message: fmt.Sprintf("Go package %s not analysed: its file %s lies outside the scan root (a symbolic link, or a go.work using a directory outside)",
					p.PkgPath, filepath.Base(outside(realRoot, p)))})
		default:
			ok = append(ok, p)
		}
	}
	return ok, problems, nil
}

// outside returns the first source file of p that resolves to a place outside the scan root, or
// "": the scan never reports on what lies outside its root.
func outside(realRoot string, p *packages.Package) string {
	for _, f := range p.GoFiles {
		real, err := filepath.EvalSymlinks(f)
		if err != nil {
			return f
		}
		if rel, err := filepath.Rel(realRoot, real); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return f
		}
	}
	return ""
}

// packageProblem names a package that did not load and its first three errors.
func packageProblem(root string, u unit, p *packages.Package) finding.Problem {
	where := path.Join(u.dir, "go.mod")
	if len(p.GoFiles) > 0 {
		if rel, err := filepath.Rel(root, filepath.Dir(p.GoFiles[0])); err == nil && !strings.HasPrefix(rel, "..") {
			where = filepath.ToSlash(rel)
		}
	}
	var msgs []string
	for i, e := range p.Errors {
		if i == 3 {
			msgs = append(msgs, fmt.Sprintf("and %d more", len(p.Errors)-3))
			break
		}
		msgs = append(msgs, relError(root, firstLine(e.Error())))
	}
	// A package whose import failed says only "could not import X"; the cause is X's own error.
	if dep := depError(root, p); len(msgs) == 0 || strings.HasPrefix(dep, "its dependency") {
		msgs = append(msgs, dep)
	}
	msg := strings.Join(msgs, "; ")
	if strings.Contains(msg, "GOPROXY=off") {
		msg += " (the analyser never downloads: run 'go mod download' in the module's directory first)"
	}
	return finding.Problem{Path: where, Scanner: Name, Kind: finding.ProblemParse,
		Message: fmt.Sprintf("Go package %s not analysed (its findings are unknown): %s", p.PkgPath, msg)}
}

// depError names the first dependency of p that did not load, and its first error: a package
// with no errors of its own is ill-typed because of one.
func depError(root string, p *packages.Package) string {
	seen := map[*packages.Package]bool{}
	var walk func(*packages.Package) string
	walk = func(q *packages.Package) string {
		if seen[q] {
			return ""
		}
		seen[q] = true
		if q != p && len(q.Errors) > 0 {
			return fmt.Sprintf("its dependency %s did not load: %s", q.PkgPath, relError(root, firstLine(q.Errors[0].Error())))
		}
		paths := make([]string, 0, len(q.Imports))
		for path := range q.Imports {
			paths = append(paths, path)
		}
		slices.Sort(paths)
		for _, path := range paths {
			if msg := walk(q.Imports[path]); msg != "" {
				return msg
			}
		}
		return ""
	}
	if msg := walk(p); msg != "" {
		return msg
	}
	return "ill-typed, with no error reported by the go command"
}

func relError(root, msg string) string {
	return strings.ReplaceAll(msg, root+string(filepath.Separator), "")
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	const limit = 300
	if len(s) > limit {
		s = s[:limit] + "…"
	}
	return s
}
