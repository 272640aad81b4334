package gateway

import (
	"strings"
	"testing"
)

// FuzzParseConfig feeds arbitrary YAML to the strict config decoder and validator: it must return
// a config or a ConfigError naming the file, never panic.
func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(validEdge))
	f.Add([]byte("mode: sidecar\nroutes: [{name: a, path: /**, allow: 'true', upstream: 'http://127.0.0.1:1'}]\n"))
	f.Add([]byte("a: &x [*x]\n"))
	f.Add([]byte("mode: [\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, err := ParseConfig("fuzz.yaml", b)
		if err != nil && !strings.HasPrefix(err.Error(), "fuzz.yaml") {
			t.Fatalf("error does not name the file: %v", err)
		}
	})
}

// FuzzPathMatch checks that patterns and paths never panic, that "/**" matches every clean path,
// and that a literal pattern matches its own path.
func FuzzPathMatch(f *testing.F) {
	f.Add("/orders/*/items/**", "/orders/1/items/2")
	f.Add("/", "/")
	f.Add("/a/**", "/a")
	f.Fuzz(func(t *testing.T, pat, path string) {
		p, err := compilePattern(pat)
		if err == nil {
			_ = p.match(path)
		}
		clean, err := cleanPath(path, path)
		if err != nil {
			return
		}
		all, _ := compilePattern("/**")
		if !all.match(clean) {
			t.Fatalf("/** does not match %q", clean)
		}
		if !strings.Contains(clean, "*") {
			if lit, err := compilePattern(clean); err == nil && !lit.match(clean) {
				t.Fatalf("pattern %q does not match itself", clean)
			}
		}
	})
}
