package inventory

import (
	"context"
	"errors"
	"io/fs"
	"strconv"
	"strings"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/inventory/license"
)

// extractComposerLock reads composer.lock: "packages" and "packages-dev" with their declared
// licences and requirements; composer.json beside it says what is direct.
func extractComposerLock(_ context.Context, in *input) ([]Package, error) {
	type entry struct {
		Name    string            `json:"name"`
		Version string            `json:"version"`
		License []string          `json:"license"`
		Require map[string]string `json:"require"`
		Dist    struct {
			Shasum string `json:"shasum"`
		} `json:"dist"`
	}
	var lock struct {
		Packages    []entry `json:"packages"`
		PackagesDev []entry `json:"packages-dev"`
	}
	lines, err := decodeJSON(in.data, &lock)
	if err != nil {
		return nil, err
	}
	keys := map[string]string{}
	for _, e := range append(append([]entry(nil), lock.Packages...), lock.PackagesDev...) {
		keys[strings.ToLower(e.Name)] = Package{Name: e.Name, Version: composerVersion(e.Version), Ecosystem: Packagist}.Key()
	}
	var pkgs []Package
	for _, sec := range []struct {
		name    string
		entries []entry
	}{{"packages", lock.Packages}, {"packages-dev", lock.PackagesDev}} {
		for i, e := range sec.entries {
			line := lines[jsonPath(sec.name, strconv.Itoa(i))]
			if e.Name == "" || e.Version == "" {
				return nil, errAt(line, "%s[%d] without name or version", sec.name, i)
			}
			p := Package{Name: e.Name, Version: composerVersion(e.Version), Ecosystem: Packagist}
			p.Location.StartLine = line
			for _, l := range e.License {
				p.Licenses = append(p.Licenses, license.Declared(l)...)
			}
			if sec.name == "packages-dev" {
				setProp(&p, PropScope, ScopeDev)
			}
			addHash(&p, "sha1", e.Dist.Shasum)
			for dep := range e.Require {
				if k, ok := keys[strings.ToLower(dep)]; ok {
					p.DependsOn = append(p.DependsOn, k)
				}
			}
			pkgs = append(pkgs, p)
		}
	}
	p, data, err := in.sibling("composer.json")
	switch {
	case err == nil:
		var m struct {
			Require    map[string]string `json:"require"`
			RequireDev map[string]string `json:"require-dev"`
		}
		if _, err := decodeJSON(data, &m); err != nil {
			in.problem(finding.ProblemParse, p, lineOf(err), "parse composer.json: %v", err)
			markUnrequiredDirect(pkgs)
			break
		}
		for i := range pkgs {
			_, a := m.Require[pkgs[i].Name]
			_, b := m.RequireDev[pkgs[i].Name]
			pkgs[i].Direct = a || b
		}
	case errors.Is(err, fs.ErrNotExist):
		markUnrequiredDirect(pkgs)
	default:
		in.problem(readKind(err), p, 0, "read composer.json: %v", err)
		markUnrequiredDirect(pkgs)
	}
	return pkgs, nil
}

// composerVersion drops the "v" many Packagist tags carry ("v5.4.2"), as the OSV Packagist
// ecosystem writes versions without it.
func composerVersion(v string) string {
	if len(v) > 1 && (v[0] == 'v' || v[0] == 'V') && v[1] >= '0' && v[1] <= '9' {
		return v[1:]
	}
	return v
}
