package inventory

import (
	"context"
	"errors"
	"io/fs"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/palisade-sec/palisade/internal/finding"
)

// pyDirect is what a Python project's own manifest requires: normalised name → scope.
type pyDirect map[string]string

// pyReqNameRe is the distribution name at the start of a PEP 508 requirement string.
var pyReqNameRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\s*([A-Za-z0-9][A-Za-z0-9._-]*)`) })

func (d pyDirect) add(name, scope string) {
	n := normalizePyPI(name)
	if n == "python" {
		return
	}
	if old, ok := d[n]; !ok || scopeRank(scope) > scopeRank(old) {
		d[n] = scope
	}
}

func (d pyDirect) addReqs(reqs []string, scope string) {
	for _, r := range reqs {
		if m := pyReqNameRe().FindStringSubmatch(r); m != nil {
			d.add(m[1], scope)
		}
	}
}

// pyprojectDirect reads pyproject.toml beside a lockfile: PEP 621 [project] dependencies,
// optional-dependencies and PEP 735 dependency-groups, and Poetry's [tool.poetry] tables. nil when
// there is none.
func (in *input) pyprojectDirect() pyDirect {
	p, data, err := in.sibling("pyproject.toml")
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			in.problem(readKind(err), p, 0, "read pyproject.toml: %v", err)
		}
		return nil
	}
	var pp struct {
		Project struct {
			Dependencies         []string            `toml:"dependencies"`
			OptionalDependencies map[string][]string `toml:"optional-dependencies"`
		} `toml:"project"`
		DependencyGroups map[string][]any `toml:"dependency-groups"`
		Tool             struct {
			Poetry struct {
				Dependencies    map[string]any `toml:"dependencies"`
				DevDependencies map[string]any `toml:"dev-dependencies"`
				Group           map[string]struct {
					Dependencies map[string]any `toml:"dependencies"`
				} `toml:"group"`
			} `toml:"poetry"`
		} `toml:"tool"`
	}
	if err := decodeTOML(data, &pp); err != nil {
		in.problem(finding.ProblemParse, p, lineOf(err), "parse pyproject.toml: %v", err)
		return nil
	}
	d := pyDirect{}
	d.addReqs(pp.Project.Dependencies, "")
	for _, reqs := range pp.Project.OptionalDependencies {
		d.addReqs(reqs, ScopeOptional)
	}
	for _, group := range pp.DependencyGroups {
		for _, r := range group {
			if s, ok := r.(string); ok {
				d.addReqs([]string{s}, ScopeDev)
			}
		}
	}
	for n := range pp.Tool.Poetry.Dependencies {
		d.add(n, "")
	}
	for n := range pp.Tool.Poetry.DevDependencies {
		d.add(n, ScopeDev)
	}
	for name, g := range pp.Tool.Poetry.Group {
		scope := ScopeDev
		if name == "main" {
			scope = ""
		}
		for n := range g.Dependencies {
			d.add(n, scope)
		}
	}
	return d
}

// applyPyDirect marks the packages the manifest requires, or falls back to "required by no other
// package" when there is no manifest.
func applyPyDirect(pkgs []Package, d pyDirect) {
	if d == nil {
		markUnrequiredDirect(pkgs)
		return
	}
	for i := range pkgs {
		scope, ok := d[normalizePyPI(pkgs[i].Name)]
		pkgs[i].Direct = ok
		if ok && scope != "" && pkgs[i].Properties[PropScope] == "" {
			setProp(&pkgs[i], PropScope, scope)
		}
	}
}

// pyKeys maps normalised names to the keys of the packages with that name (first one wins when a
// lockfile holds several versions for different markers).
func pyKeys(pkgs []Package) map[string]string {
	out := map[string]string{}
	for _, p := range pkgs {
		n := normalizePyPI(p.Name)
		if _, ok := out[n]; !ok {
			out[n] = p.Key()
		}
	}
	return out
}

// extractPoetryLock reads poetry.lock: every [[package]] with its [package.dependencies]; what is
// direct comes from pyproject.toml beside it.
func extractPoetryLock(_ context.Context, in *input) ([]Package, error) {
	var lock struct {
		Package []struct {
			Name         string         `toml:"name"`
			Version      string         `toml:"version"`
			Category     string         `toml:"category"`
			Optional     bool           `toml:"optional"`
			Dependencies map[string]any `toml:"dependencies"`
			Files        []struct {
				Hash string `toml:"hash"`
			} `toml:"files"`
		} `toml:"package"`
	}
	if err := decodeTOML(in.data, &lock); err != nil {
		return nil, err
	}
	lines := tomlTableLines(in.data, "package")
	pkgs := make([]Package, 0, len(lock.Package))
	for i, e := range lock.Package {
		if e.Name == "" || e.Version == "" {
			return nil, errAt(lineAt(lines, i), "[[package]] without name or version")
		}
		p := Package{Name: e.Name, Version: e.Version, Ecosystem: PyPI}
		p.Location.StartLine = lineAt(lines, i)
		switch {
		case e.Category == "dev":
			setProp(&p, PropScope, ScopeDev)
		case e.Optional:
			setProp(&p, PropScope, ScopeOptional)
		}
		pkgs = append(pkgs, p)
	}
	keys := pyKeys(pkgs)
	for i, e := range lock.Package {
		for _, dep := range slices.Sorted(maps.Keys(e.Dependencies)) {
			if k, ok := keys[normalizePyPI(dep)]; ok {
				pkgs[i].DependsOn = append(pkgs[i].DependsOn, k)
			}
		}
	}
	applyPyDirect(pkgs, in.pyprojectDirect())
	return pkgs, nil
}

// extractPipfileLock reads Pipfile.lock: "default" and "develop" with "==" versions and sha256
// hashes; what is direct comes from the Pipfile beside it (Pipfile.lock does not say).
func extractPipfileLock(_ context.Context, in *input) ([]Package, error) {
	type entry struct {
		Version string   `json:"version"`
		Hashes  []string `json:"hashes"`
		Markers string   `json:"markers"`
	}
	var lock struct {
		Default map[string]entry `json:"default"`
		Develop map[string]entry `json:"develop"`
	}
	lines, err := decodeJSON(in.data, &lock)
	if err != nil {
		return nil, err
	}
	var pkgs []Package
	for _, sec := range []struct {
		name    string
		entries map[string]entry
	}{{"default", lock.Default}, {"develop", lock.Develop}} {
		for _, name := range slices.Sorted(maps.Keys(sec.entries)) {
			e := sec.entries[name]
			p := Package{Name: name, Version: strings.TrimPrefix(e.Version, "=="), Ecosystem: PyPI}
			if !strings.HasPrefix(e.Version, "==") {
				p.Version = ""
				setProp(&p, PropSpecifier, e.Version) // a path or VCS entry, or "*"
			}
			p.Location.StartLine = lines[jsonPath(sec.name, name)]
			if sec.name == "develop" {
				setProp(&p, PropScope, ScopeDev)
			}
			setProp(&p, PropMarker, e.Markers)
			for _, h := range e.Hashes {
				if alg, v, ok := strings.Cut(h, ":"); ok {
					addHash(&p, alg, v)
				}
			}
			pkgs = append(pkgs, p)
		}
	}
	p, data, err := in.sibling("Pipfile")
	switch {
	case err == nil:
		var pf struct {
			Packages    map[string]any `toml:"packages"`
			DevPackages map[string]any `toml:"dev-packages"`
		}
		if err := decodeTOML(data, &pf); err != nil {
			in.problem(finding.ProblemParse, p, lineOf(err), "parse Pipfile: %v", err)
			break
		}
		d := pyDirect{}
		for n := range pf.Packages {
			d.add(n, "")
		}
		for n := range pf.DevPackages {
			d.add(n, ScopeDev)
		}
		applyPyDirect(pkgs, d)
	case !errors.Is(err, fs.ErrNotExist):
		in.problem(readKind(err), p, 0, "read Pipfile: %v", err)
	}
	return pkgs, nil
}

type uvDep struct {
	Name    string `toml:"name"`
	Version string `toml:"version"`
}

type uvPackage struct {
	Name         string             `toml:"name"`
	Version      string             `toml:"version"`
	Source       map[string]any     `toml:"source"`
	Dependencies []uvDep            `toml:"dependencies"`
	Optional     map[string][]uvDep `toml:"optional-dependencies"`
	Dev          map[string][]uvDep `toml:"dev-dependencies"`
	Sdist        struct {
		Hash string `toml:"hash"`
	} `toml:"sdist"`
}

// local reports whether the package is the project's own code (a workspace member or the root).
func (e *uvPackage) local() bool {
	for _, k := range []string{"editable", "virtual", "directory"} {
		if _, ok := e.Source[k]; ok {
			return true
		}
	}
	return false
}

// uvIndex resolves uv.lock dependency references ({name} or, when several versions are locked,
// {name, version}) to package keys.
type uvIndex struct {
	pkgs   []uvPackage
	byName map[string][]int
}

func (x uvIndex) key(d uvDep) (string, bool) {
	for _, i := range x.byName[normalizePyPI(d.Name)] {
		if e := x.pkgs[i]; d.Version == "" || d.Version == e.Version {
			return Package{Name: e.Name, Version: e.Version, Ecosystem: PyPI}.Key(), true
		}
	}
	return "", false
}

// direct maps what the project's own packages require to its strongest scope.
func (x uvIndex) direct() map[string]string {
	direct := map[string]string{}
	mark := func(deps []uvDep, scope string) {
		for _, d := range deps {
			if k, ok := x.key(d); ok {
				if old, seen := direct[k]; !seen || scopeRank(scope) > scopeRank(old) {
					direct[k] = scope
				}
			}
		}
	}
	for i := range x.pkgs {
		e := &x.pkgs[i]
		if !e.local() {
			continue
		}
		mark(e.Dependencies, "")
		for _, deps := range e.Optional {
			mark(deps, ScopeOptional)
		}
		for _, deps := range e.Dev {
			mark(deps, ScopeDev)
		}
	}
	return direct
}

// extractUVLock reads uv.lock: registry, git and URL packages with their dependencies; the
// project's own packages (editable, virtual or directory sources) are left out, and what they
// require is direct (dev-dependencies with the dev scope).
func extractUVLock(_ context.Context, in *input) ([]Package, error) {
	var lock struct {
		Package []uvPackage `toml:"package"`
	}
	if err := decodeTOML(in.data, &lock); err != nil {
		return nil, err
	}
	lines := tomlTableLines(in.data, "package")
	x := uvIndex{pkgs: lock.Package, byName: map[string][]int{}}
	for i, e := range lock.Package {
		if e.Name == "" {
			return nil, errAt(lineAt(lines, i), "[[package]] without a name")
		}
		n := normalizePyPI(e.Name)
		x.byName[n] = append(x.byName[n], i)
	}
	direct := x.direct()
	var pkgs []Package
	for i, e := range lock.Package {
		if e.local() {
			continue
		}
		p := Package{Name: e.Name, Version: e.Version, Ecosystem: PyPI}
		p.Location.StartLine = lineAt(lines, i)
		if alg, v, ok := strings.Cut(e.Sdist.Hash, ":"); ok {
			addHash(&p, alg, v)
		}
		deps := slices.Clone(e.Dependencies)
		for _, extra := range e.Optional {
			deps = append(deps, extra...)
		}
		for _, d := range deps {
			if k, ok := x.key(d); ok {
				p.DependsOn = append(p.DependsOn, k)
			}
		}
		scope, isDirect := direct[p.Key()]
		p.Direct = isDirect
		setProp(&p, PropScope, scope)
		pkgs = append(pkgs, p)
	}
	return pkgs, nil
}
