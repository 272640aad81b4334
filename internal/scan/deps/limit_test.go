package deps

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/inventory"
	"github.com/palisade-sec/palisade/internal/scan"
	"github.com/palisade-sec/palisade/internal/vulndb"
)

// recordingDB is a Matcher that remembers which packages it was asked about and matches none.
type recordingDB struct{ pkgs *[]inventory.Package }

func (r recordingDB) Match(_ context.Context, pkgs []inventory.Package) (*vulndb.Result, error) {
	*r.pkgs = append(*r.pkgs, pkgs...)
	return &vulndb.Result{}, nil
}

// TestSizeLimitThroughTheEngine: with a size limit far below a real Go binary, the binary is
// still read (its build info, through io.ReaderAt), while a lockfile over the limit, which is
// parsed whole, is a problem that fails the gate — not a quiet count of skipped files.
func TestSizeLimitThroughTheEngine(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Skipf("cannot locate the test binary: %v", err)
	}
	bin, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	write := func(name string, data []byte, mode os.FileMode) {
		if err := os.WriteFile(filepath.Join(root, name), data, mode); err != nil {
			t.Fatal(err)
		}
	}
	write("server", bin, 0o755)
	write("Cargo.lock", []byte("version = 3\n"+strings.Repeat("# padding\n", 300)), 0o644)
	write("requirements.txt", []byte("flask==2.0.0\n"), 0o644)

	var seen []inventory.Package
	a := New(recordingDB{&seen}, ExtractorFunc(inventory.Extract), Options{MaxAge: -1})
	run, err := scan.Dir(context.Background(), root, scan.Options{Analyzers: []scan.Analyzer{a}, MaxFileSize: 1024})
	if err != nil {
		t.Fatal(err)
	}
	var fromBinary, fromRequirements bool
	for _, p := range seen {
		fromBinary = fromBinary || p.Location.Path == "server" && p.Name == "stdlib"
		fromRequirements = fromRequirements || p.Location.Path == "requirements.txt"
	}
	if !fromBinary || !fromRequirements {
		t.Errorf("packages from the binary: %v, from requirements.txt: %v; want both (%d packages)", fromBinary, fromRequirements, len(seen))
	}
	want := []finding.Problem{{Path: "Cargo.lock", Scanner: Name,
		Message: "not analysed: 3012 bytes is over the size limit (--max-file-size 1024), and a lockfile or manifest is parsed whole; raise the limit to check it", Kind: finding.ProblemTooLarge}}
	if d := cmp.Diff(want, run.Problems); d != "" {
		t.Errorf("problems (-want +got):\n%s", d)
	}
	if i := slices.IndexFunc(run.Skipped, func(s finding.Skip) bool { return s.Path == "server" }); i >= 0 {
		t.Errorf("the Go binary is listed as skipped: %+v", run.Skipped[i])
	}
}

// TestWithinLimitWithoutALimit: a Tree built by hand (no engine) has no limit; nothing is left out.
func TestWithinLimitWithoutALimit(t *testing.T) {
	tr := tree(t, map[string]string{"Cargo.lock": strings.Repeat("#\n", 100)})
	got, problems := tr.WithinLimit(Name, "a lockfile is parsed whole", readWhole)
	if len(problems) != 0 || !slices.Equal(got, tr.Files) {
		t.Errorf("WithinLimit without a limit dropped %v, problems %+v", got, problems)
	}
}

// TestGoSourceOverTheLimit: Go source is read for import analysis only when a Go package
// matched; a file over the limit is then a problem (the imported-package check could be wrong),
// and never one when there is nothing to analyse.
func TestGoSourceOverTheLimit(t *testing.T) {
	db := testDB(t)
	big := mainGo + strings.Repeat("// generated\n", 100)
	tests := []struct {
		name  string
		goMod string
		pkgs  []inventory.Package
		wants []string
	}{
		{name: "a Go package matched", goMod: goMod, pkgs: goInventory(), wants: []string{
			"main.go: Go source not read for import analysis (imported-package check less precise): 1436 bytes is over the size limit (--max-file-size 1024) (too-large)"}},
		// A toolchain without known vulnerabilities and no other package: no Go match.
		{name: "nothing to analyse", goMod: "module example.com/app\n\ngo 1.22\ntoolchain go1.99.0\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := tree(t, map[string]string{"go.mod": tc.goMod, "main.go": big})
			tr.MaxFileSize = 1024
			a := New(db, fakeExtractor(tc.pkgs), Options{Now: func() time.Time { return fetched }})
			res, err := a.Analyze(context.Background(), tr)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range res.Problems {
				got = append(got, p.Path+": "+p.Message+" ("+p.Kind+")")
			}
			if d := cmp.Diff(tc.wants, got); d != "" {
				t.Errorf("problems (-want +got):\n%s", d)
			}
		})
	}
}
