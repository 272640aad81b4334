package sbom

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/palisade-sec/palisade/internal/inventory"
	"github.com/palisade-sec/palisade/internal/inventory/license"
)

type cdxBOM struct {
	Schema       string          `json:"$schema"`
	BOMFormat    string          `json:"bomFormat"`
	SpecVersion  string          `json:"specVersion"`
	SerialNumber string          `json:"serialNumber"`
	Version      int             `json:"version"`
	Metadata     cdxMetadata     `json:"metadata"`
	Components   []cdxComponent  `json:"components"`
	Dependencies []cdxDependency `json:"dependencies"`
}

type cdxMetadata struct {
	Timestamp string       `json:"timestamp"`
	Tools     cdxTools     `json:"tools"`
	Component cdxComponent `json:"component"`
}

type cdxTools struct {
	Components []cdxComponent `json:"components"`
}

type cdxComponent struct {
	Type       string        `json:"type"`
	BOMRef     string        `json:"bom-ref,omitempty"`
	Group      string        `json:"group,omitempty"`
	Name       string        `json:"name"`
	Version    string        `json:"version,omitempty"`
	Scope      string        `json:"scope,omitempty"`
	Hashes     []cdxHash     `json:"hashes,omitempty"`
	Licenses   []cdxLicense  `json:"licenses,omitempty"`
	PURL       string        `json:"purl,omitempty"`
	Properties []cdxProperty `json:"properties,omitempty"`
}

type cdxHash struct {
	Alg     string `json:"alg"`
	Content string `json:"content"`
}

type cdxLicense struct {
	License    *cdxLicenseID `json:"license,omitempty"`
	Expression string        `json:"expression,omitempty"`
}

type cdxLicenseID struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

type cdxProperty struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type cdxDependency struct {
	Ref       string   `json:"ref"`
	DependsOn []string `json:"dependsOn"`
}

// cdxHashAlg maps an inventory hash name to CycloneDX's; others (Go's h1) are not file digests.
func cdxHashAlg(alg string) (string, bool) {
	switch alg {
	case "sha1", "sha256", "sha384", "sha512":
		return "SHA-" + alg[3:], true
	}
	return "", false
}

// rootRef is the bom-ref of the target itself.
const rootRef = "palisade:target"

// WriteCycloneDX writes a CycloneDX 1.6 JSON BOM: the target as metadata.component, one library
// component per package (bom-ref = purl), and dependencies[] from the target to the direct
// packages and from each package to what it is known to depend on.
func WriteCycloneDX(w io.Writer, pkgs []inventory.Package, opts Options) error {
	entries := merge(pkgs)
	refs := make(map[string]string, len(entries)) // Key → bom-ref
	used := map[string]bool{rootRef: true}
	for _, e := range entries {
		ref := e.PURL
		if ref == "" || used[ref] {
			ref = e.Key()
		}
		used[ref] = true
		refs[e.Key()] = ref
	}
	bom := cdxBOM{
		Schema: "http://cyclonedx.org/schema/bom-1.6.schema.json", BOMFormat: "CycloneDX", SpecVersion: "1.6",
		SerialNumber: "urn:uuid:" + opts.uuid(), Version: 1,
		Metadata: cdxMetadata{
			Timestamp: opts.now().Format("2006-01-02T15:04:05Z"),
			Tools:     cdxTools{Components: []cdxComponent{{Type: "application", Name: "palisade", Version: opts.toolVersion()}}},
			Component: cdxComponent{Type: "application", BOMRef: rootRef, Name: opts.target()},
		},
		Components:   []cdxComponent{},
		Dependencies: []cdxDependency{},
	}
	root := cdxDependency{Ref: rootRef, DependsOn: []string{}}
	for _, e := range entries {
		bom.Components = append(bom.Components, cdxComponentOf(e, refs[e.Key()]))
		dep := cdxDependency{Ref: refs[e.Key()], DependsOn: []string{}}
		for _, d := range e.DependsOn {
			if r, ok := refs[d]; ok {
				dep.DependsOn = append(dep.DependsOn, r)
			}
		}
		// An empty dependsOn would claim the package has no dependencies; many sources (go.mod,
		// gradle.lockfile, binaries) simply do not say, so only known edges are written.
		if len(dep.DependsOn) > 0 {
			bom.Dependencies = append(bom.Dependencies, dep)
		}
		if e.Direct {
			root.DependsOn = append(root.DependsOn, refs[e.Key()])
		}
	}
	bom.Dependencies = append([]cdxDependency{root}, bom.Dependencies...)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(bom); err != nil {
		return fmt.Errorf("write CycloneDX: %w", err)
	}
	return nil
}

func cdxComponentOf(e *entry, ref string) cdxComponent {
	c := cdxComponent{Type: "library", BOMRef: ref, Name: e.Name, Version: e.Version, PURL: e.PURL}
	if e.Ecosystem == inventory.Maven {
		if g, a, ok := strings.Cut(e.Name, ":"); ok {
			c.Group, c.Name = g, a
		}
	}
	switch e.Properties[inventory.PropScope] {
	case inventory.ScopeDev:
		c.Scope = "excluded" // CycloneDX's word for test and build-only use
	case inventory.ScopeOptional:
		c.Scope = "optional"
	}
	for _, alg := range slices.Sorted(maps.Keys(e.Hashes)) {
		if name, ok := cdxHashAlg(alg); ok && hexHash(alg, e.Hashes[alg]) {
			c.Hashes = append(c.Hashes, cdxHash{Alg: name, Content: e.Hashes[alg]})
		}
	}
	c.Licenses = cdxLicenses(e.Licenses)
	c.Properties = append(c.Properties, cdxProperty{Name: "palisade:ecosystem", Value: e.Ecosystem})
	c.Properties = append(c.Properties, cdxProperty{Name: "palisade:direct", Value: fmt.Sprint(e.Direct)})
	for _, l := range e.locations {
		c.Properties = append(c.Properties, cdxProperty{Name: "palisade:location", Value: l})
	}
	for _, k := range slices.Sorted(maps.Keys(e.Properties)) {
		c.Properties = append(c.Properties, cdxProperty{Name: "palisade:" + k, Value: e.Properties[k]})
	}
	// In an image, the layer of each copy: properties in Palisade's namespace, the place
	// CycloneDX 1.6 gives tool-specific facts (its evidence has no field for a layer).
	for _, l := range e.layers {
		c.Properties = append(c.Properties,
			cdxProperty{Name: "palisade:layer:index", Value: fmt.Sprint(l.Index)},
			cdxProperty{Name: "palisade:layer:digest", Value: cmp.Or(l.Digest, l.DiffID)},
			cdxProperty{Name: "palisade:layer:base", Value: fmt.Sprint(l.Base)})
		if l.CreatedBy != "" {
			c.Properties = append(c.Properties, cdxProperty{Name: "palisade:layer:createdBy", Value: l.CreatedBy})
		}
	}
	return c
}

// cdxLicenses renders licences the way CycloneDX 1.6 allows: a list of licence objects (an SPDX
// id when known, else a name), or exactly one expression.
func cdxLicenses(lics []string) []cdxLicense {
	if len(lics) == 0 {
		return nil
	}
	if len(lics) == 1 && isExpression(lics[0]) {
		return []cdxLicense{{Expression: lics[0]}}
	}
	var out []cdxLicense
	for _, l := range lics {
		if license.IsKnown(l) {
			out = append(out, cdxLicense{License: &cdxLicenseID{ID: l}})
		} else {
			out = append(out, cdxLicense{License: &cdxLicenseID{Name: l}})
		}
	}
	return out
}

// isExpression reports whether s is an SPDX expression of known licences joined by operators.
func isExpression(s string) bool {
	if !strings.ContainsAny(s, " ()") {
		return false
	}
	norm, ok := license.Normalize(s)
	return ok && norm == s
}
