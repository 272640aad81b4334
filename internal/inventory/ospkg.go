package inventory

import (
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/palisade-sec/palisade/internal/finding"
)

// OS package databases (dpkg.go, apk.go, rpm.go) share what this file holds: finding the root
// file system a database belongs to, the distribution that root says it is, and the purl of an OS
// package. An image's squashed file system, an unpacked root file system (--rootfs) and a scanned
// directory that holds one are all read alike: the root is the path above the database's own
// place (var/lib/dpkg/status → root "." for the tree's own, "rootfs" for rootfs/var/lib/…).

// osRoot returns the root directory of a package database at p whose place inside a root file
// system is suffix; ok is false when p does not end in suffix (the database was found outside
// its usual place, so no release file can be trusted to describe it).
func osRoot(p, suffix string) (root string, ok bool) {
	if p == suffix {
		return ".", true
	}
	if rest, found := strings.CutSuffix(p, "/"+suffix); found {
		return rest, true
	}
	return "", false
}

// osDistro detects the distribution of the root a database at in.path belongs to. A release file
// that cannot be read is a problem, and the packages are then listed as unmatchable.
func osDistro(in *input, suffix string) Distro {
	root, ok := osRoot(in.path, suffix)
	if !ok {
		return Distro{Unsupported: "the package database is not at " + suffix + " of a root file system, so no os-release says which distribution it belongs to"}
	}
	d, err := DetectDistro(in.fsys, root)
	if err != nil {
		in.problem(finding.ProblemRead, in.path, 0, "detect distribution: %v", err)
		return Distro{Unsupported: "its release file could not be read"}
	}
	return d
}

// reportUnmatchable records, for a distribution OSV cannot match, the one problem that says its
// packages were listed but not checked: never a silent zero findings.
func reportUnmatchable(in *input, d Distro, format string, pkgs []Package) {
	if d.Unsupported == "" || len(pkgs) == 0 {
		return
	}
	in.problem(finding.ProblemUnmatched, in.path, 0, "%s: %d %s packages listed but not checked for vulnerabilities: %s",
		orUnknown(d.Name, d.ID), len(pkgs), format, d.Unsupported)
}

// osEcosystem is the ecosystem OS packages get: the distribution's, or a name no database
// matches (the format's own) when even the distribution is unknown.
func osEcosystem(d Distro, fallback string) string {
	if d.Ecosystem != "" {
		return d.Ecosystem
	}
	return fallback
}

// osPURL is an OS package's purl (github.com/package-url/purl-spec types deb, apk, rpm): the
// version without epoch, and the qualifiers arch, distro, epoch and upstream (the source package,
// when it differs), sorted by key as the spec asks.
func osPURL(typ, namespace string, p Package, epoch, version string) string {
	if namespace == "" {
		namespace = typ
	}
	var b strings.Builder
	b.WriteString("pkg:" + typ + "/" + purlEscape(namespace) + "/" + purlEscape(p.Name))
	if version != "" {
		b.WriteString("@" + purlEscape(version))
	}
	q := url.Values{}
	if a := p.Properties[PropArch]; a != "" {
		q.Set("arch", a)
	}
	if d := p.Properties[PropDistro]; d != "" {
		q.Set("distro", d)
	}
	if epoch != "" && epoch != "0" {
		q.Set("epoch", epoch)
	}
	if p.Source != "" && p.Source != p.Name {
		q.Set("upstream", p.Source)
	}
	if len(q) > 0 {
		keys := slices.Sorted(maps.Keys(q))
		for i, k := range keys {
			if i == 0 {
				b.WriteByte('?')
			} else {
				b.WriteByte('&')
			}
			b.WriteString(k + "=" + purlEscape(q.Get(k)))
		}
	}
	return b.String()
}

// splitEpoch splits "1:2.3-4" into "1" and "2.3-4"; a version without a colon has no epoch.
func splitEpoch(v string) (epoch, rest string) {
	if e, r, ok := strings.Cut(v, ":"); ok && e != "" && strings.Trim(e, "0123456789") == "" {
		return e, r
	}
	return "", v
}
