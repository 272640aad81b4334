package inventory

import (
	"context"
	"strings"
)

// extractCargoLock reads Cargo.lock (versions 1 to 4): every [[package]] from a registry or git
// source with its checksum and dependencies. Packages without a source are the workspace's own
// crates (or path dependencies): they are left out, and what they depend on is direct.
func extractCargoLock(_ context.Context, in *input) ([]Package, error) {
	var lock struct {
		Package []struct {
			Name         string   `toml:"name"`
			Version      string   `toml:"version"`
			Source       string   `toml:"source"`
			Checksum     string   `toml:"checksum"`
			Dependencies []string `toml:"dependencies"`
		} `toml:"package"`
	}
	if err := decodeTOML(in.data, &lock); err != nil {
		return nil, err
	}
	lines := tomlTableLines(in.data, "package")
	byName := map[string][]int{}
	for i, e := range lock.Package {
		if e.Name == "" || e.Version == "" {
			return nil, errAt(lineAt(lines, i), "[[package]] without name or version")
		}
		byName[e.Name] = append(byName[e.Name], i)
	}
	// A dependency is "name", "name version" or "name version (source)"; the version is only
	// written when several versions of name are in the lockfile.
	resolve := func(dep string) (string, bool) {
		f := strings.Fields(dep)
		if len(f) == 0 {
			return "", false
		}
		for _, i := range byName[f[0]] {
			e := lock.Package[i]
			if len(f) == 1 || f[1] == e.Version {
				if e.Source == "" {
					return "", false
				}
				return Package{Name: e.Name, Version: e.Version, Ecosystem: CratesIO}.Key(), true
			}
		}
		return "", false
	}
	direct := map[string]bool{}
	var pkgs []Package
	for i, e := range lock.Package {
		if e.Source == "" {
			for _, d := range e.Dependencies {
				if k, ok := resolve(d); ok {
					direct[k] = true
				}
			}
			continue
		}
		p := Package{Name: e.Name, Version: e.Version, Ecosystem: CratesIO}
		p.Location.StartLine = lineAt(lines, i)
		addHash(&p, "sha256", e.Checksum)
		for _, d := range e.Dependencies {
			if k, ok := resolve(d); ok {
				p.DependsOn = append(p.DependsOn, k)
			}
		}
		pkgs = append(pkgs, p)
	}
	for i := range pkgs {
		pkgs[i].Direct = direct[pkgs[i].Key()]
	}
	return pkgs, nil
}
