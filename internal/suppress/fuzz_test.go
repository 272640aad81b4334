package suppress

import (
	"bytes"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/palisade-sec/palisade/internal/finding"
)

func FuzzParseDirective(f *testing.F) {
	for _, s := range []string{
		`x := 1 // palisade:ignore jwt test token`,
		`# palisade:ignore * generated`,
		`<!-- palisade:ignore slack-webhook-url revoked -->`,
		`{{- /* palisade:ignore k8s-host-network chart option */ -}}`,
		` * palisade:ignore generic-password docs`,
		`-- palisade:ignore`,
		`; palisade:ignore a`,
		`palisade:ignore palisade:ignore // palisade:ignore`,
		"/*\tpalisade:ignore\tGHSA-aaaa-bbbb-cccc\tunused\r",
		"// palisade:ignore \xff\xfe bad utf8",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		d, found, err := ParseDirective(line)
		if !found {
			if err != nil || d != (Directive{}) {
				t.Fatalf("not found but d=%+v err=%v", d, err)
			}
			return
		}
		if err != nil {
			return
		}
		if !validRuleID(d.RuleID) {
			t.Fatalf("accepted invalid rule ID %q", d.RuleID)
		}
		if d.Reason == "" || strings.TrimSpace(d.Reason) != d.Reason || strings.ContainsAny(d.Reason, "\n\r\t") {
			t.Fatalf("bad reason %q", d.Reason)
		}
		if d.Standalone && !isStandalone(line[:strings.Index(line, DirectiveKeyword)]) && !strings.Contains(line[strings.Index(line, DirectiveKeyword)+1:], DirectiveKeyword) {
			t.Fatalf("standalone, but code precedes the only directive in %q", line)
		}
		if !strings.Contains(line, d.RuleID) {
			t.Fatalf("rule %q not in line", d.RuleID)
		}
		d2, found2, err2 := ParseDirective(line)
		if d2 != d || !found2 || err2 != nil {
			t.Fatal("not deterministic")
		}
	})
}

func FuzzParseIgnoreFile(f *testing.F) {
	f.Add([]byte(sampleIgnore))
	f.Add([]byte("version: 1\nignore: []\n"))
	f.Add([]byte("version: 1\nignore:\n  - paths: ['**/*.pem', 'a/[!b]/c']\n    reason: r\n    expires: 2026-01-01T00:00:00Z\n"))
	f.Add([]byte("version: 1\nignore:\n  - &e {rule: jwt, reason: r}\n  - *e\n"))
	f.Add([]byte("version: 2\n"))
	f.Add([]byte("- a\n- b\n"))
	f.Add([]byte("version: 1\nignore:\n  - rule: jwt\n    <<: {reason: r}\n"))
	f.Add([]byte("version: 1\nignore:\n  - paths: ['**']\n    all: true\n    reason: r\n    expires: 2027-01-01\n"))
	f.Add([]byte("version: 1\nignore:\n  - rule: '*'\n    paths: ['[a-z]*/**', '?*']\n    reason: r\n"))
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := ParseIgnoreFile("fuzz.yaml", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "parse ignore file: fuzz.yaml") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		fd := finding.Finding{RuleID: "jwt", Location: finding.Location{Path: "a/b/c.go"}, Fingerprint: "00ff"}
		for i := range file.Entries {
			e := &file.Entries[i]
			if e.Reason == "" {
				t.Fatalf("entry %d without reason", i)
			}
			if e.Rule == "" && len(e.Paths) == 0 && e.Fingerprint == "" {
				t.Fatalf("entry %d matches everything", i)
			}
			if e.matchesEverything() && (!e.All || e.Expires == nil) {
				t.Fatalf("entry %d matches everything without all: true and an expiry", i)
			}
			if e.Line <= 0 {
				t.Fatalf("entry %d without a line", i)
			}
			e.Matches(&fd)
		}
		file.Match(&fd, now)
		file.Expired(now)
	})
}

func FuzzReadBaseline(f *testing.F) {
	for _, name := range []string{"baseline-report.json", "baseline.sarif"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"schemaVersion": "1.0.0", "findings": [{"fingerprint": "ab"}]}`))
	f.Add([]byte(`{"version": "2.1.0", "runs": [{"results": [{"partialFingerprints": {"palisade/v1": "ab"}}]}]}`))
	f.Add([]byte(`{"schemaVersion": "9", "runs": []}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ReadBaseline("fuzz.json", bytes.NewReader(data))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "read baseline fuzz.json: ") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if b.Format != "palisade-json" && b.Format != "sarif" {
			t.Fatalf("format %q", b.Format)
		}
		for fp := range b.fps {
			if fp == "" || strings.Trim(fp, "0123456789abcdef") != "" {
				t.Fatalf("bad fingerprint %q", fp)
			}
			if !b.Contains(strings.ToUpper(fp)) {
				t.Fatalf("Contains is case-sensitive for %q", fp)
			}
		}
	})
}

func FuzzGlob(f *testing.F) {
	f.Add("**/*.md", "docs/a/b.md")
	f.Add("a/**/b/**/c", "a/x/b/y/z/c")
	f.Add("[!a-z]?\\*", "1x*")
	f.Add("dir/", "dir/x")
	f.Add("**", "")
	f.Fuzz(func(t *testing.T, pattern, name string) {
		g, err := compileGlob(pattern)
		if err != nil || strings.Count(pattern, "**") > 8 {
			return // the reference is exponential in globstars
		}
		got := g.match(name)
		want := naiveMatch(g.segments, strings.Split(strings.TrimPrefix(name, "./"), "/"))
		if got != want {
			t.Fatalf("%q vs %q: match = %v, reference = %v", pattern, name, got, want)
		}
	})
}

// naiveMatch is the obvious exponential recursion, the reference the real matcher must agree with.
func naiveMatch(segs, parts []string) bool {
	if len(segs) == 0 {
		return len(parts) == 0
	}
	if segs[0] == "**" {
		for k := 0; k <= len(parts); k++ {
			if naiveMatch(segs[1:], parts[k:]) {
				return true
			}
		}
		return false
	}
	if len(parts) == 0 {
		return false
	}
	m, _ := path.Match(segs[0], parts[0])
	return m && naiveMatch(segs[1:], parts[1:])
}
