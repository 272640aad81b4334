package inventory

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/palisade-sec/palisade/internal/finding"
)

// OS package databases (dpkg.go, apk.go, rpm.go) share what this file holds: finding the root
// file system a database belongs to, the distribution that root says it is, and the purl of an OS
// package. An image's squashed file system, an unpacked root file system and a scanned
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
// version without epoch, and the qualifiers arch, distro, epoch and upstream (the source package
// when it differs, "name@version" when its version differs), sorted by key as the spec asks.
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
	switch {
	case p.Source != "" && p.SourceVersion != "" && p.SourceVersion != p.Version:
		// The source's own version (a binNMU, or a binary epoch the source has not): without it
		// a reader would take the binary's, as dpkg does for a Source field without a version.
		q.Set("upstream", p.Source+"@"+p.SourceVersion)
	case p.Source != "" && p.Source != p.Name:
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

// purlPackage reads a package-url into a package: OS types (deb, apk, rpm) with their
// distribution, epoch and source package from the qualifiers, as SBOMs of images write them
// (pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl), and
// every other type through ParsePURL. For an OS purl whose distribution OSV cannot match — no
// distro qualifier with a release, or a distribution without OSV data — unmatchable says why; the
// package is still returned (with the bare distribution as ecosystem, which the matcher skips).
func purlPackage(s string) (p Package, unmatchable string, err error) {
	p, d, ok, err := parseOSPURL(s)
	if err != nil || ok {
		return p, d.Unsupported, err
	}
	eco, name, version, err := ParsePURL(s)
	if err != nil {
		return Package{}, "", err
	}
	return Package{Name: name, Version: version, Ecosystem: eco, PURL: s}, "", nil
}

// purlDistroID is the os-release ID a purl namespace stands for.
func purlDistroID(ns string) string {
	switch ns {
	case "redhat":
		return "rhel"
	case "rockylinux":
		return "rocky"
	case "amazon":
		return "amzn"
	}
	return ns
}

// osPURLParts is a deb, apk or rpm package-url split into its parts, unescaped.
type osPURLParts struct {
	typ, ns, name, version string
	q                      url.Values
}

// splitOSPURL splits an OS purl; ok is false for any other purl (not an error: another type).
func splitOSPURL(s string) (parts osPURLParts, ok bool, err error) {
	rest, found := strings.CutPrefix(s, "pkg:")
	if !found {
		return parts, false, nil
	}
	typ, rest, _ := strings.Cut(strings.TrimLeft(rest, "/"), "/")
	parts.typ = strings.ToLower(typ)
	if parts.typ != "deb" && parts.typ != "apk" && parts.typ != "rpm" {
		return parts, false, nil
	}
	rest, _, _ = strings.Cut(rest, "#")
	rest, rawQuery, _ := strings.Cut(rest, "?")
	if parts.q, err = url.ParseQuery(rawQuery); err != nil {
		return parts, true, fmt.Errorf("purl %q: qualifiers: %w", s, err)
	}
	ns, nameVer, found := strings.Cut(rest, "/")
	if !found || nameVer == "" {
		return parts, true, fmt.Errorf("purl %q: want %s/<distribution>/<name>", s, parts.typ)
	}
	parts.ns = strings.ToLower(ns)
	name, version, _ := strings.Cut(nameVer, "@")
	if parts.name, err = url.PathUnescape(name); err != nil {
		return parts, true, fmt.Errorf("purl %q: name: %w", s, err)
	}
	if parts.version, err = url.PathUnescape(version); err != nil {
		return parts, true, fmt.Errorf("purl %q: version: %w", s, err)
	}
	if parts.name == "" {
		return parts, true, fmt.Errorf("purl %q: empty name", s)
	}
	return parts, true, nil
}

// parseOSPURL reads an OS purl into a package and the distribution its distro qualifier names.
func parseOSPURL(s string) (Package, Distro, bool, error) {
	u, ok, err := splitOSPURL(s)
	if !ok || err != nil {
		return Package{}, Distro{}, ok, err
	}
	version := u.version
	if e := u.q.Get("epoch"); e != "" && e != "0" && version != "" && !strings.Contains(version, ":") {
		version = e + ":" + version
	}
	d := Distro{ID: purlDistroID(u.ns), Name: u.ns}
	// The distro qualifier: "debian-12", "alpine-3.17.2", "rhel-9.4", or the bare "3.17.2".
	if dq := u.q.Get("distro"); dq != "" {
		v := dq[strings.LastIndex(dq, "-")+1:]
		if v != "" && v[0] >= '0' && v[0] <= '9' {
			d.VersionID = v
		}
	}
	d = classify(d, "")
	p := Package{Name: u.name, Version: version, Ecosystem: d.Ecosystem, PURL: s}
	if d.Unsupported != "" && d.VersionID == "" {
		// No release: the bare distribution, which the matcher skips with a reason.
		p.Ecosystem, _, _ = strings.Cut(d.Ecosystem, ":")
	}
	if up := u.q.Get("upstream"); up != "" {
		p.Source, p.SourceVersion, _ = strings.Cut(up, "@")
		if u.typ == "rpm" {
			// rpm's upstream is the source rpm's file name ("openssl-3.0.7-27.el9.src.rpm").
			if n, v := (rpmHeader{sourceRPM: up, epoch: -1}).sourceNameVersion(); n != "" {
				p.Source, p.SourceVersion = n, v
			}
		}
	}
	p.Source = cmpOr(p.Source, u.name)
	p.SourceVersion = cmpOr(p.SourceVersion, version)
	setProp(&p, PropArch, u.q.Get("arch"))
	setProp(&p, PropDistro, u.q.Get("distro"))
	return p, d, true, nil
}

// WantsBeside reports whether the OS package extractors read the file at slash path p besides
// the databases Wants names: the release files that say which distribution a root is, a
// package's copyright file (its licence), and an rpm SQLite write-ahead log. A reader that keeps
// only what the analyzers need (an image's layer walker) keeps these too, or the packages it
// hands over cannot be matched and a problem says so.
func WantsBeside(p string) bool {
	for _, f := range []string{"etc/os-release", "usr/lib/os-release", "etc/alpine-release", "etc/redhat-release",
		"etc/system-release", "etc/debian_version", "var/lib/rpm/rpmdb.sqlite-wal", "usr/lib/sysimage/rpm/rpmdb.sqlite-wal"} {
		if p == f || strings.HasSuffix(p, "/"+f) {
			return true
		}
	}
	// usr/share/doc/<package>/copyright, under a root at any depth.
	e := strings.Split(p, "/")
	n := len(e)
	return n >= 5 && e[n-1] == "copyright" && e[n-3] == "doc" && e[n-4] == "share" && e[n-5] == "usr"
}
