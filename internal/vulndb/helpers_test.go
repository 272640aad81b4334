package vulndb

import (
	"context"
	"testing"
	"time"

	"github.com/palisade-sec/palisade/internal/vulndb/vulndbtest"
)

var fixedNow = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

func clock() time.Time { return fixedNow }

// fixtureExport builds an OSV export directory (<eco>/all.zip) from the shared fixtures, with
// extra entries per ecosystem added verbatim (name → content) to make broken archives.
func fixtureExport(t testing.TB, extra vulndbtest.Records) string {
	t.Helper()
	recs := vulndbtest.Fixtures(t)
	for eco, entries := range extra {
		recs.Add(eco, entries)
	}
	return vulndbtest.Export(t, recs)
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
