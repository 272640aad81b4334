package inventory

import (
	"context"
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/palisade-sec/palisade/internal/finding"
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

// cdxCollector gathers the packages of a CycloneDX component tree.
type cdxCollector struct {
	lines   map[pathKey]int
	pkgs    []Package
	byRef   map[string]int // bom-ref → index in pkgs
	skipped int
	// unmatchable counts OS components listed but not matchable (no distro release in the purl).
	unmatchable int
}

// collect adds the components of list, and those nested in them; at is list's JSON path.
func (c *cdxCollector) collect(list []cdxComponent, at []string) {
	for i, comp := range list {
		here := append(append([]string(nil), at...), strconv.Itoa(i))
		c.collect(comp.Components, append(here, "components"))
		p, unmatchable, err := purlPackage(comp.PURL)
		if err != nil {
			c.skipped++
			continue
		}
		if unmatchable != "" {
			c.unmatchable++
		}
		p.Version = cmpOr(p.Version, comp.Version)
		p.Location.StartLine = c.lines[jsonPath(here...)]
		for _, h := range comp.Hashes {
			addHash(&p, strings.ToLower(strings.ReplaceAll(h.Alg, "-", "")), strings.ToLower(h.Content))
		}
		for _, l := range comp.Licenses {
			p.Licenses = append(p.Licenses, license.Declared(cmpOr(l.Expression, cmpOr(l.License.ID, l.License.Name)))...)
		}
		switch comp.Scope {
		case "optional":
			setProp(&p, PropScope, ScopeOptional)
		case "excluded":
			setProp(&p, PropScope, ScopeDev)
		}
		if comp.BOMRef != "" {
			c.byRef[comp.BOMRef] = len(c.pkgs)
		}
		c.pkgs = append(c.pkgs, p)
	}
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
	c := &cdxCollector{lines: lines, byRef: map[string]int{}}
	c.collect(bom.Components, []string{"components"})
	if c.unmatchable > 0 {
		in.problem(finding.ProblemUnmatched, in.path, 0, "read CycloneDX: %d OS components are listed but cannot be matched: their purl's distro qualifier names no release of a distribution with OSV data", c.unmatchable)
	}
	if c.skipped > 0 {
		in.problem(finding.ProblemUnmatched, in.path, 0, "read CycloneDX: %d components have no purl of a supported ecosystem and were not matched", c.skipped)
	}
	pkgs, byRef := c.pkgs, c.byRef
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

type spdxInPackage struct {
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
}

// spdxInputPackage turns an SPDX package with a purl of a supported ecosystem into a Package.
func spdxInputPackage(sp spdxInPackage) (Package, bool) {
	purl := ""
	for _, ref := range sp.ExternalRefs {
		if ref.ReferenceType == "purl" {
			purl = ref.ReferenceLocator
		}
	}
	p, unmatchable, err := purlPackage(purl)
	if err != nil || unmatchable != "" {
		// An SPDX package of an OS without a matchable release is counted with the unmatched.
		return Package{}, false
	}
	p.Version = cmpOr(p.Version, sp.VersionInfo)
	for _, c := range sp.Checksums {
		addHash(&p, strings.ToLower(strings.ReplaceAll(c.Algorithm, "-", "")), strings.ToLower(c.ChecksumValue))
	}
	for _, l := range []string{sp.LicenseDeclared, sp.LicenseConcluded} {
		if l != "" && l != "NOASSERTION" && l != "NONE" && len(p.Licenses) == 0 {
			p.Licenses = license.Declared(l)
		}
	}
	return p, true
}

// extractSPDX reads an SPDX 2.x JSON document: packages with a purl external reference of a
// supported ecosystem, their checksums and licences, and DEPENDS_ON / DEPENDENCY_OF relationships;
// what the described root depends on is direct.
func extractSPDX(_ context.Context, in *input) ([]Package, error) {
	var doc struct {
		SPDXVersion       string          `json:"spdxVersion"`
		DocumentDescribes []string        `json:"documentDescribes"`
		Packages          []spdxInPackage `json:"packages"`
		Relationships     []struct {
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
		p, ok := spdxInputPackage(sp)
		if !ok {
			if !roots[sp.SPDXID] {
				skipped++
			}
			continue
		}
		p.Location.StartLine = lines[jsonPath("packages", strconv.Itoa(i))]
		byID[sp.SPDXID] = len(pkgs)
		pkgs = append(pkgs, p)
	}
	if skipped > 0 {
		in.problem(finding.ProblemUnmatched, in.path, 0, "read SPDX: %d packages have no purl of a supported ecosystem and were not matched", skipped)
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
