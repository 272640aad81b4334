package suppress

import (
	"fmt"
	"path"
	"strings"
)

// glob is a compiled slash-separated path pattern in the doublestar dialect: within one path
// segment `*`, `?`, `[a-z]`, `[!a]` (or `[^a]`) and `\` escapes mean what path.Match gives them, and a segment
// that is exactly `**` matches zero or more whole segments. Patterns are anchored at the scan root:
// `*.md` matches README.md but not docs/README.md, which is `**/*.md`.
//
// Matching runs in O(segments(pattern) × segments(path)) whatever the number of `**`, so a hostile
// ignore file cannot make a scan slow.
type glob struct {
	text     string
	segments []string // "**" marks a globstar
}

// compileGlob checks a pattern and splits it into segments.
func compileGlob(pattern string) (glob, error) {
	if pattern == "" {
		return glob{}, fmt.Errorf("empty pattern")
	}
	if strings.HasPrefix(pattern, "/") {
		return glob{}, fmt.Errorf("pattern %q starts with /: patterns are relative to the scan root", pattern)
	}
	segs := strings.Split(pattern, "/")
	for i, s := range segs {
		switch {
		case s == "" && i == len(segs)-1:
			// "dir/" means everything under dir, like "dir/**".
			segs[i] = "**"
		case s == "":
			return glob{}, fmt.Errorf("pattern %q has an empty path segment", pattern)
		case s == "**":
		case strings.Contains(s, "**"):
			// "a**b" is not a globstar; within a segment two stars mean the same as one.
			for strings.Contains(s, "**") {
				s = strings.ReplaceAll(s, "**", "*")
			}
			segs[i] = s
		}
		segs[i] = bangNegation(segs[i])
		if _, err := path.Match(segs[i], ""); err != nil {
			return glob{}, fmt.Errorf("pattern %q: segment %q: %w", pattern, s, err)
		}
	}
	return glob{text: pattern, segments: segs}, nil
}

// bangNegation rewrites the shell's `[!…]` class negation to path.Match's `[^…]`.
func bangNegation(seg string) string {
	b := []byte(seg)
	for i := 0; i < len(b); i++ {
		switch {
		case b[i] == '\\':
			i++ // skip the escaped byte
		case b[i] == '[' && i+1 < len(b) && b[i+1] == '!':
			b[i+1] = '^'
		}
	}
	return string(b)
}

// match reports whether the slash-separated path name matches. Pattern syntax was checked by
// compileGlob, so path.Match cannot fail here. It allocates nothing for paths of up to 64
// segments: it runs once per finding and ignore entry.
func (g glob) match(name string) bool {
	name = strings.TrimPrefix(name, "./")
	if len(g.segments) == 1 && g.segments[0] != "**" {
		return strings.IndexByte(name, '/') < 0 && segmentMatch(g.segments[0], name)
	}
	// bounds[k] is where the k-th path segment starts; the segment ends one byte before bounds[k+1].
	n := strings.Count(name, "/") + 1
	var boundBuf [65]int
	var okBuf, nextBuf [65]bool
	bounds, ok, next := boundBuf[:0], okBuf[:], nextBuf[:]
	if n+1 > len(okBuf) {
		bounds, ok, next = make([]int, 0, n+1), make([]bool, n+1), make([]bool, n+1)
	}
	ok, next = ok[:n+1], next[:n+1]
	bounds = append(bounds, 0)
	for i := 0; i < len(name); i++ {
		if name[i] == '/' {
			bounds = append(bounds, i+1)
		}
	}
	bounds = append(bounds, len(name)+1)
	part := func(k int) string { return name[bounds[k] : bounds[k+1]-1] }

	// ok[j] reports whether the pattern segments consumed so far can match the first j path segments.
	clear(ok)
	ok[0] = true
	for _, seg := range g.segments {
		clear(next)
		if seg == "**" {
			reached := false
			for j := range ok {
				reached = reached || ok[j]
				next[j] = reached
			}
		} else {
			for j := 1; j <= n; j++ {
				next[j] = ok[j-1] && segmentMatch(seg, part(j-1))
			}
		}
		ok, next = next, ok
	}
	return ok[n]
}

// segmentMatch matches one path segment, comparing literals directly.
func segmentMatch(pattern, name string) bool {
	if !strings.ContainsAny(pattern, "*?[\\") {
		return pattern == name
	}
	m, _ := path.Match(pattern, name)
	return m
}
