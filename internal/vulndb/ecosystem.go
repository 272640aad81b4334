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

// releaseRequired says whether an ecosystem's advisories are all per release ("Debian:12"): a
// package of it without a release cannot be matched (no entry has an empty release, so matching
// would find nothing and look clean).
func releaseRequired(base string) bool {
	switch base {
	case "Debian", "Ubuntu", "Alpine", "Red Hat", "Rocky Linux", "AlmaLinux", "SUSE", "openSUSE":
		return true
	}
	return false
}

// releaseMatches says whether an advisory entry of release have applies to a package of release
// want. Releases must be equal, except that Red Hat's records name the repository after the
// release ("enterprise_linux:9::appstream", "enterprise_linux:9::baseos") while an image knows
// only its release ("enterprise_linux:9"): a package may come from any of its repositories.
func releaseMatches(base, want, have string) bool {
	if have == want {
		return true
	}
	if base == "Red Hat" && want != "" {
		return strings.HasPrefix(have, want+"::")
	}
	return false
}

// advisoryKey is the package name and version the ecosystem's advisories are keyed by. Debian's,
// Ubuntu's, Alpine's, Wolfi's and Chainguard's advisories name the source package (dpkg Source,
// apk origin) and its version, so a binary package built from it (libssl3 from openssl) is looked
// up by those; the rpm family's name binary packages, as does every language ecosystem.
func advisoryKey(base string, p inventory.Package) (name, version string) {
	switch base {
	case "Debian", "Ubuntu", "Alpine", "Wolfi", "Chainguard":
		if p.Source != "" {
			name, version = p.Source, p.SourceVersion
			if version == "" {
				version = p.Version
			}
			return name, version
		}
	}
	return p.Name, p.Version
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
