package cli

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/palisade-sec/palisade/internal/vulndb"
)

// exportFromFixtures builds <dir>/<eco>/all.zip from the real advisories in internal/vulndb/testdata.
func exportFromFixtures(t *testing.T) string {
	t.Helper()
	out := t.TempDir()
	for _, eco := range []string{"Go", "crates.io", "PyPI"} {
		files, err := filepath.Glob(filepath.Join("..", "vulndb", "testdata", "osv", eco, "*.json"))
		if err != nil || len(files) == 0 {
			t.Fatalf("fixtures for %s: %v", eco, err)
		}
		if err := os.MkdirAll(filepath.Join(out, eco), 0o755); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			w, _ := zw.Create(filepath.Base(f))
			w.Write(b)
		}
		zw.Close()
		if err := os.WriteFile(filepath.Join(out, eco, "all.zip"), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func runDB(t *testing.T, args ...string) (stdout string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	app := &App{Version: "test", Stdout: &out, Stderr: &errb, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	root := Root(app)
	root.SetArgs(args)
	err = root.ExecuteContext(context.Background())
	return out.String(), err
}

func TestDBCommands(t *testing.T) {
	export := exportFromFixtures(t)
	dir := filepath.Join(t.TempDir(), "db")
	t.Setenv(vulndb.EnvDir, "")
	t.Setenv(envDBSource, "")

	if _, err := runDB(t, "db", "status", "--db-dir", dir); err == nil || ExitCode(err) != 2 || !strings.Contains(err.Error(), "palisade db update") {
		t.Errorf("status of an empty directory: err = %v", err)
	}
	out, err := runDB(t, "db", "import", "--db-dir", dir, export)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Go ", "PyPI ", "crates.io ", filepath.Join(export, "Go", "all.zip")} {
		if !strings.Contains(out, want) {
			t.Errorf("import output lacks %q:\n%s", want, out)
		}
	}

	t.Setenv(vulndb.EnvDir, dir) // the environment variable is honoured when --db-dir is absent
	out, err = runDB(t, "db", "status", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Dir        string
		Ecosystems map[string]struct{ Advisories, Withdrawn int }
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("status --json: %v\n%s", err, out)
	}
	if st.Dir != dir || st.Ecosystems["crates.io"].Advisories != 3 || st.Ecosystems["crates.io"].Withdrawn != 1 {
		t.Errorf("status = %+v", st)
	}

	out, err = runDB(t, "db", "show", "PyPI", "PYSEC-2012-5")
	if err != nil || !strings.Contains(out, `"id": "PYSEC-2012-5"`) || !strings.Contains(out, "tornado") {
		t.Errorf("show: %v\n%s", err, out)
	}
	if _, err := runDB(t, "db", "show", "PyPI", "PYSEC-0000-0"); err == nil || ExitCode(err) != 2 || !strings.Contains(err.Error(), "not exist") {
		t.Errorf("show of an unknown advisory: err = %v", err)
	}
	if out, err = runDB(t, "db", "status", "--max-age", "0s"); err != nil || !strings.Contains(out, "warning: the database is") {
		t.Errorf("a zero max age must warn: %v\n%s", err, out)
	}
	if _, err := runDB(t, "db", "status", "--max-age", "soon"); ExitCode(err) != 2 {
		t.Errorf("bad --max-age: err = %v", err)
	}
	if _, err := runDB(t, "db", "import", filepath.Join(export, "Go", "all.zip")); err == nil || !strings.Contains(err.Error(), "--ecosystem") {
		t.Errorf("single zip without --ecosystem: err = %v", err)
	}
	if _, err := runDB(t, "db", "import", "--ecosystem", "Go", filepath.Join(export, "Go", "all.zip")); err != nil {
		t.Errorf("single zip with --ecosystem: %v", err)
	}
	ts := httptest.NewServer(http.FileServer(http.Dir(export)))
	defer ts.Close()
	t.Setenv(envDBSource, ts.URL)
	if _, err := runDB(t, "db", "update", "--ecosystems", "Go"); err == nil || !strings.Contains(err.Error(), "plain http") {
		t.Errorf("update from a plain-http PALISADE_DB_SOURCE: err = %v", err)
	}
	out, err = runDB(t, "db", "update", "--ecosystems", "Go,PyPI", "--insecure-allow-http")
	if err != nil {
		t.Fatalf("update from a trusted plain-http mirror: %v", err)
	}
	if !strings.Contains(out, ts.URL+"/Go/all.zip") || !strings.Contains(out, ts.URL+"/PyPI/all.zip") || !strings.Contains(out, filepath.Join(export, "crates.io", "all.zip")) {
		t.Errorf("after updating Go and PyPI, crates.io must be kept from the import:\n%s", out)
	}
}

func TestParseMaxAge(t *testing.T) {
	for in, want := range map[string]time.Duration{"7d": 7 * 24 * time.Hour, "36h": 36 * time.Hour, "0d": 0, "90m": 90 * time.Minute} {
		if got, err := parseMaxAge(in); err != nil || got != want {
			t.Errorf("parseMaxAge(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "d", "-1d", "week", "1.5d", "-1h"} {
		if _, err := parseMaxAge(bad); err == nil {
			t.Errorf("parseMaxAge(%q): want an error", bad)
		}
	}
}

// The staleness warning states the age and the limit exactly; it used to print
// "the database is just now old (more than just now)".
func TestStatusWarningStatesAgeAndLimit(t *testing.T) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		age, maxAge time.Duration
		want        string
	}{
		{30 * time.Second, time.Second, "the database is 30s old (more than 1s)"},
		{2 * time.Hour, 90 * time.Minute, "the database is 2h old (more than 1h30m)"},
		{(9*24 + 5) * time.Hour, 7 * 24 * time.Hour, "the database is 9d5h old (more than 7d)"},
		{3*time.Minute + 7*time.Second, time.Minute, "the database is 3m7s old (more than 1m)"},
	} {
		meta := vulndb.Meta{Built: now, Ecosystems: map[string]vulndb.EcosystemInfo{"Go": {Fetched: now.Add(-tc.age)}}}
		var b strings.Builder
		if err := writeStatus(&b, "/db", meta, tc.maxAge, now); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), tc.want) {
			t.Errorf("age %v, max-age %v: status\n%s\nwant %q", tc.age, tc.maxAge, b.String(), tc.want)
		}
	}
}
