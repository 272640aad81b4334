package inventory

import (
	"context"
	"maps"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// pnpmDeps is an importer's dependency list: name → {specifier, version} in lockfile v6 and v9,
// name → version in v5.
type pnpmDeps map[string]yaml.Node

func (d pnpmDeps) versions() map[string]string {
	out := map[string]string{}
	for name, n := range d {
		switch n.Kind {
		case yaml.ScalarNode:
			out[name] = n.Value
		case yaml.MappingNode:
			var v struct {
				Version string `yaml:"version"`
			}
			if n.Decode(&v) == nil {
				out[name] = v.Version
			}
		}
	}
	return out
}

type pnpmImporter struct {
	Dependencies         pnpmDeps `yaml:"dependencies"`
	DevDependencies      pnpmDeps `yaml:"devDependencies"`
	OptionalDependencies pnpmDeps `yaml:"optionalDependencies"`
}

type pnpmPackage struct {
	Resolution struct {
		Integrity string `yaml:"integrity"`
	} `yaml:"resolution"`
	Name                 string            `yaml:"name"`
	Version              string            `yaml:"version"`
	Dependencies         map[string]string `yaml:"dependencies"`
	OptionalDependencies map[string]string `yaml:"optionalDependencies"`
	Dev                  *bool             `yaml:"dev"`
	Optional             bool              `yaml:"optional"`
}

// extractPnpmLock reads pnpm-lock.yaml, lockfile versions 5 to 9: the importers say what is
// direct; "packages" (v5/v6) or "snapshots" (v9) give each package's dependencies.
func extractPnpmLock(ctx context.Context, in *input) ([]Package, error) {
	root, err := yamlRoot(in.data)
	if err != nil {
		return nil, err
	}
	var top struct {
		pnpmImporter `yaml:",inline"`
		Importers    map[string]pnpmImporter `yaml:"importers"`
	}
	if err := root.Decode(&top); err != nil {
		return nil, yamlErr(err)
	}
	direct := pnpmDirect(top.pnpmImporter, top.Importers)
	snapDeps, err := pnpmSnapshotDeps(root)
	if err != nil {
		return nil, err
	}
	pkgsNode := yamlChild(root, "packages")
	if pkgsNode == nil {
		return nil, nil
	}
	if pkgsNode.Kind != yaml.MappingNode {
		return nil, errAt(pkgsNode.Line, "\"packages\" is not a mapping")
	}
	var pkgs []Package
	flagged := false // whether the lockfile marks dev packages itself (versions 5 and 6)
	for i := 0; i+1 < len(pkgsNode.Content); i += 2 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		k, v := pkgsNode.Content[i], pkgsNode.Content[i+1]
		var e pnpmPackage
		if err := v.Decode(&e); err != nil {
			return nil, errAt(v.Line, "package %q: %v", clip(k.Value), err)
		}
		name, version, ok := pnpmParseKey(k.Value)
		if e.Name != "" && e.Version != "" {
			name, version, ok = e.Name, e.Version, true
		}
		if !ok {
			return nil, errAt(k.Line, "package key %q names no version", clip(k.Value))
		}
		p := Package{Name: name, Version: version, Ecosystem: NPM}
		p.Location.StartLine = k.Line
		hashFromSRI(&p, e.Resolution.Integrity)
		deps := []map[string]string{e.Dependencies, e.OptionalDependencies}
		// v9 moved dependencies to "snapshots", one per peer-resolved variant of the package.
		deps = append(deps, snapDeps[name+"@"+version]...)
		for _, m := range deps {
			for dn, dv := range m {
				if dk, ok := pnpmDepKey(dn, dv); ok {
					p.DependsOn = append(p.DependsOn, dk)
				}
			}
		}
		scope, isDirect := direct[p.Key()]
		p.Direct = isDirect
		switch {
		case e.Dev != nil && *e.Dev, isDirect && scope == ScopeDev:
			setProp(&p, PropScope, ScopeDev)
		case e.Optional, isDirect && scope == ScopeOptional:
			setProp(&p, PropScope, ScopeOptional)
		}
		pkgs = append(pkgs, p)
		flagged = flagged || e.Dev != nil
	}
	if !flagged { // lockfile 9 dropped the per-package dev flag: derive it from the graph
		var prod, dev []string
		for k, scope := range direct {
			if scope == ScopeDev {
				dev = append(dev, k)
			} else {
				prod = append(prod, k)
			}
		}
		markDevOnly(pkgs, prod, dev)
	}
	return pkgs, nil
}

// pnpmDirect maps the key of every package an importer (the root, or a workspace package in
// "importers") lists to its strongest scope: runtime over optional over dev.
func pnpmDirect(rootImporter pnpmImporter, importers map[string]pnpmImporter) map[string]string {
	all := []pnpmImporter{rootImporter}
	for _, name := range slices.Sorted(maps.Keys(importers)) {
		all = append(all, importers[name])
	}
	direct := map[string]string{}
	for _, imp := range all {
		for _, list := range []struct {
			scope string
			deps  pnpmDeps
		}{{"", imp.Dependencies}, {ScopeOptional, imp.OptionalDependencies}, {ScopeDev, imp.DevDependencies}} {
			for name, v := range list.deps.versions() {
				k, ok := pnpmDepKey(name, v)
				if !ok {
					continue
				}
				if old, seen := direct[k]; !seen || scopeRank(list.scope) > scopeRank(old) {
					direct[k] = list.scope
				}
			}
		}
	}
	return direct
}

// scopeRank orders scopes by how much a package is needed: runtime, optional, dev.
func scopeRank(scope string) int {
	switch scope {
	case "":
		return 2
	case ScopeOptional:
		return 1
	}
	return 0
}

// pnpmSnapshotDeps reads lockfile v9's "snapshots": the dependencies of each peer-resolved
// variant of a package, keyed by "name@version".
func pnpmSnapshotDeps(root *yaml.Node) (map[string][]map[string]string, error) {
	n := yamlChild(root, "snapshots")
	if n == nil {
		return nil, nil
	}
	snapshots := map[string]pnpmPackage{}
	if err := n.Decode(&snapshots); err != nil {
		return nil, yamlErr(err)
	}
	out := map[string][]map[string]string{}
	for sk, s := range snapshots {
		if sn, sv, ok := pnpmParseKey(sk); ok {
			k := sn + "@" + sv
			out[k] = append(out[k], s.Dependencies, s.OptionalDependencies)
		}
	}
	return out, nil
}

// pnpmParseKey splits a packages key into name and version: "/@s/a@1.0.0(peer@2)" (v6),
// "@s/a@1.0.0" (v9), "/@s/a/1.0.0_peer@2" (v5).
func pnpmParseKey(key string) (name, version string, ok bool) {
	key = strings.TrimPrefix(key, "/")
	if i := strings.Index(key, "("); i >= 0 {
		key = key[:i]
	}
	if i := strings.Index(key[min(1, len(key)):], "@"); i >= 0 {
		name, version = key[:i+1], key[i+2:]
		return name, version, name != "" && version != ""
	}
	i := strings.LastIndex(key, "/")
	if i <= 0 {
		return "", "", false
	}
	name, version = key[:i], key[i+1:]
	if j := strings.Index(version, "_"); j >= 0 {
		version = version[:j]
	}
	return name, version, version != ""
}

// pnpmDepKey is the Package.Key a dependency entry "name: version" points at; local links have
// none.
func pnpmDepKey(name, v string) (string, bool) {
	if v == "" || strings.HasPrefix(v, "link:") || strings.HasPrefix(v, "file:") || strings.HasPrefix(v, "workspace:") {
		return "", false
	}
	if i := strings.Index(v, "("); i >= 0 {
		v = v[:i]
	}
	at := strings.Index(v[min(1, len(v)):], "@") + 1
	if under := strings.Index(v, "_"); under >= 0 && (at == 0 || under < at) {
		v, at = v[:under], 0 // v5's peer suffix: "1.0.0_react@18.2.0"
	}
	if strings.HasPrefix(v, "/") || at > 0 {
		n, ver, ok := pnpmParseKey(v) // an alias: "/real-name@1.0.0" or "real-name@1.0.0"
		if !ok {
			return "", false
		}
		return Package{Name: n, Version: ver, Ecosystem: NPM}.Key(), true
	}
	return Package{Name: name, Version: v, Ecosystem: NPM}.Key(), true
}

// yamlChild is the value of key in a mapping node, or nil.
func yamlChild(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}
