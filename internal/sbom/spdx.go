package sbom

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/palisade-sec/palisade/internal/inventory"
	"github.com/palisade-sec/palisade/internal/inventory/license"
)

type spdxDocument struct {
	SPDXVersion       string                 `json:"spdxVersion"`
	DataLicense       string                 `json:"dataLicense"`
	SPDXID            string                 `json:"SPDXID"`
	Name              string                 `json:"name"`
	DocumentNamespace string                 `json:"documentNamespace"`
	CreationInfo      spdxCreationInfo       `json:"creationInfo"`
	Packages          []spdxPackage          `json:"packages"`
	Relationships     []spdxRelationship     `json:"relationships"`
	Extracted         []spdxExtractedLicense `json:"hasExtractedLicensingInfos,omitempty"`
}

type spdxCreationInfo struct {
	Created  string   `json:"created"`
	Creators []string `json:"creators"`
}

type spdxPackage struct {
	SPDXID           string            `json:"SPDXID"`
	Name             string            `json:"name"`
	VersionInfo      string            `json:"versionInfo,omitempty"`
	DownloadLocation string            `json:"downloadLocation"`
	FilesAnalyzed    bool              `json:"filesAnalyzed"`
	Checksums        []spdxChecksum    `json:"checksums,omitempty"`
	LicenseConcluded string            `json:"licenseConcluded"`
	LicenseDeclared  string            `json:"licenseDeclared"`
	CopyrightText    string            `json:"copyrightText"`
	SourceInfo       string            `json:"sourceInfo,omitempty"`
	Comment          string            `json:"comment,omitempty"`
	ExternalRefs     []spdxExternalRef `json:"externalRefs,omitempty"`
	PrimaryPurpose   string            `json:"primaryPackagePurpose"`
}

type spdxChecksum struct {
	Algorithm string `json:"algorithm"`
	Value     string `json:"checksumValue"`
}

type spdxExternalRef struct {
	Category string `json:"referenceCategory"`
	Type     string `json:"referenceType"`
	Locator  string `json:"referenceLocator"`
}

type spdxRelationship struct {
	Element string `json:"spdxElementId"`
	Type    string `json:"relationshipType"`
	Related string `json:"relatedSpdxElement"`
}

type spdxExtractedLicense struct {
	LicenseID string `json:"licenseId"`
	Text      string `json:"extractedText"`
	Name      string `json:"name"`
}

// spdxHashAlg maps an inventory hash name to SPDX's checksum algorithm.
func spdxHashAlg(alg string) (string, bool) {
	switch alg {
	case "sha1", "sha256", "sha384", "sha512":
		return strings.ToUpper(alg), true
	}
	return "", false
}

// spdxIDUnsafe matches what an SPDX identifier may not contain.
var spdxIDUnsafe = regexp.MustCompile(`[^A-Za-z0-9.-]+`)

// spdxIDPart turns s into characters an SPDX identifier allows, one "-" for each run of others.
func spdxIDPart(s string) string {
	s = spdxIDUnsafe.ReplaceAllString(s, "-")
	for strings.Contains(s, "--") {
		s = strings.ReplaceAll(s, "--", "-")
	}
	return strings.Trim(s, "-")
}

const spdxRootID = "SPDXRef-Target"

// WriteSPDX writes an SPDX 2.3 JSON document: the document DESCRIBES the target package, which
// DEPENDS_ON the direct packages, each of which DEPENDS_ON what it requires. Licences that are
// not SPDX expressions are carried as LicenseRef- entries with the declared text.
func WriteSPDX(w io.Writer, pkgs []inventory.Package, opts Options) error {
	entries := merge(pkgs)
	target := opts.target()
	doc := spdxDocument{
		SPDXVersion: "SPDX-2.3", DataLicense: "CC0-1.0", SPDXID: "SPDXRef-DOCUMENT", Name: target,
		DocumentNamespace: "https://spdx.org/spdxdocs/palisade/" + cmp.Or(spdxIDPart(target), "target") + "-" + opts.uuid(),
		CreationInfo: spdxCreationInfo{
			Created:  opts.now().Format("2006-01-02T15:04:05Z"),
			Creators: []string{"Tool: palisade-" + opts.toolVersion()},
		},
		Packages: []spdxPackage{{
			SPDXID: spdxRootID, Name: target, DownloadLocation: "NOASSERTION",
			LicenseConcluded: "NOASSERTION", LicenseDeclared: "NOASSERTION", CopyrightText: "NOASSERTION",
			PrimaryPurpose: "APPLICATION",
		}},
		Relationships: []spdxRelationship{{Element: "SPDXRef-DOCUMENT", Type: "DESCRIBES", Related: spdxRootID}},
	}
	ids := make(map[string]string, len(entries))
	used := map[string]bool{spdxRootID: true}
	for _, e := range entries {
		base := "SPDXRef-Package-" + spdxIDPart(e.Ecosystem+"-"+e.Name+"-"+e.Version)
		id := base
		for n := 2; used[id]; n++ {
			id = fmt.Sprintf("%s-%d", base, n)
		}
		used[id] = true
		ids[e.Key()] = id
	}
	refs := map[string]string{} // LicenseRef id → declared text
	for _, e := range entries {
		doc.Packages = append(doc.Packages, spdxPackageOf(e, ids[e.Key()], refs))
		if e.Direct {
			doc.Relationships = append(doc.Relationships, spdxRelationship{Element: spdxRootID, Type: "DEPENDS_ON", Related: ids[e.Key()]})
		}
	}
	for _, e := range entries {
		for _, d := range e.DependsOn {
			if to, ok := ids[d]; ok {
				doc.Relationships = append(doc.Relationships, spdxRelationship{Element: ids[e.Key()], Type: "DEPENDS_ON", Related: to})
			}
		}
	}
	for _, id := range slices.Sorted(maps.Keys(refs)) {
		doc.Extracted = append(doc.Extracted, spdxExtractedLicense{LicenseID: id, Text: refs[id], Name: refs[id]})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write SPDX: %w", err)
	}
	return nil
}

func spdxPackageOf(e *entry, id string, refs map[string]string) spdxPackage {
	p := spdxPackage{
		SPDXID: id, Name: e.Name, VersionInfo: e.Version, DownloadLocation: "NOASSERTION",
		LicenseConcluded: "NOASSERTION", LicenseDeclared: spdxLicense(e.Licenses, refs), CopyrightText: "NOASSERTION",
		PrimaryPurpose: "LIBRARY",
	}
	if len(e.locations) > 0 {
		p.SourceInfo = "found in " + strings.Join(e.locations, ", ")
	}
	// SPDX 2.3 has no field for a container layer; the package comment is the free-text place
	// for it (an annotation would need an annotator and a date that say nothing more).
	var layers []string
	for _, l := range e.layers {
		layers = append(layers, layerText(l))
	}
	if len(layers) > 0 {
		p.Comment = "from image " + strings.Join(layers, ", ")
	}
	for _, alg := range slices.Sorted(maps.Keys(e.Hashes)) {
		if name, ok := spdxHashAlg(alg); ok && hexHash(alg, e.Hashes[alg]) {
			p.Checksums = append(p.Checksums, spdxChecksum{Algorithm: name, Value: e.Hashes[alg]})
		}
	}
	if e.PURL != "" {
		p.ExternalRefs = []spdxExternalRef{{Category: "PACKAGE-MANAGER", Type: "purl", Locator: e.PURL}}
	}
	return p
}

// spdxLicense joins a package's licences into one SPDX expression (AND: the package states all of
// them), turning each licence that is not an SPDX expression into a LicenseRef.
func spdxLicense(lics []string, refs map[string]string) string {
	if len(lics) == 0 {
		return "NOASSERTION"
	}
	var parts []string
	for _, l := range lics {
		norm, ok := license.Normalize(l)
		if !ok {
			if rest, isRef := strings.CutPrefix(l, "LicenseRef-"); isRef && rest != "" && !spdxIDUnsafe.MatchString(rest) {
				norm = l
			} else {
				norm = "LicenseRef-" + cmp.Or(spdxIDPart(l), "unnamed")
			}
			refs[norm] = l
		}
		if len(lics) > 1 && strings.Contains(norm, " ") {
			norm = "(" + norm + ")"
		}
		parts = append(parts, norm)
	}
	return strings.Join(parts, " AND ")
}
