package vulndbtest

import (
	"archive/zip"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// An export holds, per ecosystem, exactly the records given, fixtures and additions alike.
func TestExportRoundTrip(t *testing.T) {
	recs := Fixtures(t)
	if len(recs["Go"]) == 0 || len(recs["crates.io"]) == 0 || len(recs["PyPI"]) == 0 {
		t.Fatalf("fixtures by ecosystem = %v, want Go, crates.io and PyPI advisories", slices.Sorted(maps.Keys(recs)))
	}
	recs.Add("npm", map[string]string{"X-1.json": `{"id":"X-1"}`})
	dir := Export(t, recs)
	got := Records{}
	for eco := range recs {
		zr, err := zip.OpenReader(filepath.Join(dir, eco, "all.zip"))
		if err != nil {
			t.Fatal(err)
		}
		got[eco] = map[string]string{}
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			got[eco][f.Name] = string(b)
		}
		zr.Close()
	}
	if diff := cmp.Diff(recs, got); diff != "" {
		t.Errorf("export (-want +got):\n%s", diff)
	}
}
