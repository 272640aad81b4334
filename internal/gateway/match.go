package gateway

import (
	"errors"
	"fmt"
	"net"
	"strings"
)

// pattern is a compiled path pattern: literal segments, "*" for exactly one segment, and a final
// "**" for zero or more segments.
type pattern struct {
	segs []string
	rest bool // ends in "**"
}

// compilePattern checks and compiles a path pattern such as /orders/*/items/**.
func compilePattern(p string) (pattern, error) {
	if p == "" || p[0] != '/' {
		return pattern{}, fmt.Errorf("path pattern %q must start with /", p)
	}
	if p == "/**" {
		return pattern{rest: true}, nil
	}
	if p == "/" {
		return pattern{segs: []string{""}}, nil
	}
	segs := strings.Split(p[1:], "/")
	var out pattern
	for i, s := range segs {
		switch {
		case s == "**" && i == len(segs)-1:
			out.rest = true
			continue
		case s == "**":
			return pattern{}, fmt.Errorf("path pattern %q: ** is only allowed as the last segment", p)
		case s == "" && i != len(segs)-1:
			return pattern{}, fmt.Errorf("path pattern %q: empty segment", p)
		case s == "." || s == "..":
			return pattern{}, fmt.Errorf("path pattern %q: dot segments never match a clean path", p)
		case strings.Contains(s, "*") && s != "*":
			return pattern{}, fmt.Errorf("path pattern %q: * must be a whole segment", p)
		}
		out.segs = append(out.segs, s)
	}
	return out, nil
}

// match reports whether a clean path (see cleanPath) matches the pattern. It walks the path's
// segments without allocating.
func (p pattern) match(path string) bool {
	if len(path) == 0 || path[0] != '/' {
		return false
	}
	rest := path[1:]
	done := false // every segment of the path has been consumed
	for _, s := range p.segs {
		if done {
			return false
		}
		seg := rest
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			seg, rest = rest[:i], rest[i+1:]
		} else {
			done = true
		}
		if s == "*" {
			if seg == "" {
				return false
			}
		} else if s != seg {
			return false
		}
	}
	return p.rest || done
}

var errUncleanPath = errors.New("path is not canonical")

// cleanPath refuses request paths whose meaning differs between the gateway and an upstream:
// dot segments, empty segments, encoded slashes or backslashes, and NUL. Authorizing one path
// while the upstream serves another is the classic bypass, so such requests are denied rather
// than normalized.
func cleanPath(escaped, decoded string) (string, error) {
	if decoded == "" || decoded[0] != '/' {
		return "", errUncleanPath
	}
	low := strings.ToLower(escaped)
	if strings.Contains(low, "%2f") || strings.Contains(low, "%5c") || strings.Contains(low, "%00") || strings.ContainsAny(decoded, "\\\x00") {
		return "", errUncleanPath
	}
	if decoded != "/" {
		for _, s := range strings.Split(decoded[1:], "/") {
			if s == "." || s == ".." {
				return "", errUncleanPath
			}
		}
		if strings.Contains(decoded, "//") {
			return "", errUncleanPath
		}
	}
	return decoded, nil
}

// hostOnly strips the port from a Host header and lower-cases it.
func hostOnly(h string) string {
	if host, _, err := net.SplitHostPort(h); err == nil {
		h = host
	}
	return strings.ToLower(strings.TrimSuffix(h, "."))
}
