package inventory

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
)

// ecosystemTypes pairs each OSV ecosystem with its package-url type
// (github.com/package-url/purl-spec), in one place for both directions.
func ecosystemTypes() [][2]string {
	return [][2]string{
		{Go, "golang"}, {NPM, "npm"}, {PyPI, "pypi"}, {CratesIO, "cargo"}, {Maven, "maven"},
		{RubyGems, "gem"}, {Packagist, "composer"}, {NuGet, "nuget"},
	}
}

func purlType(ecosystem string) (string, bool) {
	for _, p := range ecosystemTypes() {
		if p[0] == ecosystem {
			return p[1], true
		}
	}
	return "", false
}

// PURL formats the package-url of a package: pkg:type/namespace/name@version, each part
// percent-encoded as the purl spec asks and the name normalised the way each type requires (PyPI
// lower-cased with "_" as "-", npm scopes as an encoded namespace, Maven group:artifact split).
// It returns "" for an ecosystem without a purl type.
func PURL(ecosystem, name, version string) string {
	typ, ok := purlType(ecosystem)
	if !ok || name == "" {
		return ""
	}
	var ns string
	switch typ {
	case "golang":
		if i := strings.LastIndex(name, "/"); i >= 0 {
			ns, name = name[:i], name[i+1:]
		}
		if version != "" && version[0] >= '0' && version[0] <= '9' {
			version = "v" + version // Go names versions with the v; the inventory keeps OSV's form
		}
	case "npm":
		if strings.HasPrefix(name, "@") {
			if i := strings.Index(name, "/"); i > 0 {
				ns, name = name[:i], name[i+1:]
			}
		}
	case "pypi":
		name = normalizePyPI(name)
	case "maven":
		if i := strings.Index(name, ":"); i >= 0 {
			ns, name = name[:i], name[i+1:]
		}
	case "composer":
		name = strings.ToLower(name)
		if i := strings.Index(name, "/"); i >= 0 {
			ns, name = name[:i], name[i+1:]
		}
	}
	var b strings.Builder
	b.WriteString("pkg:")
	b.WriteString(typ)
	b.WriteByte('/')
	if ns != "" {
		for _, seg := range strings.Split(ns, "/") {
			b.WriteString(purlEscape(seg))
			b.WriteByte('/')
		}
	}
	b.WriteString(purlEscape(name))
	if version != "" {
		b.WriteByte('@')
		b.WriteString(purlEscape(version))
	}
	return b.String()
}

// purlEscape percent-encodes everything but the purl spec's unreserved characters.
func purlEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '-', c == '_', c == '~':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// pyNormRe matches the runs PEP 503 collapses to one "-".
var pyNormRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[-_.]+`) })

// normalizePyPI is the PEP 503 normal form of a Python project name.
func normalizePyPI(name string) string {
	return pyNormRe().ReplaceAllString(strings.ToLower(name), "-")
}

// ParsePURL splits a package-url into the inventory's ecosystem, name and version. It reverses
// PURL for the types Palisade knows and fails, naming the fault, for anything else.
func ParsePURL(s string) (ecosystem, name, version string, err error) {
	rest, ok := strings.CutPrefix(s, "pkg:")
	if !ok {
		return "", "", "", fmt.Errorf("purl %q: missing pkg: scheme", s)
	}
	rest = strings.TrimLeft(rest, "/")
	if i := strings.IndexAny(rest, "?#"); i >= 0 {
		rest = rest[:i]
	}
	typ, rest, ok := strings.Cut(rest, "/")
	if !ok || rest == "" {
		return "", "", "", fmt.Errorf("purl %q: missing name", s)
	}
	typ = strings.ToLower(typ)
	for _, p := range ecosystemTypes() {
		if p[1] == typ {
			ecosystem = p[0]
		}
	}
	if ecosystem == "" {
		return "", "", "", fmt.Errorf("purl %q: type %q has no OSV ecosystem", s, typ)
	}
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		if version, err = url.PathUnescape(rest[i+1:]); err != nil {
			return "", "", "", fmt.Errorf("purl %q: version: %w", s, err)
		}
		rest = rest[:i]
	}
	segs := strings.Split(strings.Trim(rest, "/"), "/")
	for i, seg := range segs {
		if segs[i], err = url.PathUnescape(seg); err != nil {
			return "", "", "", fmt.Errorf("purl %q: %w", s, err)
		}
	}
	name = segs[len(segs)-1]
	ns := strings.Join(segs[:len(segs)-1], "/")
	switch typ {
	case "maven":
		if ns != "" {
			name = strings.ReplaceAll(ns, "/", ".") + ":" + name
		}
	case "golang":
		version = strings.TrimPrefix(version, "v")
		fallthrough
	default:
		if ns != "" {
			name = ns + "/" + name
		}
	}
	if name == "" {
		return "", "", "", fmt.Errorf("purl %q: empty name", s)
	}
	return ecosystem, name, version, nil
}
