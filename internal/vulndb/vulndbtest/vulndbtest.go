// Package vulndbtest builds OSV exports for tests, the way `palisade db import` reads them: a
// directory holding <ecosystem>/all.zip, as osv.dev publishes them. Every test that needs a
// vulnerability database builds it from here, from the real advisories kept in
// internal/vulndb/testdata/osv (Fixtures) plus records of its own, then imports it with
// vulndb.Import; a test of a broken archive adds entries verbatim.
//
// It imports only the standard library, so the tests of package vulndb itself can use it.
package vulndbtest

import (
	"archive/zip"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
)

// Records maps an ecosystem (the directory name of its export, such as "Go" or "crates.io") to
// the entries of its all.zip: file name → content.
type Records map[string]map[string]string

// Add adds entries to an ecosystem's, replacing entries of the same name.
func (r Records) Add(ecosystem string, entries map[string]string) {
	if r[ecosystem] == nil {
		r[ecosystem] = map[string]string{}
	}
	maps.Copy(r[ecosystem], entries)
}

// Fixtures returns the real OSV advisories of internal/vulndb/testdata/osv, by ecosystem. Each
// call returns a fresh copy the caller may add to.
func Fixtures(t testing.TB) Records {
	t.Helper()
	dir := fixtureDir(t)
	ecoDirs, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("vulndbtest: read fixtures: %v", err)
	}
	out := Records{}
	for _, d := range ecoDirs {
		if !d.IsDir() {
			continue
		}
		files, err := filepath.Glob(filepath.Join(dir, d.Name(), "*.json"))
		if err != nil {
			t.Fatal(err)
		}
		out[d.Name()] = Files(t, files...)
	}
	return out
}

// fixtureDir is internal/vulndb/testdata/osv, found from this file's own path: tests run in
// their own package's directory, so a relative path would depend on which package asks.
func fixtureDir(t testing.TB) string {
	t.Helper()
	_, self, _, ok := runtime.Caller(0)
	if !ok || !filepath.IsAbs(self) {
		t.Fatalf("vulndbtest: cannot locate internal/vulndb/testdata/osv from %q (built with -trimpath?)", self)
	}
	return filepath.Join(filepath.Dir(self), "..", "testdata", "osv")
}

// Files reads files into entries keyed by base name, as an export stores them.
func Files(t testing.TB, paths ...string) map[string]string {
	t.Helper()
	out := make(map[string]string, len(paths))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("vulndbtest: %v", err)
		}
		out[filepath.Base(p)] = string(b)
	}
	return out
}

// Export writes records as an OSV export directory (<ecosystem>/all.zip) under a new temporary
// directory, and returns that directory.
func Export(t testing.TB, records Records) string {
	t.Helper()
	out := t.TempDir()
	for eco, entries := range records {
		WriteZip(t, filepath.Join(out, eco, "all.zip"), entries)
	}
	return out
}

// WriteZip writes a zip archive of entries (name → content, in name order) at path, creating
// its directory.
func WriteZip(t testing.TB, path string, entries map[string]string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for _, name := range slices.Sorted(maps.Keys(entries)) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(entries[name])); err != nil {
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
