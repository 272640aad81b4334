package gitignore

import (
	"strings"
	"testing"
)

// FuzzMatch feeds arbitrary ignore files and paths through the parser and the matcher. Neither
// may panic, and two properties must hold: a pattern made only of ordinary bytes matches exactly
// itself as a basename, and the same inputs always give the same answer.
func FuzzMatch(f *testing.F) {
	seeds := [][2]string{
		{"*.log\n!keep.log\n", "a/keep.log"},
		{"/build/\n", "build/x"},
		{"**/foo/**/bar\n", "foo/a/b/bar"},
		{"a[!]-z[:alpha:]]b\n", "a]b"},
		{"x[[:digit:]\n", "x1"},
		{`\#a\ \` + "\n", "#a "},
		{"***/**a**\n", "b/a"},
		{"[\\\n", "["},
		{"\xef\xbb\xbf/a/*/b/\n", "a/c/b"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1], false)
	}
	f.Fuzz(func(t *testing.T, ignore, path string, isDir bool) {
		ps, _ := Parse([]byte(ignore), "")
		m := NewMatcher(ps...)
		first := m.Ignored(path, isDir)
		if again := m.Ignored(path, isDir); again != first {
			t.Fatalf("Ignored(%q) changed from %v to %v", path, first, again)
		}
		for _, p := range ps {
			slow := p
			slow.literal, slow.isSuffix = "", false
			if got, want := p.Match(path, isDir), slow.Match(path, isDir); got != want {
				t.Fatalf("pattern %q on %q: fast path says %v, full matcher %v", p.Source, path, got, want)
			}
		}
		if plain(path) {
			p, ok, err := ParsePattern(path, "")
			if err != nil || !ok {
				t.Fatalf("ParsePattern(%q) = ok %v, err %v", path, ok, err)
			}
			if !p.Match("dir/"+path, false) {
				t.Fatalf("literal pattern %q does not match itself", path)
			}
		}
	})
}

// plain reports whether s is a basename with no byte the pattern syntax treats specially.
func plain(s string) bool {
	if s == "" || s[0] == '#' || s[0] == '!' || strings.HasSuffix(s, " ") || strings.HasSuffix(s, "\r") {
		return false
	}
	return !strings.ContainsAny(s, "/\\*?[\n")
}
