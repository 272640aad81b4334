package license

import (
	"regexp"
	"strings"
)

// rule recognises one licence text: every phrase in all must occur, and none in none. Phrases are
// written in the reduced form text takes in Classify (lower case, single spaces).
type rule struct {
	id   string
	all  []string
	none []string
}

// rules are tried in order; the more specific texts come before those they quote (the LGPL and
// AGPL name the GPL; BSD-3-Clause holds BSD-2-Clause's clauses).
func rules() []rule {
	const bsdGrant = "redistribution and use in source and binary forms, with or without modification, are permitted"
	return []rule{
		{id: "AGPL-3.0-only", all: []string{"gnu affero general public license version 3, 19 november 2007"}},
		{id: "LGPL-3.0-only", all: []string{"gnu lesser general public license version 3, 29 june 2007"}},
		{id: "LGPL-2.1-only", all: []string{"gnu lesser general public license version 2.1, february 1999"}},
		{id: "LGPL-2.0-only", all: []string{"gnu library general public license version 2, june 1991"}},
		{id: "GPL-3.0-only", all: []string{"gnu general public license version 3, 29 june 2007"}},
		{id: "GPL-2.0-only", all: []string{"gnu general public license version 2, june 1991"}},
		{id: "MPL-2.0", all: []string{"mozilla public license version 2.0"}},
		{id: "Apache-2.0", all: []string{"apache license version 2.0, january 2004"}},
		{id: "Apache-2.0", all: []string{"licensed under the apache license, version 2.0"}},
		{id: "CC0-1.0", all: []string{"cc0 1.0 universal"}},
		{id: "Unlicense", all: []string{"this is free and unencumbered software released into the public domain"}},
		{id: "ISC", all: []string{"permission to use, copy, modify, and", "distribute this software for any purpose with or without fee is hereby granted"}},
		{id: "MIT", all: []string{"permission is hereby granted, free of charge, to any person obtaining a copy", "the above copyright notice and this permission notice shall be included"}},
		{id: "BSD-4-Clause", all: []string{bsdGrant, "all advertising materials mentioning features or use of this software"}},
		{id: "BSD-3-Clause", all: []string{bsdGrant, "may be used to endorse or promote products derived from this software"}},
		{id: "BSD-2-Clause", all: []string{bsdGrant, "redistributions in binary form must reproduce the above copyright notice"},
			none: []string{"endorse or promote"}},
	}
}

var spaces = regexp.MustCompile(`[\s*#/]+`)

// reduce lower-cases text and collapses whitespace and comment decoration ("*", "#", "//") to one
// space, so line breaks and comment styles do not matter.
func reduce(text []byte) string {
	return strings.TrimSpace(spaces.ReplaceAllString(strings.ToLower(string(text)), " "))
}

// Classify names the licence whose text this is (a LICENSE, COPYING or NOTICE file), by phrases
// each licence's text contains. ok is false when no rule matches; it never guesses.
func Classify(text []byte) (string, bool) {
	const maxText = 1 << 20
	if len(text) > maxText {
		text = text[:maxText]
	}
	t := reduce(text)
	for _, r := range rules() {
		if matches(t, r) {
			return r.id, true
		}
	}
	return "", false
}

func matches(t string, r rule) bool {
	for _, p := range r.all {
		if !strings.Contains(t, p) {
			return false
		}
	}
	for _, p := range r.none {
		if strings.Contains(t, p) {
			return false
		}
	}
	return true
}
