package inventory

import (
	"context"
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/palisade-sec/palisade/internal/inventory/license"
)

type cdxComponent struct {
	BOMRef  string `json:"bom-ref"`
	Name    string `json:"name"`
	Version string `json:"version"`
	PURL    string `json:"purl"`
	Scope   string `json:"scope"`
	Hashes  []struct {
		Alg     string `json:"alg"`
		Content string `json:"content"`
	} `json:"hashes"`
	Licenses []struct {
		License struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"license"`
		Expression string `json:"expression"`
	} `json:"licenses"`
	Components []cdxComponent `json:"components"`
}

// extractCycloneDX reads a CycloneDX JSON SBOM (any 1.x version): every component, nested ones
// included, whose purl names an ecosystem Palisade matches, and the dependency graph. Components
// of other types (OS packages, files) cannot be matched here and are counted in one problem.
func extractCycloneDX(_ context.Context, in *input) ([]Package, error) {
	var bom struct {
		BOMFormat   string `json:"bomFormat"`
		SpecVersion string `json:"specVersion"`
		Metadata    struct {
			Component *cdxComponent `json:"component"`
		} `json:"metadata"`
		Components   []cdxComponent `json:"components"`
		Dependencies []struct {
			Ref       string   `json:"ref"`
			DependsOn []string `json:"dependsOn"`
		} `json:"dependencies"`
	}
	lines, err := decodeJSON(in.data, &bom)
	if err != nil {
		return nil, err
	}
	if bom.BOMFormat != "CycloneDX" {
		if path.Base(in.path) == "bom.json" {
			return nil, errNotMine // some other tool's bom.json
		}
		return nil, fmt.Errorf("bomFormat is %q, not \"CycloneDX\"", clip(bom.BOMFormat))
	}
	byRef := map[string]int{}
	var pkgs []Package
	skipped := 0
	var walk func(list []cdxComponent, at []string)
	walk = func(list []cdxComponent, at []string) {
		for i, c := range list {
			here := append(append([]string(nil), at...), strconv.Itoa(i))
			walk(c.Components, append(here, "components"))
			eco, name, version, err := ParsePURL(c.PURL)
			if err != nil {
				skipped++
				continue
			}
			p := Package{Name: name, Version: cmpOr(version, c.Version), Ecosystem: eco, PURL: c.PURL}
			p.Location.StartLine = lines[jsonPath(here...)]
			for _, h := range c.Hashes {
				addHash(&p, strings.ToLower(strings.ReplaceAll(h.Alg, "-", "")), strings.ToLower(h.Content))
			}
			for _, l := range c.Licenses {
				p.Licenses = append(p.Licenses, license.Declared(cmpOr(l.Expression, cmpOr(l.License.ID, l.License.Name)))...)
			}
			if c.Scope == "optional" {
				setProp(&p, PropScope, ScopeOptional)
			}
			if c.BOMRef != "" {
				byRef[c.BOMRef] = len(pkgs)
			}
			pkgs = append(pkgs, p)
		}
	}
	walk(bom.Components, []string{"components"})
	if skipped > 0 {
		in.problem(in.path, 0, "read CycloneDX: %d components have no purl of a supported ecosystem and were not matched", skipped)
	}
	root := ""
	if bom.Metadata.Component != nil {
		root = bom.Metadata.Component.BOMRef
	}
	sawRoot := false
	for _, d := range bom.Dependencies {
		if d.Ref == root && root != "" {
			sawRoot = true
			for _, t := range d.DependsOn {
				if j, ok := byRef[t]; ok {
					pkgs[j].Direct = true
				}
			}
			continue
		}
		i, ok := byRef[d.Ref]
		if !ok {
			continue
		}
		for _, t := range d.DependsOn {
			if j, ok := byRef[t]; ok {
				pkgs[i].DependsOn = append(pkgs[i].DependsOn, pkgs[j].Key())
			}
		}
	}
	if !sawRoot {
		markUnrequiredDirect(pkgs)
	}
	return pkgs, nil
}

// extractSPDX reads an SPDX 2.x JSON document: packages with a purl external reference of a
// supported ecosystem, their checksums and licences, and DEPENDS_ON / DEPENDENCY_OF relationships;
// what the described root depends on is direct.
func extractSPDX(_ context.Context, in *input) ([]Package, error) {
	var doc struct {
		SPDXVersion       string   `json:"spdxVersion"`
		DocumentDescribes []string `json:"documentDescribes"`
		Packages          []struct {
			SPDXID           string `json:"SPDXID"`
			Name             string `json:"name"`
			VersionInfo      string `json:"versionInfo"`
			LicenseConcluded string `json:"licenseConcluded"`
			LicenseDeclared  string `json:"licenseDeclared"`
			Checksums        []struct {
				Algorithm     string `json:"algorithm"`
				ChecksumValue string `json:"checksumValue"`
			} `json:"checksums"`
			ExternalRefs []struct {
				ReferenceType    string `json:"referenceType"`
				ReferenceLocator string `json:"referenceLocator"`
			} `json:"externalRefs"`
		} `json:"packages"`
		Relationships []struct {
			Element string `json:"spdxElementId"`
			Type    string `json:"relationshipType"`
			Related string `json:"relatedSpdxElement"`
		} `json:"relationships"`
	}
	lines, err := decodeJSON(in.data, &doc)
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(doc.SPDXVersion, "SPDX-2.") {
		return nil, fmt.Errorf("spdxVersion is %q, not SPDX-2.x", clip(doc.SPDXVersion))
	}
	roots := map[string]bool{}
	for _, d := range doc.DocumentDescribes {
		roots[d] = true
	}
	for _, r := range doc.Relationships {
		if r.Type == "DESCRIBES" && r.Element == "SPDXRef-DOCUMENT" {
			roots[r.Related] = true
		}
	}
	byID := map[string]int{}
	var pkgs []Package
	skipped := 0
	for i, sp := range doc.Packages {
		purl := ""
		for _, ref := range sp.ExternalRefs {
			if ref.ReferenceType == "purl" {
				purl = ref.ReferenceLocator
			}
		}
		eco, name, version, err := ParsePURL(purl)
		if err != nil {
			if !roots[sp.SPDXID] {
				skipped++
			}
			continue
		}
		p := Package{Name: name, Version: cmpOr(version, sp.VersionInfo), Ecosystem: eco, PURL: purl}
		p.Location.StartLine = lines[jsonPath("packages", strconv.Itoa(i))]
		for _, c := range sp.Checksums {
			addHash(&p, strings.ToLower(strings.ReplaceAll(c.Algorithm, "-", "")), strings.ToLower(c.ChecksumValue))
		}
		for _, l := range []string{sp.LicenseDeclared, sp.LicenseConcluded} {
			if l != "" && l != "NOASSERTION" && l != "NONE" && len(p.Licenses) == 0 {
				p.Licenses = license.Declared(l)
			}
		}
		byID[sp.SPDXID] = len(pkgs)
		pkgs = append(pkgs, p)
	}
	if skipped > 0 {
		in.problem(in.path, 0, "read SPDX: %d packages have no purl of a supported ecosystem and were not matched", skipped)
	}
	for _, r := range doc.Relationships {
		from, to := r.Element, r.Related
		switch r.Type {
		case "DEPENDS_ON":
		case "DEPENDENCY_OF":
			from, to = to, from
		default:
			continue
		}
		j, ok := byID[to]
		if !ok {
			continue
		}
		if roots[from] {
			pkgs[j].Direct = true
		} else if i, ok := byID[from]; ok {
			pkgs[i].DependsOn = append(pkgs[i].DependsOn, pkgs[j].Key())
		}
	}
	return pkgs, nil
}
