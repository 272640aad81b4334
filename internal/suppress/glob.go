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
// compileGlob, so path.Match cannot fail here.
func (g glob) match(name string) bool {
	parts := strings.Split(strings.TrimPrefix(name, "./"), "/")
	// ok[j] reports whether the pattern segments consumed so far can match parts[:j].
	ok := make([]bool, len(parts)+1)
	ok[0] = true
	for _, seg := range g.segments {
		next := make([]bool, len(parts)+1)
		if seg == "**" {
			reached := false
			for j := range ok {
				reached = reached || ok[j]
				next[j] = reached
			}
		} else {
			for j := 1; j <= len(parts); j++ {
				if ok[j-1] {
					m, _ := path.Match(seg, parts[j-1])
					next[j] = m
				}
			}
		}
		ok = next
	}
	return ok[len(parts)]
}
