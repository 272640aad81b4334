package inventory

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/palisade-sec/palisade/internal/finding"
)

// inNodeModules reports whether p is a file npm installs: the package.json at the root of an
// installed package, or the hidden lockfile node_modules/.package-lock.json. From the first
// node_modules on, the path must be a chain of installs — node_modules/NAME or
// node_modules/@SCOPE/NAME, nested, with pnpm's node_modules/.pnpm/ID/ store between — as Node's
// resolution would load them. A project's own package.json (outside node_modules), package.json
// files deeper inside a package (lib/package.json holding {"type": "module"}), and test fixtures
// inside a package (node_modules/resolve/test/…/node_modules/x) are not installed packages.
func inNodeModules(p string) bool {
	parts := strings.Split(p, "/")
	base := parts[len(parts)-1]
	first := slices.Index(parts, "node_modules")
	if first < 0 {
		return false
	}
	dirs := parts[first : len(parts)-1]
	for j := 0; j < len(dirs); {
		if dirs[j] != "node_modules" {
			return false
		}
		if j++; j == len(dirs) {
			return base == ".package-lock.json"
		}
		if dirs[j] == ".pnpm" {
			j += 2 // .pnpm/ID/node_modules/…
			continue
		}
		if strings.HasPrefix(dirs[j], "@") {
			if j++; j == len(dirs) {
				return false // a scope is not a package
			}
		}
		if name := dirs[j]; name == "" || name[0] == '.' || name[0] == '@' {
			return false
		}
		if j++; j == len(dirs) {
			return base == "package.json"
		}
	}
	return false
}

// extractNodeModule reads the package.json of one installed npm package: its name, version and
// licence. What the package requires are ranges, not installs, so the graph and the direct flag
// come from the hidden lockfile when there is one (mergeHiddenLocks).
func extractNodeModule(_ context.Context, in *input) ([]Package, error) {
	var m struct {
		npmManifest
		Licenses json.RawMessage `json:"licenses"` // the legacy array form
	}
	lines, err := decodeJSON(withoutBOM(in.data), &m)
	if err != nil {
		return nil, err
	}
	if m.Name == "" || m.Version == "" {
		return nil, errAt(lines[rootKey], "installed package.json without a name or version")
	}
	p := Package{Name: m.Name, Version: m.Version, Ecosystem: NPM, Licenses: npmLicense(m.License)}
	if len(p.Licenses) == 0 {
		p.Licenses = npmLicense(m.Licenses)
	}
	p.Location.StartLine = lines[rootKey]
	return []Package{p}, nil
}

// extractHiddenLock reads node_modules/.package-lock.json, the lockfile npm 7+ keeps of what it
// installed (lockfile v3 form, paths relative to the project). The project's package.json beside
// node_modules says what is direct, as the root entry of a package-lock.json would.
func extractHiddenLock(ctx context.Context, in *input) ([]Package, error) {
	var lock npmLock
	lines, err := decodeJSON(withoutBOM(in.data), &lock)
	if err != nil {
		return nil, err
	}
	if lock.Packages == nil {
		return nil, errors.New(`no "packages" object (npm writes the hidden lockfile in the v3 form)`)
	}
	if _, ok := lock.Packages[""]; !ok {
		if m := in.projectManifest(); m != nil {
			lock.Packages[""] = npmLockPackage{Dependencies: m.Dependencies, DevDependencies: m.DevDependencies,
				OptionalDependencies: m.OptionalDependencies, PeerDependencies: m.PeerDependencies}
		}
	}
	return npmV2Packages(ctx, in, &lock, lines)
}

// projectManifest reads the package.json of the project whose node_modules holds the input.
func (in *input) projectManifest() *npmManifest {
	p := path.Join(path.Dir(path.Dir(in.path)), "package.json")
	data, err := readLimited(in.fsys, p)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			in.problem(readKind(err), p, 0, "read package.json: %v", err)
		}
		return nil
	}
	var m npmManifest
	if _, err := decodeJSON(withoutBOM(data), &m); err != nil {
		in.problem(finding.ProblemParse, p, lineOf(err), "parse package.json: %v", err)
		return nil
	}
	return &m
}

// npmProject is the directory of the project an installed npm file belongs to: what precedes its
// first node_modules.
func npmProject(p string) string {
	if strings.HasPrefix(p, "node_modules/") {
		return "."
	}
	if i := strings.Index(p, "/node_modules/"); i >= 0 {
		return p[:i]
	}
	return path.Dir(p)
}

// markNodeDirect marks as direct the packages installed at the top of a project's node_modules
// that the project's package.json requires, in projects without a hidden lockfile among files
// (npm 6 and yarn installs have none; where there is one, it said what is direct). Each project's
// manifest is read once; one that cannot be read or parsed is a problem, and its packages stay
// unmarked.
func markNodeDirect(fsys fs.FS, files []string, pkgs []Package) []finding.Problem {
	locked := map[string]bool{}
	for _, f := range files {
		if path.Base(f) == ".package-lock.json" {
			locked[npmProject(f)] = true
		}
	}
	var problems []finding.Problem
	manifests := map[string]map[string]string{} // project → what it requires (nil: none readable)
	for i := range pkgs {
		p := &pkgs[i]
		if p.Ecosystem != NPM || path.Base(p.Location.Path) != "package.json" {
			continue
		}
		project := npmProject(p.Location.Path)
		if locked[project] {
			continue
		}
		rest, _ := strings.CutPrefix(p.Location.Path, path.Join(project, "node_modules")+"/")
		name, ok := strings.CutSuffix(rest, "/package.json")
		if !ok || strings.Contains(name, "node_modules/") {
			continue // nested: required by another package, never by the project
		}
		direct, seen := manifests[project]
		if !seen {
			in := &input{fsys: fsys, path: path.Join(project, "node_modules", ".package-lock.json")}
			if m := in.projectManifest(); m != nil {
				direct = m.direct()
			}
			problems = append(problems, in.problems...)
			manifests[project] = direct
		}
		if scope, ok := direct[name]; ok {
			p.Direct = true
			if scope != "" && p.Properties[PropScope] == "" {
				setProp(p, PropScope, scope)
			}
		}
	}
	return problems
}

// mergeHiddenLocks joins what node_modules/.package-lock.json says about a package (the graph,
// the direct flag, the dev scope, the integrity hash) to the installed package.json of the same
// name and version in the same project, and drops the lockfile's entry: one package, located at
// what is installed. A lockfile entry with no installed package.json to match (a stale hidden
// lockfile) is kept, so nothing the lockfile lists goes unreported.
func mergeHiddenLocks(pkgs []Package) []Package {
	fromLock := map[string]int{} // project + key → index
	for i, p := range pkgs {
		if path.Base(p.Location.Path) == ".package-lock.json" {
			fromLock[npmProject(p.Location.Path)+"\x00"+p.Key()] = i
		}
	}
	if len(fromLock) == 0 {
		return pkgs
	}
	used := map[int]bool{}
	for i := range pkgs {
		p := &pkgs[i]
		if p.Ecosystem != NPM || path.Base(p.Location.Path) != "package.json" {
			continue
		}
		j, ok := fromLock[npmProject(p.Location.Path)+"\x00"+p.Key()]
		if !ok {
			continue
		}
		used[j] = true
		l := pkgs[j]
		p.Direct = p.Direct || l.Direct
		p.DependsOn = mergeSorted(p.DependsOn, l.DependsOn)
		if len(p.Licenses) == 0 {
			p.Licenses = l.Licenses
		}
		for k, v := range l.Hashes {
			addHash(p, k, v)
		}
		for k, v := range l.Properties {
			if _, ok := p.Properties[k]; !ok {
				setProp(p, k, v)
			}
		}
	}
	out := pkgs[:0]
	for i, p := range pkgs {
		if !used[i] {
			out = append(out, p)
		}
	}
	return out
}

// withoutBOM drops a leading UTF-8 byte order mark, which Windows editors write and npm, Composer
// and the .NET SDK all accept, but encoding/json does not. The BOM sits on line 1, so lines
// are unchanged.
func withoutBOM(data []byte) []byte {
	return bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
}
