package inventory

import (
	"context"
	"maps"
	"slices"
	"strings"
)

// extractDepsJSON reads a .NET application's NAME.deps.json, written beside it by the SDK: the
// libraries of type "package" (NuGet packages, with their sha512) and "runtimepack" (the runtime a
// self-contained application carries), their dependencies in the runtime target, and as direct
// the packages the application's own project references. Project and reference-assembly
// libraries are the application itself and the framework: left out.
func extractDepsJSON(_ context.Context, in *input) ([]Package, error) {
	type target struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	var doc struct {
		RuntimeTarget struct {
			Name string `json:"name"`
		} `json:"runtimeTarget"`
		Targets   map[string]map[string]target `json:"targets"`
		Libraries map[string]struct {
			Type   string `json:"type"`
			SHA512 string `json:"sha512"`
		} `json:"libraries"`
	}
	lines, err := decodeJSON(withoutBOM(in.data), &doc)
	if err != nil {
		return nil, err
	}
	if doc.Libraries == nil {
		return nil, errAt(1, `no "libraries" object`)
	}
	keyOf := map[string]string{} // lower-cased "Name/Version" → package key
	for id, lib := range doc.Libraries {
		if name, version, ok := splitLibraryID(id); ok && nugetLibrary(lib.Type) {
			keyOf[strings.ToLower(id)] = Package{Name: runtimePackName(name), Version: version, Ecosystem: NuGet}.Key()
		}
	}
	deps := doc.Targets[doc.RuntimeTarget.Name]
	if deps == nil && len(doc.Targets) == 1 {
		for _, t := range doc.Targets {
			deps = t
		}
	}
	direct := map[string]bool{}
	for id, t := range deps {
		if lib, ok := doc.Libraries[id]; ok && strings.EqualFold(lib.Type, "project") {
			for dep, v := range t.Dependencies {
				direct[strings.ToLower(dep+"/"+v)] = true
			}
		}
	}
	var pkgs []Package
	for _, id := range slices.Sorted(maps.Keys(doc.Libraries)) {
		lib := doc.Libraries[id]
		if !nugetLibrary(lib.Type) {
			continue
		}
		line := lines[jsonPath("libraries", id)]
		name, version, ok := splitLibraryID(id)
		if !ok {
			return nil, errAt(line, "library %q is not \"Name/Version\"", clip(id))
		}
		p := Package{Name: runtimePackName(name), Version: version, Ecosystem: NuGet, Direct: direct[strings.ToLower(id)]}
		p.Location.StartLine = line
		hashFromSRI(&p, lib.SHA512)
		for dep, v := range deps[id].Dependencies {
			if k, ok := keyOf[strings.ToLower(dep+"/"+v)]; ok {
				p.DependsOn = append(p.DependsOn, k)
			}
		}
		pkgs = append(pkgs, p)
	}
	return pkgs, nil
}

// nugetLibrary reports whether a deps.json library type is a NuGet package: a "package", or the
// "runtimepack" a self-contained application carries (the .NET runtime itself, published on NuGet
// as Microsoft.NETCore.App.Runtime.RID and advised there).
func nugetLibrary(typ string) bool {
	return strings.EqualFold(typ, "package") || strings.EqualFold(typ, "runtimepack")
}

// runtimePackName is the NuGet name of a runtime pack library ("runtimepack.Microsoft.NETCore.App.Runtime.linux-x64").
func runtimePackName(name string) string {
	if rest, ok := strings.CutPrefix(name, "runtimepack."); ok && rest != "" {
		return rest
	}
	return name
}

// splitLibraryID splits a deps.json library ID, "Name/Version".
func splitLibraryID(id string) (string, string, bool) {
	name, version, ok := strings.Cut(id, "/")
	if !ok || name == "" || version == "" || strings.Contains(version, "/") {
		return "", "", false
	}
	return name, version, true
}
