package suppress

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/palisade-sec/palisade/internal/finding"
)

const sampleIgnore = `version: 1
ignore:
  - rule: generic-password          # fixtures hold fake credentials
    paths: ["test/**", "docs/*.md"]
    reason: "fixtures with fake credentials"
    owner: team-payments
  - fingerprint: 3F2A9C0D11223344556677889900AABB
    reason: reviewed in SEC-1234
    expires: 2027-01-31
  - rule: "k8s-*"
    paths: [deploy/legacy/**]
    reason: legacy stack, removed in Q3
    expires: 2026-06-30T12:00:00Z
`

func TestParseIgnoreFile(t *testing.T) {
	got, err := ParseIgnoreFile(".palisadeignore.yaml", []byte(sampleIgnore))
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)
	noon := time.Date(2026, 6, 30, 12, 0, 0, 0, time.UTC)
	want := &IgnoreFile{Name: ".palisadeignore.yaml", Entries: []IgnoreEntry{
		{Line: 3, Rule: "generic-password", Paths: []string{"test/**", "docs/*.md"}, Reason: "fixtures with fake credentials", Owner: "team-payments"},
		{Line: 7, Fingerprint: "3f2a9c0d11223344556677889900aabb", Reason: "reviewed in SEC-1234", Expires: &day, ExpiresText: "2027-01-31"},
		{Line: 10, Rule: "k8s-*", Paths: []string{"deploy/legacy/**"}, Reason: "legacy stack, removed in Q3", Expires: &noon, ExpiresText: "2026-06-30T12:00:00Z"},
	}}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreUnexported(IgnoreEntry{})); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestParseIgnoreFileErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want string // the error must contain this, file:line first
	}{
		{"unknown key", "version: 1\nignore:\n  - rule: jwt\n    reson: typo\n",
			`.palisadeignore.yaml:4:5: ignore[0].reson: unknown key "reson" (want one of: rule, paths, packages, fingerprint, reason, expires, owner, all)`},
		{"unknown top-level key", "version: 1\nignores: []\n",
			`.palisadeignore.yaml:2:1: ignores: unknown key "ignores"`},
		{"missing reason", "version: 1\nignore:\n  - rule: jwt\n  - rule: aws-access-key-id\n    paths: [a]\n",
			`.palisadeignore.yaml:3:5: ignore[0].reason: required`},
		{"blank reason", "version: 1\nignore:\n  - rule: jwt\n    reason: '   '\n",
			`.palisadeignore.yaml:4:13: ignore[0].reason: required`},
		{"no criteria", "version: 1\nignore:\n  - rule: jwt\n    reason: a\n  - reason: everything please\n    owner: me\n",
			`.palisadeignore.yaml:5:5: ignore[1]: set at least one of rule, paths, packages, fingerprint`},
		{"bad date", "version: 1\nignore:\n  - rule: jwt\n    reason: a\n    expires: 31/01/2027\n",
			`.palisadeignore.yaml:5:14: ignore[0].expires: want a date like 2027-01-31`},
		{"bad path glob", "version: 1\nignore:\n  - paths: [ok/**, 'bad/[x']\n    reason: a\n",
			`.palisadeignore.yaml:3:20: ignore[0].paths[1]: pattern "bad/[x"`},
		{"absolute path", "version: 1\nignore:\n  - paths: [/etc/**]\n    reason: a\n",
			`.palisadeignore.yaml:3:13: ignore[0].paths[0]: pattern "/etc/**" starts with /`},
		{"bad rule glob", "version: 1\nignore:\n  - rule: 'jwt['\n    reason: a\n",
			`.palisadeignore.yaml:3:11: ignore[0].rule: pattern "jwt["`},
		{"bad fingerprint", "version: 1\nignore:\n  - fingerprint: not-hex\n    reason: a\n",
			`.palisadeignore.yaml:3:18: ignore[0].fingerprint: want the hexadecimal fingerprint`},
		{"paths not a list", "version: 1\nignore:\n  - paths: test/**\n    reason: a\n",
			`.palisadeignore.yaml:3:12: ignore[0].paths: want a list, got the string "test/**"`},
		{"entry not a mapping", "version: 1\nignore:\n  - jwt\n",
			`.palisadeignore.yaml:3:5: ignore[0]: want a mapping, got the string "jwt"`},
		{"missing version", "ignore:\n  - rule: jwt\n    reason: a\n",
			`.palisadeignore.yaml:1:1: version: required`},
		{"wrong version", "version: 2\nignore: []\n",
			`.palisadeignore.yaml:1:10: version: unsupported version 2`},
		{"version not a number", "version: one\n",
			`.palisadeignore.yaml:1:10: version: want an integer, got the string "one"`},
		{"duplicate key", "version: 1\nignore:\n  - rule: jwt\n    rule: aws\n    reason: a\n",
			`.palisadeignore.yaml:4:5: ignore[0].rule: duplicate key (first set on line 3)`},
		{"syntax error", "version: 1\nignore:\n  - rule: jwt\n   reason: [\n",
			`.palisadeignore.yaml:3: invalid YAML: did not find expected '-' indicator`},
		{"two documents", "version: 1\n---\nversion: 1\n",
			`.palisadeignore.yaml:2:1: a second YAML document`},
		// Entries that match every finding are refused unless they say so with all: true.
		{"paths **", "version: 1\nignore:\n  - paths: ['**']\n    reason: a\n",
			`.palisadeignore.yaml:3:5: ignore[0]: this entry matches every finding`},
		{"rule *", "version: 1\nignore:\n  - rule: '*'\n    reason: a\n",
			`.palisadeignore.yaml:3:5: ignore[0]: this entry matches every finding`},
		{"rule ** and paths **/*", "version: 1\nignore:\n  - rule: '**'\n    paths: ['**/*']\n    reason: a\n",
			`ignore[0]: this entry matches every finding`},
		{"paths *", "version: 1\nignore:\n  - paths: ['*']\n    reason: a\n",
			`ignore[0]: this entry matches every finding`},
		{"dir slash of stars", "version: 1\nignore:\n  - paths: ['*/']\n    reason: a\n",
			`ignore[0]: this entry matches every finding`},
		{"one broad path among narrow ones", "version: 1\nignore:\n  - paths: [docs/**, '**']\n    reason: a\n",
			`ignore[0]: this entry matches every finding`},
		{"an equivalent: every non-empty name", "version: 1\nignore:\n  - paths: ['**/?*']\n    reason: a\n",
			`ignore[0]: this entry matches every finding`},
		{"an equivalent: a union", "version: 1\nignore:\n  - paths: ['[a-z]*/**', '[!a-z]*/**', '[a-z]*', '[!a-z]*']\n    reason: a\n",
			`ignore[0]: this entry matches every finding`},
		{"all without expiry", "version: 1\nignore:\n  - paths: ['**']\n    all: true\n    reason: a\n",
			`ignore[0].expires: required with ` + "`all: true`"},
		{"all on a narrow entry", "version: 1\nignore:\n  - paths: ['docs/**']\n    all: true\n    reason: a\n    expires: 2027-01-01\n",
			`ignore[0].all: ` + "`all: true`" + ` is only for an entry that matches every finding`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseIgnoreFile(".palisadeignore.yaml", []byte(tc.yaml))
			if err == nil {
				t.Fatalf("want error containing %q, got none", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error\n  %v\nwant it to contain\n  %s", err, tc.want)
			}
		})
	}
}

func TestParseIgnoreFileEmpty(t *testing.T) {
	for _, content := range []string{"", "\n", "# nothing ignored yet\n", "---\n"} {
		f, err := ParseIgnoreFile("x.yaml", []byte(content))
		if err != nil {
			t.Errorf("%q: %v", content, err)
			continue
		}
		if len(f.Entries) != 0 {
			t.Errorf("%q: %d entries", content, len(f.Entries))
		}
	}
}

func TestIgnoreFileMatchAndExpiry(t *testing.T) {
	f, err := ParseIgnoreFile(".palisadeignore.yaml", []byte(sampleIgnore))
	if err != nil {
		t.Fatal(err)
	}
	before := time.Date(2026, 6, 30, 11, 59, 59, 0, time.UTC)
	tests := []struct {
		name     string
		finding  finding.Finding
		now      time.Time
		wantLine int // 0: no match
	}{
		{"rule and path", fnd("generic-password", "test/fixtures/db.env", ""), before, 3},
		{"rule and second path", fnd("generic-password", "docs/setup.md", ""), before, 3},
		{"rule but path outside", fnd("generic-password", "src/db.go", ""), before, 0},
		{"path but other rule", fnd("jwt", "test/x", ""), before, 0},
		{"fingerprint any case", fnd("jwt", "src/a.go", "3f2a9c0d11223344556677889900aabb"), before, 7},
		{"fingerprint on its last day", fnd("jwt", "src/a.go", "3f2a9c0d11223344556677889900aabb"), time.Date(2027, 1, 31, 23, 59, 59, 0, time.UTC), 7},
		{"fingerprint after expiry", fnd("jwt", "src/a.go", "3f2a9c0d11223344556677889900aabb"), time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC), 0},
		{"rule glob before instant", fnd("k8s-privileged", "deploy/legacy/app.yaml", ""), before, 10},
		{"rule glob at instant", fnd("k8s-privileged", "deploy/legacy/app.yaml", ""), time.Date(2026, 6, 30, 12, 0, 0, 0, time.UTC), 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, ok := f.Match(&tc.finding, tc.now)
			got := 0
			if ok {
				got = e.Line
			}
			if got != tc.wantLine {
				t.Errorf("matched entry at line %d, want %d", got, tc.wantLine)
			}
		})
	}
	var expired []int
	for _, e := range f.Expired(time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)) {
		expired = append(expired, e.Line)
	}
	if diff := cmp.Diff([]int{10}, expired); diff != "" {
		t.Errorf("expired entries (-want +got):\n%s", diff)
	}
}

// First match wins, in file order, whatever the map or slice order elsewhere.
func TestIgnoreFileFirstMatchWins(t *testing.T) {
	f, err := ParseIgnoreFile("i.yaml", []byte("version: 1\nignore:\n  - paths: ['**/*.go']\n    reason: first\n  - rule: jwt\n    reason: second\n"))
	if err != nil {
		t.Fatal(err)
	}
	fd := fnd("jwt", "a.go", "")
	for range 20 {
		e, ok := f.Match(&fd, time.Unix(0, 0))
		if !ok || e.Reason != "first" {
			t.Fatalf("got %+v, %v; want the first entry", e, ok)
		}
	}
}

func TestReadIgnoreFileMissing(t *testing.T) {
	_, err := ReadIgnoreFile(filepath.Join(t.TempDir(), DefaultIgnoreFile))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("err = %v, want fs.ErrNotExist", err)
	}
	p := filepath.Join(t.TempDir(), DefaultIgnoreFile)
	if err := os.WriteFile(p, []byte(sampleIgnore), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := ReadIgnoreFile(p)
	if err != nil || len(f.Entries) != 3 || f.Name != p {
		t.Errorf("ReadIgnoreFile = %+v, %v", f, err)
	}
}

func TestReadIgnoreFileFS(t *testing.T) {
	fsys := fstest.MapFS{"sub/.palisadeignore.yaml": {Data: []byte("version: 1\nignore:\n  - rule: jwt\n    reason: test\n")}}
	f, err := ReadIgnoreFileFS(fsys, "sub/.palisadeignore.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if f.Name != "sub/.palisadeignore.yaml" || len(f.Entries) != 1 || f.Entries[0].Line != 3 {
		t.Errorf("got %+v", f)
	}
	if _, err := ReadIgnoreFileFS(fsys, DefaultIgnoreFile); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: err = %v, want fs.ErrNotExist", err)
	}
	if _, err := ReadIgnoreFileFS(fsys, "../outside.yaml"); err == nil {
		t.Error("a path leaving the root must fail")
	}
}

// An ignore file in the scanned tree that is not a regular file (a named pipe planted under the
// default name, which would block the scan that opened it) or is over the size limit is refused
// with an error naming it, never read as if it were empty.
func TestReadIgnoreFileFSRefusesIrregularAndOversized(t *testing.T) {
	fsys := fstest.MapFS{
		DefaultIgnoreFile: {Mode: fs.ModeNamedPipe},
		"big.yaml":        {Data: []byte("version: 1\n# " + strings.Repeat("x", maxIgnoreFileSize) + "\n")},
	}
	for name, want := range map[string]string{
		DefaultIgnoreFile: "read ignore file: read .palisadeignore.yaml: not a regular file (a named pipe)",
		"big.yaml":        "read ignore file: read big.yaml: larger than the 4194304-byte limit",
	} {
		if _, err := ReadIgnoreFileFS(fsys, name); err == nil || err.Error() != want {
			t.Errorf("ReadIgnoreFileFS(%s) error %v, want %q", name, err, want)
		}
	}
}

func fnd(rule, path, fp string) finding.Finding {
	return finding.Finding{RuleID: rule, Location: finding.Location{Path: path}, Fingerprint: fp, Severity: finding.SeverityHigh}
}

// An explicit all: true with a reason and an expiry is accepted, and so are broad but not
// universal entries.
func TestIgnoreFileAllowsExplicitAllAndNarrowEntries(t *testing.T) {
	for _, y := range []string{
		"version: 1\nignore:\n  - paths: ['**']\n    all: true\n    reason: legacy import, triaged in SEC-12\n    expires: 2027-01-31\n",
		"version: 1\nignore:\n  - rule: generic-password\n    paths: ['**']\n    reason: a\n",
		"version: 1\nignore:\n  - rule: '*'\n    paths: ['test/**']\n    reason: a\n",
		"version: 1\nignore:\n  - paths: ['**/*.md']\n    reason: a\n",
		"version: 1\nignore:\n  - rule: 'generic-*'\n    reason: a\n",
		"version: 1\nignore:\n  - rule: '*'\n    fingerprint: 0123abcd\n    reason: a\n",
	} {
		if _, err := ParseIgnoreFile("i.yaml", []byte(y)); err != nil {
			t.Errorf("%s: %v", y, err)
		}
	}
}

// TestIgnoreFilePackages: an entry names packages by name, source package or purl (with or
// without version and qualifiers), and a rule matches an advisory's aliases too, so an image's
// vulnerability findings are suppressed by what a user knows them as.
func TestIgnoreFilePackages(t *testing.T) {
	f, err := ParseIgnoreFile(".palisadeignore.yaml", []byte(`version: 1
ignore:
  - packages: [zlib]
    reason: rebuilt upstream
  - packages: ["pkg:deb/debian/libssl3"]
    paths: ["var/lib/dpkg/**"]
    reason: not reachable
  - rule: CVE-2099-7
    reason: disputed
`))
	if err != nil {
		t.Fatal(err)
	}
	dpkg := finding.Location{Path: "var/lib/dpkg/status"}
	for _, tc := range []struct {
		name  string
		f     finding.Finding
		entry int // 1-based; 0 for none
	}{
		{"by source package", finding.Finding{RuleID: "DSA-1", Location: dpkg, Properties: map[string]string{"package": "zlib1g", "sourcePackage": "zlib"}}, 1},
		{"by name", finding.Finding{RuleID: "DSA-1", Location: dpkg, Properties: map[string]string{"package": "zlib"}}, 1},
		{"by purl without version", finding.Finding{RuleID: "DSA-2", Location: dpkg, Properties: map[string]string{"package": "libssl3", "purl": "pkg:deb/debian/libssl3@3.0.11-1?arch=amd64&distro=debian-12"}}, 2},
		{"purl prefix of another name", finding.Finding{RuleID: "DSA-2", Location: dpkg, Properties: map[string]string{"package": "libssl3-dev", "purl": "pkg:deb/debian/libssl3-dev@3.0.11-1"}}, 0},
		{"purl in another path", finding.Finding{RuleID: "DSA-2", Location: finding.Location{Path: "app/x"}, Properties: map[string]string{"purl": "pkg:deb/debian/libssl3@3"}}, 0},
		{"rule by alias", finding.Finding{RuleID: "DSA-3", Location: dpkg, Properties: map[string]string{"package": "curl", "aliases": "CVE-2099-7,DLA-9"}}, 3},
		{"no properties", finding.Finding{RuleID: "generic-password", Location: dpkg}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, ok := f.Match(&tc.f, time.Now())
			got := 0
			if ok {
				got = slices.IndexFunc(f.Entries, func(x IgnoreEntry) bool { return x.Line == e.Line }) + 1
			}
			if got != tc.entry {
				t.Errorf("matched entry %d, want %d", got, tc.entry)
			}
		})
	}
	if _, err := ParseIgnoreFile("x.yaml", []byte("version: 1\nignore:\n  - packages: [\"lib*\"]\n    reason: r\n")); err == nil || !strings.Contains(err.Error(), "packages[0]") {
		t.Errorf("a package pattern: err = %v, want one naming packages[0]", err)
	}
}
