package deps

import (
	"strings"
	"testing"
)

func FuzzParseGoMod(f *testing.F) {
	f.Add(goMod)
	f.Add("module \"x\"\ngo 1.21 // comment\ntoolchain default\n")
	f.Add("toolchain\n\x00go")
	f.Fuzz(func(t *testing.T, s string) {
		m := parseGoMod("sub/go.mod", []byte(s))
		if m.dir != "sub" || m.gomod != "sub/go.mod" {
			t.Fatalf("dir %q gomod %q", m.dir, m.gomod)
		}
		if m.toolchain == "default" || (m.toolchain != "" && m.toolchainLine == 0) {
			t.Fatalf("toolchain %q at line %d", m.toolchain, m.toolchainLine)
		}
	})
}

func FuzzLicenseExpression(f *testing.F) {
	for _, s := range []string{"MIT", "(MIT OR Apache-2.0) AND BSD-3-Clause", "GPL-2.0+ WITH Classpath-exception-2.0", "((", "MIT AND"} {
		f.Add(s)
	}
	lp := newLicensePolicy([]string{"MIT"}, []string{"GPL-2.0"})
	f.Fuzz(func(t *testing.T, s string) {
		rule, off, err := lp.evaluate(s)
		if err != nil {
			return
		}
		if rule != "" && len(off) == 0 {
			t.Fatalf("evaluate(%q) = %q without offending licences", s, rule)
		}
		if rule == "" && !strings.Contains(strings.ToLower(s), "mit") {
			t.Fatalf("evaluate(%q) accepted an expression with no allowed licence", s)
		}
	})
}
