// Package gitignore matches slash-separated paths against .gitignore patterns with git's own
// semantics: negation, directory-only patterns, anchoring, "**", character classes, escapes, and
// the precedence of later lines and deeper files over earlier and shallower ones.
//
// It is a pure matcher: it reads no files and never touches the file system, so the scan engine
// decides where pattern files come from (always through an os.Root). Matching runs in time
// proportional to pattern length times path length, whatever the pattern, so a hostile
// .gitignore cannot stall a scan.
package gitignore

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// Pattern is one compiled line of an ignore file.
type Pattern struct {
	// Source is the line as written (after trimming), kept for messages.
	Source string
	// Line is the 1-based line in its file, zero when the pattern did not come from a file.
	Line int

	base     string // directory of the ignore file, relative to the root; "" for the root
	negate   bool   // "!pattern": re-include what an earlier pattern excluded
	dirOnly  bool   // "pattern/": matches directories only
	basename bool   // no slash inside: matches the last path element at any depth
	toks     []token
	// Fast paths, as git has: a pattern that is all literal bytes, or "*" then literal bytes.
	literal  string
	suffix   string
	isSuffix bool
}

type tokenKind uint8

const (
	tokByte     tokenKind = iota // one literal byte
	tokAny                       // "?": one byte other than '/'
	tokStar                      // "*": any run of bytes without '/'
	tokGlobstar                  // trailing "/**": any run of bytes, slashes included
	tokDirs                      // "**/" at the start or after '/': zero or more whole directories
	tokClass                     // "[...]": one byte from a set, never '/'
)

type token struct {
	kind tokenKind
	b    byte
	set  *[256]bool
}

// Errors returned by ParsePattern for lines git would never match.
var (
	ErrTrailingBackslash = errors.New("pattern ends with an unescaped backslash")
	ErrUnclosedClass     = errors.New("unclosed character class '['")
	ErrUnknownClass      = errors.New("unknown character class name")
)

// ParsePattern compiles one line of an ignore file that lives in directory base (slash-separated,
// relative to the scan root, "" for the root). It returns ok=false for blank lines and comments.
// An error means git would treat the line as a pattern that never matches; callers report it.
func ParsePattern(line, base string) (p Pattern, ok bool, err error) {
	line = strings.TrimSuffix(line, "\r")
	line = trimTrailingSpaces(line)
	if line == "" || line[0] == '#' {
		return Pattern{}, false, nil
	}
	p = Pattern{Source: line, base: strings.Trim(base, "/")}
	s := line
	if s[0] == '!' {
		p.negate = true
		s = s[1:]
	}
	if strings.HasSuffix(s, "/") {
		// Like git, drop exactly one trailing slash; it makes the pattern directory-only.
		p.dirOnly = true
		s = s[:len(s)-1]
	}
	if s == "" {
		// "/" or "!" alone: git accepts the line and it matches nothing.
		return Pattern{}, false, nil
	}
	p.basename = !strings.Contains(s, "/")
	s = strings.TrimPrefix(s, "/")
	toks, err := compile(s)
	if err != nil {
		return Pattern{}, false, fmt.Errorf("pattern %q: %w", line, err)
	}
	p.toks = toks
	p.literal, p.suffix, p.isSuffix = fastPaths(toks)
	return p, true, nil
}

// fastPaths recognises patterns that need no dynamic program.
func fastPaths(toks []token) (literal, suffix string, isSuffix bool) {
	lit := func(ts []token) (string, bool) {
		b := make([]byte, 0, len(ts))
		for _, t := range ts {
			if t.kind != tokByte {
				return "", false
			}
			b = append(b, t.b)
		}
		return string(b), true
	}
	if l, ok := lit(toks); ok {
		return l, "", false
	}
	if len(toks) > 0 && toks[0].kind == tokStar {
		if l, ok := lit(toks[1:]); ok && !strings.Contains(l, "/") {
			return "", l, true
		}
	}
	return "", "", false
}

// trimTrailingSpaces drops unescaped trailing spaces, as git does; "foo\ " keeps its space.
func trimTrailingSpaces(s string) string {
	end := len(s)
	for end > 0 && s[end-1] == ' ' {
		// Count the backslashes before this space: an odd number escapes it.
		n := 0
		for i := end - 2; i >= 0 && s[i] == '\\'; i-- {
			n++
		}
		if n%2 == 1 {
			break
		}
		end--
	}
	return s[:end]
}

// LineError is a line of an ignore file that git would never match.
type LineError struct {
	Line int // 1-based
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }

// Parse compiles every line of an ignore file found in directory base. Lines that can never
// match are returned as errors naming the line, and left out of the result; the rest still apply.
func Parse(data []byte, base string) ([]Pattern, []error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // git skips a UTF-8 byte-order mark
	var (
		out  []Pattern
		errs []error
	)
	for i, line := range strings.Split(string(data), "\n") {
		p, ok, err := ParsePattern(line, base)
		if err != nil {
			errs = append(errs, &LineError{Line: i + 1, Err: err})
			continue
		}
		if ok {
			p.Line = i + 1
			out = append(out, p)
		}
	}
	return out, errs
}

// compile turns a glob (without its leading '/', '!' and trailing '/') into tokens.
func compile(s string) ([]token, error) {
	toks := make([]token, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\':
			if i+1 >= len(s) {
				return nil, ErrTrailingBackslash
			}
			i++
			toks = append(toks, token{kind: tokByte, b: s[i]})
		case '?':
			toks = append(toks, token{kind: tokAny})
		case '*':
			j := i
			for j < len(s) && s[j] == '*' {
				j++
			}
			atStart := i == 0 || s[i-1] == '/'
			switch {
			case j-i >= 2 && atStart && j == len(s):
				toks = append(toks, token{kind: tokGlobstar})
			case j-i >= 2 && atStart && s[j] == '/':
				toks = append(toks, token{kind: tokDirs})
				j++ // the slash belongs to "**/"
			default:
				toks = append(toks, token{kind: tokStar})
			}
			i = j - 1
		case '[':
			set, next, err := compileClass(s, i+1)
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{kind: tokClass, set: set})
			i = next
		default:
			toks = append(toks, token{kind: tokByte, b: c})
		}
	}
	return toks, nil
}

// compileClass reads a bracket expression starting just after '[' and returns its byte set and
// the index of the closing ']'. It follows git's wildmatch: '!' or '^' negates, a ']' right after
// the opening (or the negation) is literal, ranges use '-', and [:name:] names a POSIX class.
func compileClass(s string, i int) (*[256]bool, int, error) {
	var set [256]bool
	negate := false
	if i < len(s) && (s[i] == '!' || s[i] == '^') {
		negate = true
		i++
	}
	var prev int = -1 // previous single byte, usable as a range start; -1 after a range or class
	first := true
	for ; ; i++ {
		if i >= len(s) {
			return nil, 0, ErrUnclosedClass
		}
		c := s[i]
		if c == ']' && !first {
			break
		}
		first = false
		switch {
		case c == '\\':
			i++
			if i >= len(s) {
				return nil, 0, ErrUnclosedClass
			}
			set[s[i]] = true
			prev = int(s[i])
		case c == '-' && prev >= 0 && i+1 < len(s) && s[i+1] != ']':
			i++
			hi := s[i]
			if hi == '\\' {
				i++
				if i >= len(s) {
					return nil, 0, ErrUnclosedClass
				}
				hi = s[i]
			}
			for b := prev; b <= int(hi); b++ {
				set[b] = true
			}
			prev = -1
		case c == '[' && i+1 < len(s) && s[i+1] == ':':
			end := strings.IndexByte(s[i+2:], ']')
			if end < 0 {
				return nil, 0, ErrUnclosedClass
			}
			body := s[i+2 : i+2+end]
			if !strings.HasSuffix(body, ":") {
				// No ":]": the '[' is an ordinary member, as in git.
				set['['] = true
				prev = '['
				continue
			}
			if !addNamedClass(&set, strings.TrimSuffix(body, ":")) {
				return nil, 0, fmt.Errorf("%w [:%s]", ErrUnknownClass, body)
			}
			i += 2 + end
			prev = -1
		default:
			set[c] = true
			prev = int(c)
		}
	}
	if negate {
		for b := range set {
			set[b] = !set[b]
		}
	}
	set['/'] = false // a class never matches a path separator
	return &set, i, nil
}

func addNamedClass(set *[256]bool, name string) bool {
	var pred func(b byte) bool
	switch name {
	case "alnum":
		pred = func(b byte) bool { return isAlpha(b) || isDigit(b) }
	case "alpha":
		pred = isAlpha
	case "blank":
		pred = func(b byte) bool { return b == ' ' || b == '\t' }
	case "cntrl":
		pred = func(b byte) bool { return b < 0x20 || b == 0x7f }
	case "digit":
		pred = isDigit
	case "graph":
		pred = func(b byte) bool { return b > 0x20 && b < 0x7f }
	case "lower":
		pred = func(b byte) bool { return b >= 'a' && b <= 'z' }
	case "print":
		pred = func(b byte) bool { return b >= 0x20 && b < 0x7f }
	case "punct":
		pred = func(b byte) bool { return b > 0x20 && b < 0x7f && !isAlpha(b) && !isDigit(b) }
	case "space":
		pred = func(b byte) bool { return b == ' ' || (b >= '\t' && b <= '\r') }
	case "upper":
		pred = func(b byte) bool { return b >= 'A' && b <= 'Z' }
	case "xdigit":
		pred = func(b byte) bool { return isDigit(b) || (b|0x20 >= 'a' && b|0x20 <= 'f') }
	default:
		return false
	}
	for b := 0; b < 256; b++ {
		if pred(byte(b)) {
			set[b] = true
		}
	}
	return true
}

func isAlpha(b byte) bool { return (b|0x20) >= 'a' && (b|0x20) <= 'z' }
func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// Negated reports whether the pattern re-includes ("!pattern") rather than excludes.
func (p *Pattern) Negated() bool { return p.negate }

// Match reports whether the pattern matches path (slash-separated, relative to the scan root),
// which names a directory when isDir is true. It looks at this pattern only; precedence between
// patterns is the Matcher's job.
func (p *Pattern) Match(path string, isDir bool) bool {
	if p.dirOnly && !isDir {
		return false
	}
	rel := path
	if p.base != "" {
		if !strings.HasPrefix(path, p.base+"/") {
			return false
		}
		rel = path[len(p.base)+1:]
	}
	if p.basename {
		rel = rel[strings.LastIndexByte(rel, '/')+1:]
	}
	switch {
	case p.literal != "":
		return rel == p.literal
	case p.isSuffix:
		return strings.HasSuffix(rel, p.suffix) && !strings.Contains(rel[:len(rel)-len(p.suffix)], "/")
	}
	return match(p.toks, rel)
}

// match runs a dynamic program over (token, byte) positions: next[j] says whether toks[i+1:]
// matches s[j:]. It never backtracks, so its cost is bounded by len(toks)*len(s).
func match(toks []token, s string) bool {
	m := len(s)
	var next, cur []bool
	if m < 256 {
		var a, b [256]bool // paths are short: keep the rows off the heap
		next, cur = a[:m+1], b[:m+1]
	} else {
		next, cur = make([]bool, m+1), make([]bool, m+1)
	}
	next[m] = true // the empty pattern matches only the empty rest
	for i := len(toks) - 1; i >= 0; i-- {
		t := toks[i]
		reach := false // for tokDirs: some k >= j with s[k]=='/' and next[k+1]
		cur[m] = t.kind == tokStar || t.kind == tokGlobstar || t.kind == tokDirs
		cur[m] = cur[m] && next[m]
		for j := m - 1; j >= 0; j-- {
			c := s[j]
			switch t.kind {
			case tokByte:
				cur[j] = c == t.b && next[j+1]
			case tokAny:
				cur[j] = c != '/' && next[j+1]
			case tokClass:
				cur[j] = t.set[c] && next[j+1]
			case tokStar:
				cur[j] = next[j] || (c != '/' && cur[j+1])
			case tokGlobstar:
				cur[j] = next[j] || cur[j+1]
			case tokDirs:
				if c == '/' && next[j+1] {
					reach = true
				}
				cur[j] = next[j] || reach
			}
		}
		next, cur = cur, next
	}
	return next[0]
}
