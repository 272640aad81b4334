package inventory

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"maps"
	"slices"
	"strings"
)

// extractNuGetLock reads packages.lock.json: per target framework, packages typed Direct,
// Transitive or CentralTransitive with their resolved version, content hash and dependencies.
// Project references are the solution's own code and are left out. A package locked for several
// frameworks is reported once.
func extractNuGetLock(_ context.Context, in *input) ([]Package, error) {
	type entry struct {
		Type         string            `json:"type"`
		Resolved     string            `json:"resolved"`
		ContentHash  string            `json:"contentHash"`
		Dependencies map[string]string `json:"dependencies"`
	}
	var lock struct {
		Version      int                         `json:"version"`
		Dependencies map[string]map[string]entry `json:"dependencies"`
	}
	lines, err := decodeJSON(in.data, &lock)
	if err != nil {
		return nil, err
	}
	var pkgs []Package
	for _, fw := range slices.Sorted(maps.Keys(lock.Dependencies)) {
		deps := lock.Dependencies[fw]
		resolved := map[string]string{} // lower-cased name → key, within this framework
		for name, e := range deps {
			resolved[strings.ToLower(name)] = Package{Name: name, Version: e.Resolved, Ecosystem: NuGet}.Key()
		}
		for _, name := range slices.Sorted(maps.Keys(deps)) {
			e := deps[name]
			if strings.EqualFold(e.Type, "Project") {
				continue
			}
			line := lines[jsonPath("dependencies", fw, name)]
			if e.Resolved == "" {
				return nil, errAt(line, "%s (%s) has no resolved version", name, fw)
			}
			p := Package{Name: name, Version: e.Resolved, Ecosystem: NuGet, Direct: strings.EqualFold(e.Type, "Direct")}
			p.Location.StartLine = line
			if raw, err := base64.StdEncoding.DecodeString(e.ContentHash); err == nil && len(raw) == 64 {
				addHash(&p, "sha512", hex.EncodeToString(raw))
			}
			for dep := range e.Dependencies {
				if k, ok := resolved[strings.ToLower(dep)]; ok {
					p.DependsOn = append(p.DependsOn, k)
				}
			}
			pkgs = append(pkgs, p)
		}
	}
	return pkgs, nil
}
