package suppress

import (
	"strings"
	"testing"
)

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		name, pattern, path string
		want                bool
	}{
		{"literal", "src/app.go", "src/app.go", true},
		{"literal other", "src/app.go", "src/app_test.go", false},
		{"star in segment", "docs/*.md", "docs/intro.md", true},
		{"star does not cross slash", "docs/*.md", "docs/guide/intro.md", false},
		{"root only without globstar", "*.md", "docs/intro.md", false},
		{"globstar any depth", "**/*.md", "docs/guide/intro.md", true},
		{"globstar zero segments", "**/*.md", "README.md", true},
		{"trailing globstar", "test/**", "test/fixtures/a/b.pem", true},
		{"trailing globstar matches dir itself", "test/**", "test", true},
		{"trailing globstar other dir", "test/**", "testdata/x", false},
		{"trailing slash means everything under", "test/", "test/x/y", true},
		{"middle globstar", "a/**/z.txt", "a/b/c/d/z.txt", true},
		{"middle globstar zero", "a/**/z.txt", "a/z.txt", true},
		{"middle globstar wrong tail", "a/**/z.txt", "a/b/y.txt", false},
		{"many globstars", "**/**/**/x", "x", true},
		{"question mark", "key?.pem", "key1.pem", true},
		{"class", "key[0-9].pem", "keya.pem", false},
		{"negated class", "key[!0-9].pem", "keya.pem", true},
		{"escape", `a\*b`, "a*b", true},
		{"escape is literal", `a\*b`, "axb", false},
		{"double star inside segment is a star", "foo**bar", "fooXbar", true},
		{"double star inside segment stays in segment", "foo**bar", "foo/bar", false},
		{"leading dot slash in path", "src/*.go", "./src/a.go", true},
		{"rule id glob", "generic-*", "generic-password", true},
		{"rule id glob miss", "generic-*", "aws-access-key-id", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g, err := compileGlob(tc.pattern)
			if err != nil {
				t.Fatalf("compileGlob(%q): %v", tc.pattern, err)
			}
			if got := g.match(tc.path); got != tc.want {
				t.Errorf("%q matches %q = %v, want %v", tc.pattern, tc.path, got, tc.want)
			}
		})
	}
}

func TestCompileGlobErrors(t *testing.T) {
	tests := []struct{ name, pattern, want string }{
		{"empty", "", "empty pattern"},
		{"absolute", "/etc/passwd", "starts with /"},
		{"empty segment", "a//b", "empty path segment"},
		{"unclosed class", "a/[bc", "syntax error"},
		{"dangling escape", `a\`, "syntax error"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := compileGlob(tc.pattern)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("compileGlob(%q) = %v, want error containing %q", tc.pattern, err, tc.want)
			}
		})
	}
}

// A pattern of many globstars against a deep path must stay fast (the matcher is O(n·m)).
func TestGlobManyGlobstarsIsLinear(t *testing.T) {
	g, err := compileGlob(strings.Repeat("**/", 200) + "x")
	if err != nil {
		t.Fatal(err)
	}
	if g.match(strings.Repeat("d/", 500) + "y") {
		t.Error("matched a path without x")
	}
}
