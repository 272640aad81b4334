package gateway

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"unicode/utf8"
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

var (
	errUncleanPath   = errors.New("path is not canonical")
	errDoubleEncoded = errors.New("path is still percent-encoded after decoding")
)

// cleanPath refuses request paths whose meaning differs between the gateway and an upstream:
// authorizing one path while the upstream serves another is the classic bypass, so such
// requests are denied rather than normalized. docs/gateway.md ("Path rules") lists the rules;
// in short, after one percent-decoding the path must be absolute, valid UTF-8 (no overlong
// forms such as %c0%ae), without NUL or backslash, without empty segments ("//"), without dot
// segments ("." or "..", also before a ";" parameter, as in "..;"), and without "%2e", "%2f"
// or "%5c" (what a second decoding would turn into a dot, slash or backslash: %252e). An
// encoded slash (%2F) in the request is reported, not refused: a route may allow it
// (allow_encoded_slash); the segments matched are those of the decoded path either way. It
// allocates nothing.
func cleanPath(escaped, decoded string) (path string, encodedSlash bool, err error) {
	if decoded == "" || decoded[0] != '/' {
		return "", false, errUncleanPath
	}
	for i := 0; i+2 < len(escaped); i++ {
		if escaped[i] == '%' && escaped[i+1] == '2' && escaped[i+2]|0x20 == 'f' {
			encodedSlash = true
			break
		}
	}
	if !utf8.ValidString(decoded) {
		return "", false, errUncleanPath
	}
	segStart := 1
	for i := 1; i <= len(decoded); i++ {
		if i == len(decoded) || decoded[i] == '/' {
			seg := decoded[segStart:i]
			if j := strings.IndexByte(seg, ';'); j >= 0 {
				seg = seg[:j]
			}
			if seg == "." || seg == ".." || seg == "" && i < len(decoded) && decoded != "/" {
				return "", false, errUncleanPath
			}
			segStart = i + 1
			continue
		}
		switch c := decoded[i]; c {
		case 0, '\\':
			return "", false, errUncleanPath
		case '%':
			if i+2 < len(decoded) {
				a, b := decoded[i+1], decoded[i+2]|0x20
				if a == '2' && (b == 'e' || b == 'f') || a == '5' && b == 'c' {
					return "", false, errDoubleEncoded
				}
			}
		}
	}
	return decoded, encodedSlash, nil
}

// keepEncodedSlashes decodes an escaped path (one cleanPath accepted) except its encoded
// slashes, which are kept as "%2F": the path as a route with allow_encoded_slash sees it.
func keepEncodedSlashes(escaped string) string {
	var b strings.Builder
	b.Grow(len(escaped))
	for i := 0; i < len(escaped); i++ {
		c := escaped[i]
		if c == '%' && i+2 < len(escaped) && isHex(escaped[i+1]) && isHex(escaped[i+2]) {
			v := unhex(escaped[i+1])<<4 | unhex(escaped[i+2])
			if v == '/' {
				b.WriteString("%2F")
			} else {
				b.WriteByte(v)
			}
			i += 2
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// hostOnly strips the port from a Host header and lower-cases it.
func hostOnly(h string) string {
	if host, _, err := net.SplitHostPort(h); err == nil {
		h = host
	}
	return strings.ToLower(strings.TrimSuffix(h, "."))
}
