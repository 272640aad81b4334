package vulndb

import (
	"archive/zip"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var fixedNow = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

func clock() time.Time { return fixedNow }

// fixtureExport builds an OSV export directory (<eco>/all.zip) from testdata/osv, with extra
// entries per ecosystem added verbatim (name → content) to make broken archives.
func fixtureExport(t testing.TB, extra map[string]map[string]string) string {
	t.Helper()
	out := t.TempDir()
	ecoDirs, err := filepath.Glob(filepath.Join("testdata", "osv", "*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ecoDirs {
		if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
			continue
		}
		eco := filepath.Base(d)
		files, _ := filepath.Glob(filepath.Join(d, "*.json"))
		entries := map[string]string{}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			entries[filepath.Base(f)] = string(b)
		}
		for name, content := range extra[eco] {
			entries[name] = content
		}
		writeZip(t, filepath.Join(out, eco, "all.zip"), entries)
	}
	return out
}

func writeZip(t testing.TB, path string, entries map[string]string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for name, content := range entries {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// fixtureDB imports the fixtures into a fresh database directory and opens it.
func fixtureDB(t testing.TB) (string, *DB) {
	t.Helper()
	dir := t.TempDir()
	if _, err := Import(context.Background(), ImportOptions{Dir: dir, Path: fixtureExport(t, nil), Now: clock}); err != nil {
		t.Fatal(err)
	}
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return dir, db
}
