package gitignore

import "strings"

// Matcher decides whether a path is ignored by a stack of pattern files. It is immutable: With
// returns a new Matcher, so a concurrent walk can hand each directory its own without locking.
type Matcher struct {
	patterns []Pattern // lowest precedence first
}

// NewMatcher returns a Matcher over patterns, lowest precedence first: the patterns of
// .git/info/exclude, then those of the root .gitignore, then those of deeper .gitignore files.
func NewMatcher(patterns ...Pattern) *Matcher {
	return &Matcher{patterns: patterns}
}

// With returns a Matcher in which patterns (typically a deeper .gitignore) take precedence over
// everything m already holds. m itself is unchanged.
func (m *Matcher) With(patterns []Pattern) *Matcher {
	if len(patterns) == 0 {
		return m
	}
	var old []Pattern
	if m != nil {
		old = m.patterns
	}
	out := make([]Pattern, 0, len(old)+len(patterns))
	out = append(out, old...)
	out = append(out, patterns...)
	return &Matcher{patterns: out}
}

// Match reports whether path itself is ignored, looking only at the patterns: the last pattern
// that matches decides, and a negated one re-includes. It does not look at parent directories;
// a walker that never descends into ignored directories needs nothing more (use Ignored
// otherwise). The second result is the deciding pattern, nil when none matched.
func (m *Matcher) Match(path string, isDir bool) (bool, *Pattern) {
	if m == nil {
		return false, nil
	}
	for i := len(m.patterns) - 1; i >= 0; i-- {
		p := &m.patterns[i]
		if p.Match(path, isDir) {
			return !p.negate, p
		}
	}
	return false, nil
}

// Ignored reports whether path is ignored, either itself or because a parent directory is: as in
// git, a file cannot be re-included when a directory above it is excluded.
func (m *Matcher) Ignored(path string, isDir bool) bool {
	for i := 0; i < len(path); i++ {
		if path[i] == '/' {
			if ig, _ := m.Match(path[:i], true); ig {
				return true
			}
		}
	}
	ig, _ := m.Match(strings.TrimSuffix(path, "/"), isDir)
	return ig
}
