package vulndb

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/google/osv-scalibr/semantic"

	"github.com/palisade-sec/palisade/internal/inventory"
)

// DefaultEcosystems are the ecosystems `palisade db update` fetches when none are asked for: the
// ones Palisade's lockfile extractors produce packages for.
func DefaultEcosystems() []string {
	return []string{
		inventory.Go, inventory.NPM, inventory.PyPI, inventory.CratesIO, inventory.Maven,
		inventory.RubyGems, inventory.Packagist, inventory.NuGet,
	}
}

// MatchableEcosystems are every ecosystem the matcher has a version comparator for. The OS
// ecosystems may carry a release suffix in OSV ("Debian:12", "Alpine:v3.20"); see baseEcosystem.
func MatchableEcosystems() []string {
	return append(DefaultEcosystems(), "Debian", "Ubuntu", "Alpine", "Red Hat", "Rocky Linux", "AlmaLinux",
		"SUSE", "openSUSE", "Wolfi", "Chainguard", "Hex", "Pub", "CRAN")
}

// CheckEcosystem rejects an ecosystem the matcher cannot compare versions for, so that a typo in
// --ecosystems fails instead of building a database that never matches.
func CheckEcosystem(eco string) error {
	for _, e := range MatchableEcosystems() {
		if e == eco {
			return nil
		}
	}
	return fmt.Errorf("unsupported ecosystem %q (supported: %s)", eco, strings.Join(MatchableEcosystems(), ", "))
}

// baseEcosystem splits "Debian:12" into "Debian" and "12".
func baseEcosystem(eco string) (base, release string) {
	base, release, _ = strings.Cut(eco, ":")
	return base, release
}

// fileStem is the file name an ecosystem's index files get ("Red Hat" → "Red%20Hat").
func fileStem(eco string) string { return url.PathEscape(eco) }

var pep503 = regexp.MustCompile(`[-_.]+`)

// normalizeName puts a package name into the form the ecosystem compares names in, so that the
// spelling in a lockfile and in an advisory meet: PEP 503 for PyPI, lower case where the registry
// is case-insensitive (NuGet, Packagist), unchanged elsewhere (Go module paths, npm and crates.io
// names, Maven coordinates are case-sensitive as published).
func normalizeName(eco, name string) string {
	base, _ := baseEcosystem(eco)
	switch base {
	case inventory.PyPI:
		return pep503.ReplaceAllString(strings.ToLower(name), "-")
	case inventory.NuGet, inventory.Packagist:
		return strings.ToLower(name)
	}
	return name
}

// normalizeVersion turns a version as lockfiles write it into the form OSV ranges use: Go module
// versions drop their "v", and Go toolchain versions ("go1.22.1", "go1.23rc1") become the semver
// the Go vulnerability database uses for stdlib ("1.22.1", "1.23.0-rc.1").
func normalizeVersion(eco, name, version string) string {
	base, _ := baseEcosystem(eco)
	if base != inventory.Go {
		return version
	}
	if name == "stdlib" || name == "toolchain" || strings.HasPrefix(version, "go") {
		return GoToolchainSemver(version)
	}
	return strings.TrimPrefix(version, "v")
}

var goRelease = regexp.MustCompile(`^(?:go)?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:(rc|beta)(\d+))?$`)

// GoToolchainSemver converts a Go release name ("go1.22.1", "go1.21", "go1.23rc1", "1.22.1") into
// the semantic version the Go vulnerability database uses for the standard library. Anything it
// does not recognise is returned without a leading "go" or "v".
func GoToolchainSemver(v string) string {
	m := goRelease.FindStringSubmatch(v)
	if m == nil {
		return strings.TrimPrefix(strings.TrimPrefix(v, "go"), "v")
	}
	major, minor, patch := m[1], m[2], m[3]
	if minor == "" {
		minor = "0"
	}
	if patch == "" {
		patch = "0"
	}
	s := major + "." + minor + "." + patch
	if m[4] != "" {
		s += "-" + m[4] + "." + m[5]
	}
	return s
}

// parseVersion parses a version with the comparator of the ecosystem.
func parseVersion(eco, v string) (semantic.Version, error) {
	base, _ := baseEcosystem(eco)
	return semantic.Parse(v, base)
}
