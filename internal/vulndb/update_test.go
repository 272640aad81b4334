package vulndb

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-sec/palisade/internal/errkind"
	"github.com/palisade-sec/palisade/internal/inventory"
	"github.com/palisade-sec/palisade/internal/vulndb/osv"
	"github.com/palisade-sec/palisade/internal/vulndb/vulndbtest"
)

// serve starts a TLS server on 127.0.0.1 that serves root like the OSV bucket.
func serve(t testing.TB, root string) *httptest.Server {
	t.Helper()
	ts := httptest.NewTLSServer(http.FileServer(http.Dir(root)))
	t.Cleanup(ts.Close)
	if !strings.HasPrefix(ts.URL, "https://127.0.0.1:") {
		t.Fatalf("test server at %s, want 127.0.0.1", ts.URL)
	}
	return ts
}

func TestUpdateDownloadsVerifiesAndSwitches(t *testing.T) {
	ts := serve(t, fixtureExport(t, nil))
	dir := t.TempDir()
	var lastDone, lastTotal atomic.Int64
	meta, err := Update(context.Background(), UpdateOptions{
		Dir: dir, Source: ts.URL, Ecosystems: []string{"Go", "crates.io", "PyPI"}, Client: ts.Client(), Now: clock,
		Progress: func(eco string, done, total int64) { lastDone.Store(done); lastTotal.Store(total) },
	})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][2]int{}
	for eco, e := range meta.Ecosystems {
		got[eco] = [2]int{e.Advisories, e.Withdrawn}
		if e.Source != ts.URL+"/"+eco+"/all.zip" || !e.Fetched.Equal(fixedNow) || len(e.SHA256) != 64 {
			t.Errorf("%s metadata = %+v", eco, e)
		}
	}
	want := map[string][2]int{"Go": {2, 0}, "crates.io": {3, 1}, "PyPI": {2, 0}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("advisories, withdrawn (-want +got):\n%s", diff)
	}
	if lastDone.Load() == 0 || lastDone.Load() != lastTotal.Load() {
		t.Errorf("progress ended at %d of %d", lastDone.Load(), lastTotal.Load())
	}
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if ids := matchIDs(t, db, inventory.Package{Ecosystem: "crates.io", Name: "openssl", Version: "0.8.0"}); len(ids) != 1 {
		t.Errorf("matches after update = %v", ids)
	}
	assertNoStaging(t, dir)
}

func TestUpdateFailuresLeaveTheDatabaseInUse(t *testing.T) {
	good := fixtureExport(t, nil)
	goodZip, err := os.ReadFile(filepath.Join(good, "PyPI", "all.zip"))
	if err != nil {
		t.Fatal(err)
	}
	corrupt := fixtureExport(t, vulndbtest.Records{
		"PyPI": {"PYSEC-9999-1.json": `{"id":"PYSEC-9999-1","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"PyPI","name":"x"},"ranges":[{"type":"ECOSYSTEM","events":[{"fixed":"1","introduced":"0"}]}]}]}`},
	})
	for _, tc := range []struct {
		name    string
		handler http.Handler
		want    string // in the error
	}{
		{
			name: "truncated archive served whole",
			handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasPrefix(r.URL.Path, "/PyPI/") {
					w.Write(goodZip[:len(goodZip)/2])
					return
				}
				http.FileServer(http.Dir(good)).ServeHTTP(w, r)
			}),
			want: "open PyPI archive",
		},
		{
			name: "connection cut before the announced length",
			handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasPrefix(r.URL.Path, "/PyPI/") {
					w.Header().Set("Content-Length", strconv.Itoa(len(goodZip)))
					w.Write(goodZip[:len(goodZip)/2])
					return // the server closes: the client sees a short body
				}
				http.FileServer(http.Dir(good)).ServeHTTP(w, r)
			}),
			want: "download PyPI",
		},
		{
			name:    "corrupt entry",
			handler: http.FileServer(http.Dir(corrupt)),
			want:    "PYSEC-9999-1.json: field affected[0].ranges[0].events[0]: want exactly one of",
		},
		{
			name:    "missing ecosystem",
			handler: http.FileServer(http.Dir(t.TempDir())),
			want:    "404",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, db := fixtureDB(t)
			before, err := os.ReadFile(filepath.Join(dir, currentFile))
			if err != nil {
				t.Fatal(err)
			}
			pkg := inventory.Package{Ecosystem: "PyPI", Name: "tornado", Version: "2.2"}
			wantIDs := matchIDs(t, db, pkg)

			ts := httptest.NewTLSServer(tc.handler)
			defer ts.Close()
			_, err = Update(context.Background(), UpdateOptions{
				Dir: dir, Source: ts.URL, Ecosystems: []string{"Go", "PyPI"}, Client: ts.Client(), Now: clock,
			})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Update error = %v, want one containing %q", err, tc.want)
			}
			after, _ := os.ReadFile(filepath.Join(dir, currentFile))
			if string(after) != string(before) {
				t.Errorf("CURRENT changed from %q to %q", before, after)
			}
			assertNoStaging(t, dir)
			// Both the handle opened before and a fresh one still work and agree.
			reopened, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer reopened.Close()
			for _, d := range []*DB{db, reopened} {
				if diff := cmp.Diff(wantIDs, matchIDs(t, d, pkg)); diff != "" {
					t.Errorf("matches changed (-before +after):\n%s", diff)
				}
			}
		})
	}
}

func TestUpdateRefusesPlainHTTP(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "db")
	_, err := Update(context.Background(), UpdateOptions{Dir: dir, Source: "http://127.0.0.1:1/osv"})
	if errkind.Of(err) != errkind.Invalid || !strings.Contains(err.Error(), "plain http") {
		t.Errorf("err = %v, want an Invalid error about plain http", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused update created %s", dir)
	}
	_, err = Update(context.Background(), UpdateOptions{Dir: dir, Source: "ftp://mirror/osv"})
	if errkind.Of(err) != errkind.Invalid {
		t.Errorf("ftp source: err = %v, want Invalid", err)
	}
	_, err = Update(context.Background(), UpdateOptions{Dir: dir, Source: "https://x", Ecosystems: []string{"Cobol"}})
	if errkind.Of(err) != errkind.Invalid || !strings.Contains(err.Error(), "Cobol") {
		t.Errorf("unknown ecosystem: err = %v", err)
	}
}

func TestImportSingleZipKeepsOtherEcosystems(t *testing.T) {
	dir, _ := fixtureDB(t)
	export := fixtureExport(t, nil)
	later := fixedNow.Add(48 * 60 * 60 * 1e9)
	meta, err := Import(context.Background(), ImportOptions{
		Dir: dir, Path: filepath.Join(export, "Go", "all.zip"), Ecosystem: "Go", Now: func() time.Time { return later },
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"AlmaLinux", "Alpine", "Debian", "Go", "PyPI", "Red Hat", "crates.io"}, meta.EcosystemNames()); diff != "" {
		t.Errorf("ecosystems (-want +got):\n%s", diff)
	}
	if !meta.Ecosystems["Go"].Fetched.Equal(later) || !meta.Ecosystems["PyPI"].Fetched.Equal(fixedNow) {
		t.Errorf("fetched times: Go %v, PyPI %v", meta.Ecosystems["Go"].Fetched, meta.Ecosystems["PyPI"].Fetched)
	}
	if !meta.Oldest().Equal(fixedNow) {
		t.Errorf("Oldest = %v, want the carried-over ecosystem's time", meta.Oldest())
	}
	if _, err := os.Stat(filepath.Join(export, "Go", "all.zip")); err != nil {
		t.Errorf("import must not touch its input: %v", err)
	}
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if ids := matchIDs(t, db, inventory.Package{Ecosystem: "PyPI", Name: "tornado", Version: "2.2"}); len(ids) != 1 {
		t.Errorf("carried-over PyPI no longer matches: %v", ids)
	}
	gens, _ := filepath.Glob(filepath.Join(dir, genPrefix+"*"))
	if len(gens) > 2 {
		t.Errorf("old generations not pruned: %v", gens)
	}
}

func TestImportErrors(t *testing.T) {
	export := fixtureExport(t, nil)
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		opts ImportOptions
		kind errkind.Kind
		want string
	}{
		{"zip without ecosystem", ImportOptions{Path: filepath.Join(export, "Go", "all.zip")}, errkind.Invalid, "--ecosystem"},
		{"unknown ecosystem", ImportOptions{Path: filepath.Join(export, "Go", "all.zip"), Ecosystem: "Cobol"}, errkind.Invalid, "Cobol"},
		{"missing path", ImportOptions{Path: filepath.Join(export, "nope")}, errkind.NotFound, "nope"},
		{"empty directory", ImportOptions{Path: t.TempDir()}, errkind.NotFound, "no <ecosystem>/all.zip"},
		{"asked ecosystem absent", ImportOptions{Path: export, Ecosystems: []string{"npm"}}, errkind.NotFound, "npm"},
		{"unsupported directory", ImportOptions{Path: withDir(t, export, "Debian:12")}, errkind.Invalid, "--ecosystems"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Dir = dir
			_, err := Import(context.Background(), tc.opts)
			if errkind.Of(err) != tc.kind || err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v (kind %v), want kind %v containing %q", err, errkind.Of(err), tc.kind, tc.want)
			}
		})
	}
	if _, err := Open(dir); !errors.Is(err, ErrNoDatabase) || errkind.Of(err) != errkind.NotFound {
		t.Errorf("Open after failed imports = %v, want ErrNoDatabase", err)
	}
}

func assertNoStaging(t *testing.T, dir string) {
	t.Helper()
	left, _ := filepath.Glob(filepath.Join(dir, stagePrefix+"*"))
	if len(left) > 0 {
		t.Errorf("staging directories left behind: %v", left)
	}
}

func TestInterruptedUpdateKeepsTheDatabase(t *testing.T) {
	dir, db := fixtureDB(t)
	before, _ := os.ReadFile(filepath.Join(dir, currentFile))
	ts := serve(t, fixtureExport(t, nil))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := Update(ctx, UpdateOptions{
		Dir: dir, Source: ts.URL, Ecosystems: []string{"Go", "PyPI"}, Client: ts.Client(), Now: clock,
		// Interrupt as soon as the second archive starts arriving (Ctrl-C in the middle).
		Progress: func(eco string, done, total int64) {
			if eco == "PyPI" {
				cancel()
			}
		},
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, currentFile))
	if string(after) != string(before) {
		t.Errorf("CURRENT changed from %q to %q", before, after)
	}
	assertNoStaging(t, dir)
	if ids := matchIDs(t, db, inventory.Package{Ecosystem: "PyPI", Name: "tornado", Version: "2.2"}); len(ids) != 1 {
		t.Errorf("matches after an interrupted update = %v", ids)
	}
}

func TestUpdateRefusesRedirectToPlainHTTP(t *testing.T) {
	plain := httptest.NewServer(http.FileServer(http.Dir(fixtureExport(t, nil))))
	defer plain.Close()
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, plain.URL+r.URL.Path, http.StatusFound)
	}))
	defer ts.Close()
	dir := t.TempDir()
	_, err := Update(context.Background(), UpdateOptions{Dir: dir, Source: ts.URL, Ecosystems: []string{"Go"}, Client: ts.Client(), Now: clock})
	if err == nil || !strings.Contains(err.Error(), "not https") {
		t.Fatalf("err = %v, want a refused redirect", err)
	}
	if _, err := Open(dir); !errors.Is(err, ErrNoDatabase) {
		t.Errorf("nothing may be installed after a refused redirect: %v", err)
	}
	// Explicitly allowed, the same redirect is followed.
	if _, err := Update(context.Background(), UpdateOptions{Dir: dir, Source: ts.URL, Ecosystems: []string{"Go"}, Client: ts.Client(), Now: clock, InsecureAllowHTTP: true}); err != nil {
		t.Errorf("with InsecureAllowHTTP: %v", err)
	}
}

// withDir copies the export's Go archive into a further ecosystem directory name.
func withDir(t *testing.T, export, eco string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(export, "Go", "all.zip"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, e := range []string{"Go", eco} {
		if err := os.MkdirAll(filepath.Join(dir, e), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e, "all.zip"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// An archive whose records belong to another ecosystem than its label is refused, naming the
// file and the first mismatching record, and the database in use is left as it was: labelled Go,
// a PyPI export would otherwise replace the Go data with zero packages.
func TestImportRefusesAnotherEcosystemsArchive(t *testing.T) {
	dir, _ := fixtureDB(t)
	export := fixtureExport(t, nil)
	pypi := filepath.Join(export, "PyPI", "all.zip")
	if osvDir := sharedOSVIfPresent(t); osvDir != "" {
		pypi = filepath.Join(osvDir, "PyPI", "all.zip") // the real export, when the shared data set is there
	}
	_, err := Import(context.Background(), ImportOptions{Dir: dir, Path: pypi, Ecosystem: "Go", Now: clock})
	if err == nil || errkind.Of(err) != errkind.Invalid {
		t.Fatalf("Import(PyPI archive as Go) = %v (kind %v), want an Invalid error", err, errkind.Of(err))
	}
	for _, want := range []string{pypi, `"PyPI"`, "Go", ".json"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	assertGoDataKept(t, dir)
}

// An archive whose live advisories name no package at all (which checkRecordEcosystem lets pass)
// is refused too: it would replace the data with nothing.
func TestImportRefusesAnArchiveThatIndexesNothing(t *testing.T) {
	dir, _ := fixtureDB(t)
	zipPath := filepath.Join(t.TempDir(), "all.zip")
	vulndbtest.WriteZip(t, zipPath, map[string]string{
		"X-1.json": `{"id": "X-1", "modified": "2024-01-01T00:00:00Z"}`,
		"X-2.json": `{"id": "X-2", "modified": "2024-01-01T00:00:00Z", "affected": []}`,
	})
	_, err := Import(context.Background(), ImportOptions{Dir: dir, Path: zipPath, Ecosystem: "Go", Now: clock})
	if err == nil || errkind.Of(err) != errkind.Invalid || !strings.Contains(err.Error(), "none of its 2 advisories") {
		t.Fatalf("Import = %v (kind %v), want an Invalid error saying no advisory names a Go package", err, errkind.Of(err))
	}
	assertGoDataKept(t, dir)
}

// assertGoDataKept checks that a refused import left the database's Go data, and no staging, behind.
func assertGoDataKept(t *testing.T, dir string) {
	t.Helper()
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.Meta().Ecosystems["Go"].Packages == 0 {
		t.Error("the Go data was replaced")
	}
	assertNoStaging(t, dir)
}

// A record that lists its own ecosystem beside others is fine; one naming none of the label's is not.
func TestCheckRecordEcosystem(t *testing.T) {
	rec := func(ecos ...string) *osv.Vulnerability {
		v := &osv.Vulnerability{ID: "X-1"}
		for _, e := range ecos {
			v.Affected = append(v.Affected, osv.Affected{Package: osv.Package{Ecosystem: e, Name: "p"}})
		}
		return v
	}
	for _, tc := range []struct {
		name  string
		label string
		v     *osv.Vulnerability
		ok    bool
	}{
		{"same", "Go", rec("Go"), true},
		{"mixed, one matches", "PyPI", rec("npm", "PyPI"), true},
		{"release suffix", "Debian", rec("Debian:12"), true},
		{"no affected", "Go", rec(), true},
		{"other", "Go", rec("PyPI"), false},
		{"no ecosystem named", "Go", rec(""), true},
		{"other beside an unnamed one", "Go", rec("", "npm"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkRecordEcosystem(tc.label, tc.v)
			if (err == nil) != tc.ok {
				t.Errorf("checkRecordEcosystem(%s, %v) = %v, want ok=%v", tc.label, tc.v.Affected, err, tc.ok)
			}
		})
	}
}

func TestResolveDir(t *testing.T) {
	def, err := DefaultDir()
	if err != nil {
		t.Skip(err)
	}
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == EnvDir {
				return v
			}
			return ""
		}
	}
	tests := []struct {
		name, flag, env, want string
	}{
		{"flag wins", "/flag", "/env", "/flag"},
		{"environment next", "", "/env", "/env"},
		{"user cache last", "", "", def},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ResolveDir(tt.flag, env(tt.env))
			if err != nil || got != tt.want {
				t.Errorf("ResolveDir = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
