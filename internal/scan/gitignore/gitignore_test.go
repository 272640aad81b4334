package gitignore

import (
	"errors"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/internal/scan/gitlog/gittest"
)

type matchCase struct {
	name   string
	ignore map[string]string // ignore file path ("" dir for the root) → content
	path   string
	isDir  bool
	want   bool
}

// matchCases are checked against this package and, when the git binary is present, against
// `git check-ignore`, so the expectations are git's own and not a guess.
var matchCases = []matchCase{
	{name: "plain name matches at any depth", ignore: root("secret.txt"), path: "a/b/secret.txt", want: true},
	{name: "plain name matches a directory too", ignore: root("build"), path: "x/build", isDir: true, want: true},
	{name: "plain name is not a substring match", ignore: root("secret"), path: "secrets", want: false},
	{name: "star stays within one element", ignore: root("*.log"), path: "logs/app.log", want: true},
	{name: "star in anchored pattern does not cross slash", ignore: root("/a/*.log"), path: "a/b/c.log", want: false},
	{name: "anchored pattern matches only at its base", ignore: root("/top.txt"), path: "sub/top.txt", want: false},
	{name: "anchored pattern at base", ignore: root("/top.txt"), path: "top.txt", want: true},
	{name: "middle slash anchors", ignore: root("doc/frotz"), path: "a/doc/frotz", want: false},
	{name: "middle slash anchors and matches", ignore: root("doc/frotz"), path: "doc/frotz", want: true},
	{name: "directory-only does not match a file", ignore: root("cache/"), path: "cache", want: false},
	{name: "directory-only matches a directory", ignore: root("cache/"), path: "cache", isDir: true, want: true},
	{name: "directory-only excludes contents", ignore: root("cache/"), path: "a/cache/x.txt", want: true},
	{name: "negation re-includes", ignore: root("*.env", "!example.env"), path: "example.env", want: false},
	{name: "later line wins over negation", ignore: root("!example.env", "*.env"), path: "example.env", want: true},
	{name: "negation cannot re-include inside excluded dir", ignore: root("/build/", "!/build/keep.txt"), path: "build/keep.txt", want: true},
	{name: "negation works when contents not dir excluded", ignore: root("/build/*", "!/build/keep.txt"), path: "build/keep.txt", want: false},
	{name: "negation with contents star still ignores others", ignore: root("/build/*", "!/build/keep.txt"), path: "build/other.txt", want: true},
	{name: "leading double star any depth", ignore: root("**/foo"), path: "x/y/foo", want: true},
	{name: "leading double star at top", ignore: root("**/foo"), path: "foo", want: true},
	{name: "leading double star then path", ignore: root("**/foo/bar"), path: "q/foo/bar", want: true},
	{name: "trailing double star contents", ignore: root("abc/**"), path: "abc/d/e", want: true},
	{name: "trailing double star not the dir itself", ignore: root("abc/**"), path: "abc", isDir: true, want: false},
	{name: "middle double star zero dirs", ignore: root("a/**/b"), path: "a/b", want: true},
	{name: "middle double star many dirs", ignore: root("a/**/b"), path: "a/x/y/b", want: true},
	{name: "double star glued to name is a star", ignore: root("a/**b"), path: "a/x/b", want: false},
	{name: "double star glued matches in one element", ignore: root("a/**b"), path: "a/xb", want: true},
	{name: "question mark one char", ignore: root("fo?.txt"), path: "foo.txt", want: true},
	{name: "question mark not slash", ignore: root("a?b"), path: "a/b", want: false},
	{name: "class range", ignore: root("file[0-9].txt"), path: "file7.txt", want: true},
	{name: "class range miss", ignore: root("file[0-9].txt"), path: "filex.txt", want: false},
	{name: "negated class bang", ignore: root("file[!0-9].txt"), path: "filex.txt", want: true},
	{name: "negated class caret", ignore: root("file[^0-9].txt"), path: "file1.txt", want: false},
	{name: "class with leading bracket", ignore: root("x[]]y"), path: "x]y", want: true},
	{name: "posix class", ignore: root("v[[:digit:]]"), path: "v3", want: true},
	{name: "posix class miss", ignore: root("v[[:digit:]]"), path: "va", want: false},
	{name: "escaped hash is literal", ignore: root(`\#notes`), path: "#notes", want: true},
	{name: "hash starts comment", ignore: root("#notes"), path: "#notes", want: false},
	{name: "escaped bang is literal", ignore: root(`\!important`), path: "!important", want: true},
	{name: "escaped star is literal", ignore: root(`a\*b`), path: "axb", want: false},
	{name: "escaped star literal match", ignore: root(`a\*b`), path: "a*b", want: true},
	{name: "trailing spaces trimmed", ignore: root("spaced   "), path: "spaced", want: true},
	{name: "escaped trailing space kept", ignore: root(`sp\ `), path: "sp ", want: true},
	{name: "escaped trailing space needed", ignore: root(`sp\ `), path: "sp", want: false},
	{name: "deeper file overrides parent", ignore: map[string]string{"": "*.key\n", "keep": "!*.key\n"}, path: "keep/a.key", want: false},
	{name: "parent rule still applies beside", ignore: map[string]string{"": "*.key\n", "keep": "!*.key\n"}, path: "other/a.key", want: true},
	{name: "deeper file anchors to its dir", ignore: map[string]string{"sub": "/only.txt\n"}, path: "sub/only.txt", want: true},
	{name: "deeper file does not reach outside", ignore: map[string]string{"sub": "/only.txt\n"}, path: "only.txt", want: false},
	{name: "deeper file anchoring not deeper", ignore: map[string]string{"sub": "/only.txt\n"}, path: "sub/x/only.txt", want: false},
	{name: "deeper dir-only excludes", ignore: map[string]string{"sub": "tmp/\n"}, path: "sub/a/tmp/f", want: true},
	{name: "case sensitive", ignore: root("README"), path: "readme", want: false},
	{name: "unicode literal", ignore: root("日本.txt"), path: "d/日本.txt", want: true},
	{name: "star matches dotfiles", ignore: root("*"), path: ".env", want: true},
	{name: "crlf line ending ignored", ignore: root("crlf.txt\r"), path: "crlf.txt", want: true},
	{name: "unclosed class never matches", ignore: root("a[b"), path: "a[b", want: false},
}

func root(lines ...string) map[string]string {
	return map[string]string{"": strings.Join(lines, "\n") + "\n"}
}

func matcherFor(t *testing.T, files map[string]string) *Matcher {
	t.Helper()
	dirs := make([]string, 0, len(files))
	for d := range files {
		dirs = append(dirs, d)
	}
	// Shallower files first: deeper ones take precedence.
	slices.SortFunc(dirs, func(a, b string) int {
		return strings.Count(a, "/") - strings.Count(b, "/") + boolInt(a != "") - boolInt(b != "")
	})
	var m *Matcher
	for _, d := range dirs {
		ps, _ := Parse([]byte(files[d]), d)
		m = m.With(ps)
	}
	return m
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestIgnored(t *testing.T) {
	for _, tc := range matchCases {
		t.Run(tc.name, func(t *testing.T) {
			m := matcherFor(t, tc.ignore)
			if got := m.Ignored(tc.path, tc.isDir); got != tc.want {
				t.Errorf("Ignored(%q, dir=%v) = %v, want %v", tc.path, tc.isDir, got, tc.want)
			}
		})
	}
}

// TestAgainstGit checks that every expectation above is what git itself decides.
func TestAgainstGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git binary not found; the expectations are checked against git only where it is installed")
	}
	for _, tc := range matchCases {
		if strings.ContainsAny(tc.path, "\r") {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			repo := gittest.New(t)
			dir := repo.Dir
			for d, content := range tc.ignore {
				p := filepath.Join(dir, filepath.FromSlash(d), ".gitignore")
				mustWrite(t, p, content)
			}
			full := filepath.Join(dir, filepath.FromSlash(tc.path))
			if tc.isDir {
				if err := os.MkdirAll(full, 0o755); err != nil {
					t.Fatal(err)
				}
			} else {
				mustWrite(t, full, "x")
			}
			err := repo.Cmd("check-ignore", "-q", "--no-index", "--", tc.path).Run()
			var exit *exec.ExitError
			gitSays := err == nil
			if err != nil && (!errors.As(err, &exit) || exit.ExitCode() != 1) {
				t.Fatalf("git check-ignore: %v", err)
			}
			if gitSays != tc.want {
				t.Errorf("git check-ignore says ignored=%v for %q, the table says %v", gitSays, tc.path, tc.want)
			}
		})
	}
}

func mustWrite(t *testing.T, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    []string // substrings of the errors, in order
		kept    int
	}{
		{name: "clean file", content: "a\n#c\n\n!b\n", kept: 2},
		{name: "unclosed class", content: "ok\nbad[\n", want: []string{"line 2", "unclosed"}, kept: 1},
		{name: "trailing backslash", content: `bad\`, want: []string{"line 1", "backslash"}, kept: 0},
		{name: "unknown class name", content: "x[[:nope:]]\n", want: []string{"line 1", "unknown character class"}, kept: 0},
		{name: "byte order mark", content: "\xef\xbb\xbfa\n", kept: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ps, errs := Parse([]byte(tc.content), "")
			if len(ps) != tc.kept {
				t.Errorf("kept %d patterns, want %d", len(ps), tc.kept)
			}
			if len(tc.want) == 0 {
				if len(errs) != 0 {
					t.Errorf("unexpected errors: %v", errs)
				}
				return
			}
			if len(errs) != 1 {
				t.Fatalf("got errors %v, want one", errs)
			}
			for _, w := range tc.want {
				if !strings.Contains(errs[0].Error(), w) {
					t.Errorf("error %q does not mention %q", errs[0], w)
				}
			}
		})
	}
}

func TestBOMPatternMatches(t *testing.T) {
	ps, _ := Parse([]byte("\xef\xbb\xbfa.txt\n"), "")
	if ok, _ := NewMatcher(ps...).Match("a.txt", false); !ok {
		t.Error("pattern after a byte-order mark does not match")
	}
}

func TestMatchReportsDecidingPattern(t *testing.T) {
	ps, _ := Parse([]byte("*.log\n!keep.log\n"), "")
	m := NewMatcher(ps...)
	ig, p := m.Match("keep.log", false)
	if ig || p == nil || p.Line != 2 || !p.Negated() {
		t.Errorf("Match = %v, %+v; want not ignored by line 2", ig, p)
	}
	if _, p := m.Match(path.Join("x", "y.txt"), false); p != nil {
		t.Errorf("unexpected deciding pattern %+v", p)
	}
}

func TestWithDoesNotMutate(t *testing.T) {
	a, _ := Parse([]byte("*.a\n"), "")
	b, _ := Parse([]byte("*.b\n"), "")
	base := NewMatcher(a...)
	_ = base.With(b)
	if base.Len() != 1 {
		t.Errorf("base has %d patterns after With, want 1", base.Len())
	}
}
