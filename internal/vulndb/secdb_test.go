package vulndb

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-sec/palisade/internal/errkind"
	"github.com/palisade-sec/palisade/internal/inventory"
	"github.com/palisade-sec/palisade/internal/shareddata"
)

// TestImportAlpineSecdb imports Alpine's real secdb files and matches Alpine packages by origin
// with Alpine's version ordering, each release against its own file only.
func TestImportAlpineSecdb(t *testing.T) {
	src := shareddata.Path(t, "alpine-secdb")
	dir := t.TempDir()
	meta, err := Import(context.Background(), ImportOptions{Dir: dir, Path: src, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	if meta.Ecosystems["Alpine"].Advisories < 100 {
		t.Fatalf("only %d advisories from the secdb", meta.Ecosystems["Alpine"].Advisories)
	}
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tests := []struct {
		name string
		pkg  inventory.Package
		want []string
	}{
		{"musl before the fix", inventory.Package{Ecosystem: "Alpine:v3.11", Name: "musl-utils", Version: "1.1.23-r1", Source: "musl"}, []string{"ALPINE-CVE-2019-14697 1.1.23-r2"}},
		{"musl fixed", inventory.Package{Ecosystem: "Alpine:v3.11", Name: "musl", Version: "1.1.23-r2", Source: "musl"}, nil},
		{"openssl two fixes", inventory.Package{Ecosystem: "Alpine:v3.11", Name: "libssl1.1", Version: "1.1.1d-r0", Source: "openssl"}, []string{"ALPINE-CVE-2019-1547 1.1.1d-r1", "ALPINE-CVE-2019-1549 1.1.1d-r1", "ALPINE-CVE-2019-1551 1.1.1d-r3", "ALPINE-CVE-2019-1563 1.1.1d-r1"}},
		{"another file's release", inventory.Package{Ecosystem: "Alpine:v3.10", Name: "musl", Version: "1.1.23-r1", Source: "musl"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, matchIDs(t, db, tt.pkg)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	// A line naming one issue by two IDs is one record with the other as an alias.
	v, err := db.Get(context.Background(), "Alpine", "ALPINE-CVE-2016-6258")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"CVE-2016-6258", "XSA-182"}, v.Aliases); diff != "" {
		t.Errorf("aliases (-want +got):\n%s", diff)
	}
}

func TestImportAlpineSecdbRefusesBadFiles(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"no release", "packages:\n  - pkg:\n      name: a\n      secfixes:\n        1.0-r1:\n          - CVE-1\n", "distroversion"},
		{"bad version", "distroversion: v3.11\npackages:\n  - pkg:\n      name: a\n      secfixes:\n        \"1.0 -r1!\":\n          - CVE-1\n", "not an Alpine version"},
		{"no name", "distroversion: v3.11\npackages:\n  - pkg:\n      secfixes:\n        1.0-r1:\n          - CVE-1\n", "pkg.name"},
		{"not yaml", "distroversion: [\n", "secdb"},
		{"nothing fixed", "distroversion: v3.11\npackages: []\n", "no fixed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := filepath.Join(t.TempDir(), "main.yaml")
			if err := os.WriteFile(src, []byte(tt.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			_, err := Import(context.Background(), ImportOptions{Dir: dir, Path: src, Now: clock})
			if err == nil || !strings.Contains(err.Error(), tt.want) || errkind.Of(err) != errkind.Invalid {
				t.Fatalf("err = %v (kind %v), want Invalid naming %q", err, errkind.Of(err), tt.want)
			}
			if _, err := Open(dir); err == nil {
				t.Error("a refused import installed a database")
			}
		})
	}
}

// FuzzSecdb: any YAML converts to an archive or fails with an error, never a panic; a converted
// archive holds records the index builder accepts.
func FuzzSecdb(f *testing.F) {
	if p, ok := shareddata.Lookup(f, "alpine-secdb", "v3.10", "main.yaml"); ok {
		if b, err := os.ReadFile(p); err == nil && len(b) < 8<<10 {
			f.Add(b)
		}
	}
	f.Add([]byte("distroversion: v3.11\npackages:\n  - pkg:\n      name: musl\n      secfixes:\n        1.1.23-r2:\n          - CVE-2019-14697 XSA-1\n        0:\n          - CVE-2000-1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		src := filepath.Join(dir, "main.yaml")
		if err := os.WriteFile(src, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := secdbToZip([]string{src}, filepath.Join(dir, "out.zip")); err != nil {
			return
		}
		if _, err := buildEcosystem(context.Background(), "Alpine", filepath.Join(dir, "out.zip"), dir); err != nil {
			t.Fatalf("a converted secdb does not index: %v", err)
		}
	})
}
