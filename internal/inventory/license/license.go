// Package license turns what local metadata says about a package's licence into SPDX license
// identifiers: a normaliser for declared names ("Apache 2.0", "MIT License", "GPLv3+") and
// expressions, and a classifier for the text of LICENSE files. It only ever answers with an SPDX
// identifier it is sure of; anything else is kept as written (Declared) or not answered
// (Classify), so a report never claims a licence the package does not have.
package license

import (
	"regexp"
	"strings"
)

// known (read-only) are the SPDX identifiers Normalize and Classify can produce, plus common ones that appear
// as-is in manifests, keyed by lower case.
var known = func() map[string]string {
	ids := []string{
		"0BSD", "AFL-3.0", "AGPL-3.0-only", "AGPL-3.0-or-later", "Apache-1.1", "Apache-2.0",
		"Artistic-2.0", "BlueOak-1.0.0", "BSD-1-Clause", "BSD-2-Clause", "BSD-3-Clause",
		"BSD-3-Clause-Clear", "BSD-4-Clause", "BSL-1.0", "CC-BY-3.0", "CC-BY-4.0", "CC-BY-SA-4.0",
		"CC0-1.0", "CDDL-1.0", "CDDL-1.1", "EPL-1.0", "EPL-2.0", "EUPL-1.2", "GPL-2.0-only",
		"GPL-2.0-or-later", "GPL-3.0-only", "GPL-3.0-or-later", "HPND", "ISC", "LGPL-2.0-only",
		"LGPL-2.0-or-later", "LGPL-2.1-only", "LGPL-2.1-or-later", "LGPL-3.0-only",
		"LGPL-3.0-or-later", "MIT", "MIT-0", "MPL-1.1", "MPL-2.0", "MPL-2.0-no-copyleft-exception",
		"MS-PL", "NCSA", "OFL-1.1", "OpenSSL", "PostgreSQL", "PSF-2.0", "Python-2.0", "Ruby",
		"Unicode-3.0", "Unicode-DFS-2016", "Unlicense", "UPL-1.0", "W3C", "WTFPL", "X11", "Zlib",
		"ZPL-2.1", "Classpath-exception-2.0", "LLVM-exception",
	}
	m := make(map[string]string, len(ids))
	for _, id := range ids {
		m[strings.ToLower(id)] = id
	}
	// Deprecated identifiers, still common in manifests.
	for old, id := range map[string]string{
		"gpl-2.0": "GPL-2.0-only", "gpl-2.0+": "GPL-2.0-or-later", "gpl-3.0": "GPL-3.0-only",
		"gpl-3.0+": "GPL-3.0-or-later", "lgpl-2.1": "LGPL-2.1-only", "lgpl-2.1+": "LGPL-2.1-or-later",
		"lgpl-3.0": "LGPL-3.0-only", "lgpl-3.0+": "LGPL-3.0-or-later", "agpl-3.0": "AGPL-3.0-only",
		"lgpl-2.0": "LGPL-2.0-only", "agpl-3.0+": "AGPL-3.0-or-later",
	} {
		m[old] = id
	}
	return m
}()

// aliases (read-only) map a declared licence name, reduced by key, to its SPDX identifier.
var aliases = map[string]string{
	"mit": "MIT", "mit license": "MIT", "the mit license mit": "MIT", "mit license mit": "MIT", "the mit license": "MIT", "expat": "MIT", "mit licence": "MIT",
	"apache 2": "Apache-2.0", "apache 2 0": "Apache-2.0", "apache license 2 0": "Apache-2.0",
	"apache license version 2 0": "Apache-2.0", "the apache license version 2 0": "Apache-2.0",
	"apache software license": "Apache-2.0", "the apache software license version 2 0": "Apache-2.0",
	"apache software license 2 0": "Apache-2.0", "apache 2 0 license": "Apache-2.0", "asl 2 0": "Apache-2.0",
	"apache license v2 0": "Apache-2.0", "apache v2": "Apache-2.0", "apachev2": "Apache-2.0", "apache2": "Apache-2.0",
	// A bare "BSD" does not say which; the 3-clause form is what such packages nearly always carry.
	"bsd": "BSD-3-Clause", "bsd license": "BSD-3-Clause", "new bsd": "BSD-3-Clause", "new bsd license": "BSD-3-Clause",
	"bsd 3 clause": "BSD-3-Clause", "bsd 3 clause license": "BSD-3-Clause", "modified bsd": "BSD-3-Clause",
	"revised bsd": "BSD-3-Clause", "bsd 3": "BSD-3-Clause", "3 clause bsd": "BSD-3-Clause",
	"bsd 2 clause": "BSD-2-Clause", "simplified bsd": "BSD-2-Clause", "freebsd": "BSD-2-Clause",
	"bsd 2": "BSD-2-Clause", "2 clause bsd": "BSD-2-Clause", "bsd 2 clause license": "BSD-2-Clause",
	"isc": "ISC", "isc license": "ISC", "isc license iscl": "ISC",
	"mozilla public license 2 0 mpl 2 0": "MPL-2.0", "eclipse public license 2 0 epl 2 0": "EPL-2.0",
	"mpl 2 0": "MPL-2.0", "mpl2": "MPL-2.0", "mozilla public license 2 0": "MPL-2.0",
	"mozilla public license version 2 0": "MPL-2.0",
	"gpl 2":                              "GPL-2.0-only", "gplv2": "GPL-2.0-only", "gpl v2": "GPL-2.0-only", "gpl 2 0": "GPL-2.0-only",
	"gnu general public license v2": "GPL-2.0-only", "gnu gpl v2": "GPL-2.0-only",
	"gnu general public license version 2": "GPL-2.0-only", "gnu general public license v2 gplv2": "GPL-2.0-only",
	"gplv2+": "GPL-2.0-or-later", "gpl 2 0 or later": "GPL-2.0-or-later",
	"gnu general public license v2 or later gplv2+": "GPL-2.0-or-later",
	"gpl 3": "GPL-3.0-only", "gplv3": "GPL-3.0-only", "gpl v3": "GPL-3.0-only", "gpl 3 0": "GPL-3.0-only",
	"gnu general public license v3": "GPL-3.0-only", "gnu gpl v3": "GPL-3.0-only",
	"gnu general public license version 3": "GPL-3.0-only", "gnu general public license v3 gplv3": "GPL-3.0-only",
	"gplv3+": "GPL-3.0-or-later", "gpl 3 0 or later": "GPL-3.0-or-later",
	"gnu general public license v3 or later gplv3+": "GPL-3.0-or-later",
	"lgpl 2 1": "LGPL-2.1-only", "lgplv2 1": "LGPL-2.1-only", "lgplv2": "LGPL-2.0-only",
	"gnu lesser general public license v2 1": "LGPL-2.1-only", "lgpl 3": "LGPL-3.0-only",
	"lgplv3": "LGPL-3.0-only", "gnu lesser general public license v3": "LGPL-3.0-only",
	"lgplv3+": "LGPL-3.0-or-later", "lgplv2+": "LGPL-2.0-or-later",
	"gnu lesser general public license v2 or later lgplv2+": "LGPL-2.0-or-later",
	"gnu lesser general public license v3 lgplv3":           "LGPL-3.0-only",
	"gnu library or lesser general public license lgpl":     "LGPL-2.0-or-later",
	"agpl 3": "AGPL-3.0-only", "agplv3": "AGPL-3.0-only", "agpl 3 0": "AGPL-3.0-only",
	"gnu affero general public license v3": "AGPL-3.0-only", "agplv3+": "AGPL-3.0-or-later",
	"gnu affero general public license v3 or later agplv3+": "AGPL-3.0-or-later",
	"unlicense": "Unlicense", "the unlicense": "Unlicense", "the unlicense unlicense": "Unlicense",
	"cc0": "CC0-1.0", "cc0 1 0": "CC0-1.0", "cc0 1 0 universal": "CC0-1.0",
	"cc0 1 0 universal cc0 1 0 public domain dedication": "CC0-1.0",
	"eclipse public license 2 0":                         "EPL-2.0", "epl 2 0": "EPL-2.0", "eclipse public license 1 0": "EPL-1.0",
	"epl 1 0": "EPL-1.0", "boost software license 1 0": "BSL-1.0", "boost": "BSL-1.0",
	"python software foundation license": "PSF-2.0", "psf": "PSF-2.0", "zlib": "Zlib",
	"zlib libpng license": "Zlib", "the zlib libpng license": "Zlib",
	"common development and distribution license 1 0": "CDDL-1.0", "cddl 1 0": "CDDL-1.0",
	"artistic 2 0": "Artistic-2.0", "artistic license 2 0": "Artistic-2.0",
	"universal permissive license v1 0": "UPL-1.0", "upl 1 0": "UPL-1.0",
}

var nonAlnum = regexp.MustCompile(`[^a-z0-9+]+`)

// key reduces a licence name to lower-case words, so punctuation and spacing do not matter:
// "Apache License, Version 2.0" → "apache license version 2 0".
func key(name string) string {
	return strings.TrimSpace(nonAlnum.ReplaceAllString(strings.ToLower(name), " "))
}

// IsKnown reports whether id is an SPDX license identifier this package knows, spelled as SPDX
// spells it; CycloneDX's license.id must be one.
func IsKnown(id string) bool {
	return known[strings.ToLower(id)] == id
}

// Normalize turns a declared licence name or SPDX expression into SPDX form: a known identifier
// in its canonical spelling, an alias mapped to one, or an expression whose every licence is
// known ("MIT/Apache-2.0" → "MIT OR Apache-2.0"). ok is false when any part is not recognised.
func Normalize(name string) (string, bool) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", false
	}
	if id, ok := known[strings.ToLower(name)]; ok {
		return id, true
	}
	if id, ok := aliases[key(name)]; ok {
		return id, true
	}
	if rest, ok := strings.CutPrefix(name, "License :: "); ok { // a Python trove classifier
		parts := strings.Split(rest, " :: ")
		return Normalize(parts[len(parts)-1])
	}
	return normalizeExpression(name)
}

// normalizeExpression normalises each licence in an expression joined by AND, OR, WITH, "/" or
// parentheses, and upper-cases the operators.
func normalizeExpression(expr string) (string, bool) {
	expr = strings.NewReplacer("(", " ( ", ")", " ) ", "/", " OR ").Replace(expr)
	fields := strings.Fields(expr)
	if len(fields) < 2 {
		return "", false
	}
	for i, f := range fields {
		switch up := strings.ToUpper(f); up {
		case "AND", "OR", "WITH":
			fields[i] = up
		case "(", ")":
		default:
			if strings.HasPrefix(f, "LicenseRef-") {
				continue
			}
			id, ok := known[strings.ToLower(f)]
			if !ok {
				return "", false
			}
			fields[i] = id
		}
	}
	out := strings.Join(fields, " ")
	out = strings.ReplaceAll(strings.ReplaceAll(out, "( ", "("), " )", ")")
	return out, true
}

// Declared normalises a licence as a manifest declares it, for Package.Licenses: the SPDX form
// when Normalize knows it, else the text as written (trimmed), so nothing is lost. Empty values
// and placeholders that state no licence ("UNKNOWN", "NOASSERTION", "SEE LICENSE IN …") give nil.
func Declared(name string) []string {
	name = strings.TrimSpace(name)
	switch strings.ToUpper(name) {
	case "", "UNKNOWN", "NOASSERTION", "NONE", "UNLICENSED", "PROPRIETARY":
		if strings.EqualFold(name, "UNLICENSED") || strings.EqualFold(name, "proprietary") {
			return []string{"LicenseRef-proprietary"}
		}
		return nil
	}
	if strings.HasPrefix(strings.ToUpper(name), "SEE LICENSE IN") {
		return nil
	}
	if id, ok := Normalize(name); ok {
		return []string{id}
	}
	if len(name) > 200 { // licence text pasted into a metadata field: classify it instead
		if id, ok := Classify([]byte(name)); ok {
			return []string{id}
		}
		return nil
	}
	return []string{name}
}
