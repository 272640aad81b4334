package inventory

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/palisade-sec/palisade/internal/inventory/license"
)

// composerInstalled is one package of vendor/composer/installed.json.
type composerInstalled struct {
	Name    string            `json:"name"`
	Version string            `json:"version"`
	License json.RawMessage   `json:"license"`
	Require map[string]string `json:"require"`
	Dist    struct {
		Shasum string `json:"shasum"`
	} `json:"dist"`
}

// extractComposerInstalled reads vendor/composer/installed.json, what Composer installed: the
// Composer 1 form (an array of packages) and the Composer 2 form ({"packages": [...],
// "dev-package-names": [...]}). Installed packages do not say which the project requires itself,
// so a package no other one requires is taken as direct.
func extractComposerInstalled(_ context.Context, in *input) ([]Package, error) {
	var entries []composerInstalled
	var devNames []string
	prefix := []string{}
	var lines map[pathKey]int
	var err error
	if t := bytes.TrimLeft(withoutBOM(in.data), " \t\r\n"); len(t) > 0 && t[0] == '[' {
		lines, err = decodeJSON(withoutBOM(in.data), &entries)
	} else {
		var v2 struct {
			Packages        *[]composerInstalled `json:"packages"`
			DevPackageNames []string             `json:"dev-package-names"`
		}
		lines, err = decodeJSON(withoutBOM(in.data), &v2)
		if err == nil && v2.Packages == nil {
			return nil, errAt(1, `neither an array of packages nor an object with "packages"`)
		}
		if v2.Packages != nil {
			entries, devNames, prefix = *v2.Packages, v2.DevPackageNames, []string{"packages"}
		}
	}
	if err != nil {
		return nil, err
	}
	dev := map[string]bool{}
	for _, n := range devNames {
		dev[strings.ToLower(n)] = true
	}
	keys := map[string]string{}
	for _, e := range entries {
		keys[strings.ToLower(e.Name)] = Package{Name: e.Name, Version: composerVersion(e.Version), Ecosystem: Packagist}.Key()
	}
	pkgs := make([]Package, 0, len(entries))
	for i, e := range entries {
		line := lines[jsonPath(append(prefix, strconv.Itoa(i))...)]
		if e.Name == "" || e.Version == "" {
			return nil, errAt(line, "package %d without name or version", i)
		}
		p := Package{Name: e.Name, Version: composerVersion(e.Version), Ecosystem: Packagist}
		p.Location.StartLine = line
		p.Licenses = composerLicense(e.License)
		if dev[strings.ToLower(e.Name)] {
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
	markUnrequiredDirect(pkgs)
	return pkgs, nil
}

// composerLicense reads "license": an array of SPDX identifiers, or (in old packages) one string.
func composerLicense(raw json.RawMessage) []string {
	var list []string
	if json.Unmarshal(raw, &list) != nil {
		var one string
		if json.Unmarshal(raw, &one) != nil {
			return nil
		}
		list = []string{one}
	}
	var out []string
	for _, l := range list {
		out = append(out, license.Declared(l)...)
	}
	return out
}
