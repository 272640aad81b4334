package inventory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/inventory/license"
)

// npmManifest is the part of package.json that says what a project requires itself.
type npmManifest struct {
	Name                 string            `json:"name"`
	Version              string            `json:"version"`
	License              json.RawMessage   `json:"license"`
	Dependencies         map[string]string `json:"dependencies"`
	DevDependencies      map[string]string `json:"devDependencies"`
	OptionalDependencies map[string]string `json:"optionalDependencies"`
	PeerDependencies     map[string]string `json:"peerDependencies"`
	Workspaces           json.RawMessage   `json:"workspaces"`
}

// direct is the set of names the manifest requires, mapped to their scope ("" for runtime).
func (m *npmManifest) direct() map[string]string {
	out := map[string]string{}
	for n := range m.PeerDependencies {
		out[n] = ""
	}
	for n := range m.OptionalDependencies {
		out[n] = ScopeOptional
	}
	for n := range m.DevDependencies {
		out[n] = ScopeDev
	}
	for n := range m.Dependencies {
		out[n] = ""
	}
	return out
}

// npmRootManifest reads package.json beside a lockfile; nil when there is none. A package.json
// that does not parse is a problem, and the lockfile is read without it.
func (in *input) npmRootManifest() *npmManifest {
	p, data, err := in.sibling("package.json")
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			in.problem(readKind(err), p, 0, "read package.json: %v", err)
		}
		return nil
	}
	var m npmManifest
	if _, err := decodeJSON(data, &m); err != nil {
		in.problem(finding.ProblemParse, p, lineOf(err), "parse package.json: %v", err)
		return nil
	}
	return &m
}

// npmLicense reads package.json's "license": an SPDX expression string, or the legacy
// {"type": …} object and "licenses" array forms.
func npmLicense(raw json.RawMessage) []string {
	if len(raw) == 0 {
		return nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return license.Declared(s)
	}
	var obj struct{ Type string }
	if json.Unmarshal(raw, &obj) == nil {
		return license.Declared(obj.Type)
	}
	var list []struct{ Type string }
	if json.Unmarshal(raw, &list) == nil {
		var out []string
		for _, l := range list {
			out = append(out, license.Declared(l.Type)...)
		}
		return out
	}
	return nil
}

type npmLock struct {
	LockfileVersion int                        `json:"lockfileVersion"`
	Packages        map[string]npmLockPackage  `json:"packages"`
	Dependencies    map[string]npmLockV1Module `json:"dependencies"`
}

type npmLockPackage struct {
	Name                 string            `json:"name"`
	Version              string            `json:"version"`
	Integrity            string            `json:"integrity"`
	License              json.RawMessage   `json:"license"`
	Link                 bool              `json:"link"`
	Dev                  bool              `json:"dev"`
	Optional             bool              `json:"optional"`
	DevOptional          bool              `json:"devOptional"`
	Dependencies         map[string]string `json:"dependencies"`
	DevDependencies      map[string]string `json:"devDependencies"`
	OptionalDependencies map[string]string `json:"optionalDependencies"`
	PeerDependencies     map[string]string `json:"peerDependencies"`
}

type npmLockV1Module struct {
	Version      string                     `json:"version"`
	Integrity    string                     `json:"integrity"`
	Dev          bool                       `json:"dev"`
	Optional     bool                       `json:"optional"`
	Bundled      bool                       `json:"bundled"`
	Requires     map[string]string          `json:"requires"`
	Dependencies map[string]npmLockV1Module `json:"dependencies"`
}

// extractPackageLock reads package-lock.json and npm-shrinkwrap.json: the "packages" map of
// lockfile v2 and v3, or the nested "dependencies" tree of v1.
func extractPackageLock(ctx context.Context, in *input) ([]Package, error) {
	var lock npmLock
	lines, err := decodeJSON(in.data, &lock)
	if err != nil {
		return nil, err
	}
	if lock.Packages != nil {
		return npmV2Packages(ctx, in, &lock, lines)
	}
	if lock.LockfileVersion > 1 && lock.Dependencies == nil {
		return nil, fmt.Errorf("lockfileVersion %d without \"packages\"", lock.LockfileVersion)
	}
	return npmV1Packages(in, &lock, lines), nil
}

// npmNameFromPath is the package name a node_modules path installs: the part after the last
// "node_modules/", which keeps an npm scope ("node_modules/a/node_modules/@s/b" → "@s/b").
func npmNameFromPath(p string) (string, bool) {
	i := strings.LastIndex(p, "node_modules/")
	if i < 0 {
		return "", false
	}
	return p[i+len("node_modules/"):], true
}

func npmV2Packages(ctx context.Context, in *input, lock *npmLock, lines map[pathKey]int) ([]Package, error) {
	keys := slices.Sorted(maps.Keys(lock.Packages))
	keyOf := map[string]string{} // node_modules path → Package.Key
	names := map[string]string{}
	for _, k := range keys {
		e := lock.Packages[k]
		installed, ok := npmNameFromPath(k)
		if !ok || installed == "" || e.Link {
			continue
		}
		names[k] = installed
		keyOf[k] = Package{Name: cmpOr(e.Name, installed), Version: e.Version, Ecosystem: NPM}.Key()
	}
	// The root ("") and workspace folders are the project: what they require, resolved from
	// where they sit, is direct.
	direct := map[string]bool{} // node_modules path
	for _, k := range keys {
		e := lock.Packages[k]
		if _, underNM := npmNameFromPath(k); underNM || e.Link {
			continue
		}
		for _, deps := range []map[string]string{e.Dependencies, e.DevDependencies, e.OptionalDependencies, e.PeerDependencies} {
			for dep := range deps {
				if at, ok := npmResolvePath(keyOf, k, dep); ok {
					direct[at] = true
				}
			}
		}
	}
	var pkgs []Package
	for _, k := range keys {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if _, ok := keyOf[k]; !ok {
			continue
		}
		e := lock.Packages[k]
		p := Package{Name: cmpOr(e.Name, names[k]), Version: e.Version, Ecosystem: NPM,
			Licenses: npmLicense(e.License), Direct: direct[k]}
		p.Location.StartLine = lines[jsonPath("packages", k)]
		switch {
		case e.Dev || e.DevOptional:
			setProp(&p, PropScope, ScopeDev)
		case e.Optional:
			setProp(&p, PropScope, ScopeOptional)
		}
		hashFromSRI(&p, e.Integrity)
		for _, deps := range []map[string]string{e.Dependencies, e.OptionalDependencies, e.PeerDependencies} {
			for dep := range deps {
				if at, ok := npmResolvePath(keyOf, k, dep); ok {
					p.DependsOn = append(p.DependsOn, keyOf[at])
				}
			}
		}
		pkgs = append(pkgs, p)
	}
	return pkgs, nil
}

// npmResolvePath finds the node_modules path from which Node's module resolution loads dep when
// required by the package (or workspace folder) at from: the nearest node_modules/dep up the tree.
func npmResolvePath(keyOf map[string]string, from, dep string) (string, bool) {
	for dir := from; dir != ""; {
		at := dir + "/node_modules/" + dep
		if _, ok := keyOf[at]; ok {
			return at, true
		}
		i := strings.LastIndex(dir, "/node_modules/")
		if i < 0 {
			break
		}
		dir = dir[:i]
	}
	at := "node_modules/" + dep
	_, ok := keyOf[at]
	return at, ok
}

func npmV1Packages(in *input, lock *npmLock, lines map[pathKey]int) []Package {
	var pkgs []Package
	type scope struct {
		path []string // the JSON path of the module's "dependencies" object
		mods map[string]npmLockV1Module
		up   *scope
	}
	var walk func(s *scope)
	walk = func(s *scope) {
		for _, key := range slices.Sorted(maps.Keys(s.mods)) {
			m := s.mods[key]
			p := npmV1Package(key, m.Version)
			here := append(slices.Clone(s.path), key)
			p.Location.StartLine = lines[jsonPath(here...)]
			switch {
			case m.Dev:
				setProp(&p, PropScope, ScopeDev)
			case m.Optional:
				setProp(&p, PropScope, ScopeOptional)
			}
			hashFromSRI(&p, m.Integrity)
			inner := &scope{path: append(here, "dependencies"), mods: m.Dependencies, up: s}
			for dep := range m.Requires {
				for at := inner; at != nil; at = at.up {
					if d, ok := at.mods[dep]; ok {
						p.DependsOn = append(p.DependsOn, npmV1Package(dep, d.Version).Key())
						break
					}
				}
			}
			pkgs = append(pkgs, p)
			walk(inner)
		}
	}
	walk(&scope{path: []string{"dependencies"}, mods: lock.Dependencies})
	if m := in.npmRootManifest(); m != nil {
		top := map[string]bool{} // keys of the top-level installs the manifest asks for
		for name := range m.direct() {
			if mod, ok := lock.Dependencies[name]; ok {
				top[npmV1Package(name, mod.Version).Key()] = true
			}
		}
		for i := range pkgs {
			pkgs[i].Direct = top[pkgs[i].Key()]
		}
	} else {
		markUnrequiredDirect(pkgs)
	}
	return pkgs
}

// npmV1Package is the package a v1 "dependencies" entry installs under key: itself, or for an
// alias ("version": "npm:real-name@1.2.3") the real package.
func npmV1Package(key, version string) Package {
	if alias, ok := strings.CutPrefix(version, "npm:"); ok {
		if i := strings.LastIndex(alias, "@"); i > 0 {
			return Package{Name: alias[:i], Version: alias[i+1:], Ecosystem: NPM}
		}
	}
	return Package{Name: key, Version: version, Ecosystem: NPM}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// lineOf is the line a lineError names, or 0.
func lineOf(err error) int {
	var le *lineError
	if errors.As(err, &le) {
		return le.line
	}
	return 0
}
