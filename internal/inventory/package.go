// Package inventory is the software a target is made of: the packages that lockfiles, manifests,
// compiled binaries and SBOMs declare, each with the file and line it came from. The dependency
// scanner matches it against the vulnerability database, and the SBOM writers render it.
package inventory

import "github.com/palisade-sec/palisade/internal/finding"

// The ecosystems, spelled as the OSV schema spells them so they can be matched without mapping.
const (
	Go        = "Go"
	NPM       = "npm"
	PyPI      = "PyPI"
	CratesIO  = "crates.io"
	Maven     = "Maven"
	RubyGems  = "RubyGems"
	Packagist = "Packagist"
	NuGet     = "NuGet"
)

// Package is one resolved package version a target depends on.
type Package struct {
	Name      string `json:"name"`
	Version   string `json:"version"`
	Ecosystem string `json:"ecosystem"`
	PURL      string `json:"purl,omitempty"`
	// Location is the lockfile, manifest or binary that declared the package, with the line of its
	// entry where the format has lines.
	Location finding.Location `json:"location"`
	// Direct is true when the scanned project itself requires the package, false when it is only
	// pulled in by another package.
	Direct bool `json:"direct"`
	// DependsOn names the packages this one requires, as their Key values, where the source says so.
	DependsOn []string `json:"dependsOn,omitempty"`
	// Licenses are SPDX license identifiers or expressions, where local metadata states them.
	Licenses []string `json:"licenses,omitempty"`
	// Hashes maps an algorithm ("sha256", "sha512", "h1") to the integrity value the lockfile records.
	Hashes map[string]string `json:"hashes,omitempty"`
	// Source and SourceVersion name the source package an OS package was built from, and its
	// version, where the package database records them (dpkg's Source, apk's origin, rpm's
	// SOURCERPM). Distro advisories (Debian, Ubuntu, Alpine) are keyed by source package, so the
	// matcher looks these up instead of Name and Version; empty for language packages.
	Source        string `json:"source,omitempty"`
	SourceVersion string `json:"sourceVersion,omitempty"`
	// Properties carry what a format says about a package beyond the fields above, under the Prop*
	// keys (properties.go): where a Go stdlib version came from, a dev-only scope, a replacement.
	Properties map[string]string `json:"properties,omitempty"`
}

// Key identifies a package version within one inventory: ecosystem, name and version.
func (p Package) Key() string { return p.Ecosystem + "/" + p.Name + "@" + p.Version }
