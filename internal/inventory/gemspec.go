package inventory

import (
	"bufio"
	"bytes"
	"context"
	"path"
	"regexp"
	"strings"
	"sync"

	"github.com/palisade-sec/palisade/internal/inventory/license"
)

// inGemSpecifications reports whether p is an installed gem's specification: in a GEM_HOME's
// specifications directory, or its default/ subdirectory, where Ruby keeps the specifications of
// the default gems it ships (json, uri, net-http …), which have advisories of their own.
func inGemSpecifications(p string) bool {
	dir := path.Dir(p)
	if path.Base(dir) == "default" {
		dir = path.Dir(dir)
	}
	return path.Base(dir) == "specifications"
}

// gemAssignRe matches an attribute assignment of an installed gem specification, as RubyGems
// writes them (Gem::Specification#to_ruby): `s.name = "rack".freeze`, `s.licenses = ["MIT".freeze]`.
var gemAssignRe = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^\s*[a-z_][a-z0-9_]*\.(name|version|licenses?|platform)\s*=\s*([^=~\s].*?)\s*(?:#.*)?$`)
})

// gemStringRe matches one Ruby string literal without interpolation, optionally frozen.
var gemStringRe = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(?:"([^"\\#]*)"|'([^'\\]*)'|%q<([^>]*)>)(?:\.freeze)?$`)
})

// extractGemspec reads an installed gem's specification (GEM_HOME/specifications/NAME-VERSION.gemspec):
// the literal assignments of name, version, license(s) and platform. The file is Ruby; it is
// never evaluated. An assignment whose value is not a string literal (a constant, a method call)
// is an error naming its line rather than a guess.
func extractGemspec(_ context.Context, in *input) ([]Package, error) {
	var p Package
	p.Ecosystem = RubyGems
	sc := bufio.NewScanner(bytes.NewReader(in.data))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	n, versionLine := 0, 0
	for sc.Scan() {
		n++
		m := gemAssignRe().FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		attr, expr := m[1], m[2]
		switch attr {
		case "licenses":
			list, ok := gemStringList(expr)
			if !ok {
				return nil, errAt(n, "licenses is not a list of string literals: %q", clip(expr))
			}
			for _, l := range list {
				p.Licenses = append(p.Licenses, license.Declared(l)...)
			}
			continue
		}
		s, ok := gemString(expr)
		if !ok {
			return nil, errAt(n, "%s is not a string literal (palisade does not evaluate Ruby): %q", attr, clip(expr))
		}
		switch attr {
		case "name":
			if p.Name == "" {
				p.Name, p.Location.StartLine = s, n
			}
		case "version":
			if p.Version == "" {
				p.Version, versionLine = s, n
			}
		case "license":
			p.Licenses = append(p.Licenses, license.Declared(s)...)
		case "platform":
			if s != "ruby" {
				setProp(&p, PropPlatform, s)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, errAt(n+1, "%v", err)
	}
	if p.Name == "" || p.Version == "" {
		return nil, errAt(max(p.Location.StartLine, versionLine, 1), "gem specification without a literal name or version")
	}
	return []Package{p}, nil
}

// gemString is the value of a string literal expression.
func gemString(expr string) (string, bool) {
	m := gemStringRe().FindStringSubmatch(strings.TrimSpace(expr))
	if m == nil {
		return "", false
	}
	return m[1] + m[2] + m[3], true
}

// gemStringList is the values of an array of string literals (`["MIT".freeze, "Ruby".freeze]`).
func gemStringList(expr string) ([]string, bool) {
	inner, ok := strings.CutPrefix(strings.TrimSpace(expr), "[")
	if !ok {
		return nil, false
	}
	inner, ok = strings.CutSuffix(inner, "]")
	if !ok {
		return nil, false
	}
	var out []string
	for _, part := range strings.Split(inner, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		s, ok := gemString(part)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}
