package vulndb

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-sec/palisade/internal/inventory"
)

// TestSharedDataEndToEnd runs the real download and import code over the whole shared OSV data
// set, served from 127.0.0.1, and matches known advisories at their range edges.
func TestSharedDataEndToEnd(t *testing.T) {
	src := sharedOSV(t)
	ts := serve(t, src)
	dir := t.TempDir()
	meta, err := Update(context.Background(), UpdateOptions{
		Dir: dir, Source: ts.URL, Ecosystems: []string{"Go", "crates.io", "PyPI"}, Client: ts.Client(), Now: clock,
	})
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for eco, e := range meta.Ecosystems {
		counts[eco] = e.Advisories
	}
	// The counts the shared data set's README states.
	if diff := cmp.Diff(map[string]int{"Go": 4291, "crates.io": 1206, "PyPI": 2661}, counts); diff != "" {
		t.Errorf("advisories (-want +got):\n%s", diff)
	}
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, tc := range []struct {
		eco, name, version, id string
		want                   bool
	}{
		{"Go", "golang.org/x/net", "v0.22.0", "GO-2024-2687", true},
		{"Go", "golang.org/x/net", "v0.23.0", "GO-2024-2687", false},
		{"Go", "stdlib", "go1.22.1", "GO-2024-2687", true},
		{"Go", "stdlib", "go1.22.2", "GO-2024-2687", false},
		{"crates.io", "h2", "0.3.23", "RUSTSEC-2024-0003", true},
		{"crates.io", "h2", "0.3.24", "RUSTSEC-2024-0003", false},
		{"crates.io", "h2", "0.4.1", "RUSTSEC-2024-0003", true},
		{"crates.io", "h2", "0.4.2", "RUSTSEC-2024-0003", false},
		{"PyPI", "requests", "2.2.1", "PYSEC-2023-74", false},
		{"PyPI", "requests", "2.3.0", "PYSEC-2023-74", true},
		{"PyPI", "Requests", "2.30.0", "PYSEC-2023-74", true},
		{"PyPI", "requests", "2.31.0", "PYSEC-2023-74", false},
	} {
		t.Run(fmt.Sprintf("%s/%s@%s", tc.eco, tc.name, tc.version), func(t *testing.T) {
			res, err := db.Match(context.Background(), []inventory.Package{{Ecosystem: tc.eco, Name: tc.name, Version: tc.version}})
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, m := range res.Matches {
				ids = append(ids, m.Vulnerability.ID)
			}
			if got := slices.Contains(ids, tc.id); got != tc.want {
				t.Errorf("%s matched = %v, want %v (all: %s)", tc.id, got, tc.want, strings.Join(ids, " "))
			}
		})
	}
}

// BenchmarkOpenAndMatch opens the database built from the shared data and matches about 2,000
// packages: every package name the indexes hold, up to that many. "vulnerable" puts each at an
// old version, so nearly every advisory matches and its body is read (the worst case);
// "current" puts each at a version above every fix (the usual case: lookups only).
func BenchmarkOpenAndMatch(b *testing.B) {
	src := sharedOSV(b)
	dir := b.TempDir()
	if _, err := Import(context.Background(), ImportOptions{Dir: dir, Path: src}); err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name     string
		versions map[string]string
	}{
		{"vulnerable", map[string]string{"Go": "v0.1.0", "crates.io": "0.1.0", "PyPI": "1.0"}},
		{"current", map[string]string{"Go": "v999.0.0", "crates.io": "999.0.0", "PyPI": "999.0"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			pkgs := benchInventory(b, dir, 2000, bc.versions)
			matches := 0
			for b.Loop() {
				db, err := Open(dir)
				if err != nil {
					b.Fatal(err)
				}
				res, err := db.Match(context.Background(), pkgs)
				if err != nil {
					b.Fatal(err)
				}
				matches = len(res.Matches)
				db.Close()
			}
			b.ReportMetric(float64(len(pkgs)), "packages")
			b.ReportMetric(float64(matches), "matches")
		})
	}
}

// BenchmarkImportShared measures verifying and indexing the three shared archives.
func BenchmarkImportShared(b *testing.B) {
	src := sharedOSV(b)
	for b.Loop() {
		if _, err := Import(context.Background(), ImportOptions{Dir: b.TempDir(), Path: src}); err != nil {
			b.Fatal(err)
		}
	}
}

func benchInventory(b *testing.B, dir string, n int, versions map[string]string) []inventory.Package {
	db, err := Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	var pkgs []inventory.Package
	for _, eco := range []string{"Go", "crates.io", "PyPI"} {
		e, err := db.ecosystem(eco)
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < e.ix.numPackages() && i < n/3+1; i++ {
			name, err := e.ix.nameAt(i)
			if err != nil {
				b.Fatal(err)
			}
			pkgs = append(pkgs, inventory.Package{Ecosystem: eco, Name: name, Version: versions[eco]})
			if len(pkgs) >= n {
				return pkgs
			}
		}
	}
	return pkgs
}
