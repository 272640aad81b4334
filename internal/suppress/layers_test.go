package suppress

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/palisade-sec/palisade/internal/finding"
)

// TestLoad runs the layers from files on disk through os.Root, as a scan does.
func TestLoad(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("app.py", "KEY = 'x'  # palisade:ignore generic-api-key sample key for the tutorial\nOTHER = 'y'\n")
	write(DefaultIgnoreFile, "version: 1\nignore:\n  - paths: [vendor/**]\n    reason: third-party code\n")
	write("security/ignore.yaml", "version: 1\nignore:\n  - rule: jwt\n    reason: tests\n")
	baseline := filepath.Join(t.TempDir(), "prev.json")
	fp := finding.Fingerprint("jwt", "other.go", "k")
	if err := os.WriteFile(baseline, []byte(`{"schemaVersion": "1.0.0", "findings": [{"fingerprint": "`+fp+`"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

	opts, err := Load(Sources{Root: root.FS(), IgnoreFile: DefaultIgnoreFile, Baseline: baseline}, now)
	if err != nil {
		t.Fatal(err)
	}
	findings := []finding.Finding{
		{RuleID: "generic-api-key", Location: finding.Location{Path: "app.py", StartLine: 1}},
		{RuleID: "generic-api-key", Location: finding.Location{Path: "vendor/lib/a.py", StartLine: 1}},
		{RuleID: "jwt", Location: finding.Location{Path: "other.go", StartLine: 0}, Fingerprint: fp},
		{RuleID: "generic-api-key", Location: finding.Location{Path: "app.py", StartLine: 2}},
	}
	got, problems, err := Apply(context.Background(), findings, opts)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, f := range got {
		k := "none"
		if f.Suppression != nil {
			k = string(f.Suppression.Kind) + "@" + f.Suppression.Source
		}
		kinds = append(kinds, k)
	}
	want := "inline@app.py:1 ignore-file@.palisadeignore.yaml:3 baseline@" + baseline + " none"
	if strings.Join(kinds, " ") != want {
		t.Errorf("suppressions\n  %s\nwant\n  %s", strings.Join(kinds, " "), want)
	}
	// vendor/lib/a.py does not exist: the inline layer says so, the ignore file still applies.
	if len(problems) != 1 || problems[0].Path != "vendor/lib/a.py" {
		t.Errorf("problems = %v", problems)
	}

	tests := []struct {
		name    string
		src     Sources
		now     time.Time
		wantErr string
		check   func(Options) bool
	}{
		{"absent default ignore file is fine", Sources{Root: os.DirFS(t.TempDir()), IgnoreFile: DefaultIgnoreFile}, now, "",
			func(o Options) bool { return o.Ignore == nil && o.Lines != nil }},
		{"absent named ignore file is an error", Sources{Root: root.FS(), IgnoreFile: "nope.yaml", IgnoreFileRequired: true}, now, "read ignore file: statat nope.yaml", nil},
		{"ignore file in a subdirectory", Sources{Root: root.FS(), IgnoreFile: "security/ignore.yaml"}, now, "",
			func(o Options) bool { return o.Ignore != nil && o.Ignore.Name == "security/ignore.yaml" }},
		{"ignore file outside the root by relative path", Sources{Root: root.FS(), IgnoreFile: "../x.yaml", IgnoreFileRequired: true}, now, "read ignore file", nil},
		{"absolute ignore file", Sources{Root: root.FS(), IgnoreFile: filepath.Join(dir, "security", "ignore.yaml")}, now, "",
			func(o Options) bool { return o.Ignore != nil && len(o.Ignore.Entries) == 1 }},
		{"missing baseline", Sources{Baseline: filepath.Join(dir, "none.json")}, now, "read baseline", nil},
		{"no inline", Sources{Root: root.FS(), NoInline: true}, now, "", func(o Options) bool { return o.Lines == nil }},
		{"no clock", Sources{Root: root.FS(), IgnoreFile: DefaultIgnoreFile}, time.Time{}, "Options.Now is required", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, err := Load(tc.src, tc.now)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(o) {
				t.Errorf("unexpected options %+v", o)
			}
		})
	}
	if _, err := Load(Sources{Root: root.FS(), IgnoreFile: "nope.yaml", IgnoreFileRequired: true}, now); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing named file: err = %v, want fs.ErrNotExist", err)
	}
}
