package inventory

import (
	"context"
	"errors"
	"os"
	"testing"
	"testing/fstest"
)

// fuzzOSDatabase feeds data to an OS package extractor as the database at dbPath of a Debian
// root, with the promises of fuzzExtractor: a result or an error, never both, never a panic;
// every package named, with an ecosystem and a purl.
func fuzzOSDatabase(f *testing.F, name, dbPath string, seeds ...string) {
	f.Helper()
	var ex extractor
	for _, e := range builtins() {
		if e.name == name {
			ex = e
		}
	}
	if ex.extract == nil {
		f.Fatalf("no extractor %q", name)
	}
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := fstest.MapFS{dbPath: {Data: data}, "etc/os-release": {Data: []byte("ID=debian\nVERSION_ID=12\n")}}
		in := &input{fsys: fsys, path: dbPath, data: data}
		pkgs, err := ex.extract(context.Background(), in)
		if err != nil {
			if len(pkgs) > 0 && !errors.Is(err, errNotMine) {
				t.Fatalf("both packages and error %v", err)
			}
			return
		}
		for _, p := range finish(in, pkgs) {
			if p.Name == "" || p.Ecosystem == "" || p.PURL == "" {
				t.Fatalf("incomplete package %+v", p)
			}
		}
	})
}

func FuzzDpkgStatus(f *testing.F) {
	fuzzOSDatabase(f, "dpkg", "var/lib/dpkg/status", "testdata/os/debian/var/lib/dpkg/status", "testdata/os/distroless/var/lib/dpkg/status.d/foo")
}

func FuzzApkInstalled(f *testing.F) {
	fuzzOSDatabase(f, "apk", "lib/apk/db/installed", "testdata/os/alpine/lib/apk/db/installed")
}

// FuzzRPMHeader fuzzes the header parser directly: the SQLite layer around it is SQLite's.
func FuzzRPMHeader(f *testing.F) {
	blob, err := os.ReadFile("testdata/os/rpm-header.bin")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(blob)
	f.Add([]byte{0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 3, 232, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0, 1, 'a', 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := parseRPMHeader(data)
		if err == nil && h.name == "" {
			t.Fatal("a header without a name parsed")
		}
		_, _ = h.sourceNameVersion()
		_ = h.evr()
	})
}

// FuzzRPMSQLite fuzzes the whole rpmdb.sqlite read, from a real database: SQLite must reject or
// read a corrupt file, and the extractor must report it, never crash.
func FuzzRPMSQLite(f *testing.F) {
	fuzzOSDatabase(f, "rpm-sqlite", "var/lib/rpm/rpmdb.sqlite", "testdata/os/rpm/var/lib/rpm/rpmdb.sqlite")
}

func FuzzRPMBerkeleyDB(f *testing.F) {
	fuzzOSDatabase(f, "rpm-bdb", "var/lib/rpm/Packages", "testdata/os/rpm-bdb/var/lib/rpm/Packages", "testdata/os/rpm-bdb-epoch/rpm/Packages", "testdata/os/rpm-bdb-be/Packages")
}

// FuzzRPMNDB starts from an ndb file built of real headers (writeNDB).
func FuzzRPMNDB(f *testing.F) {
	blob, err := os.ReadFile("testdata/os/rpm-header.bin")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(writeNDB(blob))
	f.Add(writeNDB())
	f.Fuzz(func(t *testing.T, data []byte) {
		blobs, err := ndbValues(data)
		if err != nil && len(blobs) > 0 {
			t.Fatal("both blobs and an error")
		}
		for _, b := range blobs {
			if len(b.blob) > len(data) {
				t.Fatal("a blob larger than the file")
			}
		}
	})
}
