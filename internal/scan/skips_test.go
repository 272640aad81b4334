package scan

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/internal/shareddata"
)

var update = flag.Bool("update", false, "rewrite the default skip table in docs/scanning.md from DefaultSkips")

func TestDefaultSkipsWellFormed(t *testing.T) {
	rules := DefaultSkips()
	if _, err := compileSkips(rules); err != nil {
		t.Fatalf("the default list does not compile: %v", err)
	}
	seen := map[string]bool{}
	for _, r := range rules {
		if seen[r.Pattern] {
			t.Errorf("pattern %q listed twice", r.Pattern)
		}
		seen[r.Pattern] = true
		if strings.TrimSpace(r.Reason) == "" {
			t.Errorf("pattern %q has no reason", r.Pattern)
		}
	}
	rules[0].Pattern = "changed"
	if DefaultSkips()[0].Pattern == "changed" {
		t.Error("DefaultSkips shares its slice between callers")
	}
}

func TestDefaultSkipsMatch(t *testing.T) {
	rules, err := compileSkips(DefaultSkips())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		path  string
		isDir bool
		want  string // pattern of the matching rule, "" for none
	}{
		{name: "nested node_modules", path: "web/node_modules", isDir: true, want: "node_modules/"},
		{name: "a file named vendor is not the directory rule", path: "vendor", want: ""},
		{name: "go.sum at depth", path: "svc/a/go.sum", want: "go.sum"},
		{name: "a directory named go.sum is not a lock file", path: "go.sum", isDir: true, want: ""},
		{name: "minified", path: "static/app.min.js", want: "*.min.js"},
		{name: "not minified", path: "static/app.js", want: ""},
		{name: "source map", path: "a/b.js.map", want: "*.js.map"},
		{name: "testdata", path: "pkg/testdata", isDir: true, want: "testdata/"},
		{name: "git dir", path: ".git", isDir: true, want: ".git/"},
		{name: "similar name", path: "my_node_modules", isDir: true, want: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ""
			if r := matchSkip(rules, tc.path, tc.isDir); r != nil {
				got = r.Pattern
			}
			if got != tc.want {
				t.Errorf("matchSkip(%q, dir=%v) = %q, want %q", tc.path, tc.isDir, got, tc.want)
			}
		})
	}
}

func TestCompileSkipsRejectsBadRules(t *testing.T) {
	tests := []struct {
		name string
		rule SkipRule
		want string
	}{
		{name: "unparsable", rule: SkipRule{Pattern: "a[", Reason: "x"}, want: "skip rule 1: pattern \"a[\": unclosed"},
		{name: "negated", rule: SkipRule{Pattern: "!a", Reason: "x"}, want: "negated"},
		{name: "comment", rule: SkipRule{Pattern: "#a", Reason: "x"}, want: "a comment"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := compileSkips([]SkipRule{tc.rule})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

// TestDocsListDefaultSkips keeps the table in docs/scanning.md equal to DefaultSkips; run with
// -update to regenerate it.
func TestDocsListDefaultSkips(t *testing.T) {
	doc := filepath.Join(shareddata.ModuleRoot(t), "docs", "scanning.md")
	data, err := os.ReadFile(doc)
	if err != nil {
		t.Fatalf("read %s: %v", doc, err)
	}
	const start, end = "<!-- default-skips:start -->\n", "<!-- default-skips:end -->"
	text := string(data)
	i, j := strings.Index(text, start), strings.Index(text, end)
	if i < 0 || j < i {
		t.Fatalf("%s: markers %q and %q not found", doc, strings.TrimSpace(start), end)
	}
	var b strings.Builder
	b.WriteString("| pattern | applies to | why |\n|---|---|---|\n")
	for _, r := range DefaultSkips() {
		scope := "files: withheld from analyzers unless their FileFilter wants them"
		if strings.HasSuffix(r.Pattern, "/") {
			scope = "directories: not walked at all"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", r.Pattern, scope, r.Reason)
	}
	want := b.String()
	got := text[i+len(start) : j]
	if got == want {
		return
	}
	if *update {
		if err := os.WriteFile(doc, []byte(text[:i+len(start)]+want+text[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s: the default skip table is out of date; run go test ./internal/scan -run TestDocsListDefaultSkips -update", doc)
}

func TestIsBinary(t *testing.T) {
	tests := []struct {
		name string
		data string
		want bool
	}{
		{name: "text", data: "key = value\n", want: false},
		{name: "empty", data: "", want: false},
		{name: "invalid utf-8 is text", data: "caf\xe9\xff\xfe text", want: false},
		{name: "nul byte", data: "abc\x00def", want: true},
		{name: "nul after 8 KiB is not seen", data: strings.Repeat("a", 9000) + "\x00", want: false},
		{name: "png", data: "\x89PNG\r\n\x1a\n rest", want: true},
		{name: "gzip", data: "\x1f\x8b\x08 rest", want: true},
		{name: "pdf", data: "%PDF-1.7\n", want: true},
		{name: "svg is text", data: "<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>", want: false},
		{name: "html is text", data: "<!DOCTYPE html><html></html>", want: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := isBinary([]byte(tc.data)); got != tc.want {
				t.Errorf("isBinary = %v, want %v", got, tc.want)
			}
		})
	}
}
