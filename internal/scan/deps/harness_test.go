package deps

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/palisade-sec/palisade/internal/inventory"
	"github.com/palisade-sec/palisade/internal/scan"
	"github.com/palisade-sec/palisade/internal/vulndb"
)

// TestScanDirHarness is what bench/deps.sh runs (as a compiled test binary) until `palisade scan
// --scanners deps` is wired: it scans $PALISADE_BENCH_SCAN_DIR with the real extractors and the
// database in $PALISADE_DB_DIR, writes one JSON line per finding to $PALISADE_BENCH_OUT, and logs
// the time from opening the database to the last finding.
func TestScanDirHarness(t *testing.T) {
	root, dbDir, out := os.Getenv("PALISADE_BENCH_SCAN_DIR"), os.Getenv("PALISADE_DB_DIR"), os.Getenv("PALISADE_BENCH_OUT")
	if root == "" || dbDir == "" || out == "" {
		t.Skip("skipping: the bench harness runs only from bench/deps.sh (PALISADE_BENCH_SCAN_DIR, PALISADE_DB_DIR, PALISADE_BENCH_OUT)")
	}
	start := time.Now()
	db, err := vulndb.Open(dbDir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r, err := os.OpenRoot(root)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx := context.Background()
	// Every file, as the scan engine hands them over: the Go rules need the .go sources too.
	var files []string
	err = fs.WalkDir(r.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules"):
			return fs.SkipDir
		case d.Type().IsRegular():
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	a := New(db, ExtractorFunc(inventory.Extract), Options{MaxAge: -1})
	res, err := a.Analyze(ctx, &scan.Tree{FS: r.FS(), Files: files})
	if err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	enc := json.NewEncoder(f)
	for _, fd := range res.Findings {
		if fd.Properties[PropEcosystem] == "" {
			continue // licence findings
		}
		ids := []string{fd.RuleID}
		if al := fd.Properties[PropAliases]; al != "" {
			ids = append(ids, strings.Split(al, ",")...)
		}
		slices.Sort(ids)
		if err := enc.Encode(map[string]any{
			"ecosystem": fd.Properties[PropEcosystem], "package": fd.Properties[PropPackage], "version": fd.Properties[PropVersion],
			"id": fd.RuleID, "ids": ids, "path": fd.Location.Path, "line": fd.Location.StartLine, "imported": fd.Properties[PropImported],
			"direct": fd.Properties[PropDirect], "dependencyPath": fd.Properties[PropDependencyPath], "severity": fd.Severity.String(), "fixedIn": fd.Properties[PropFixedIn],
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("palisade deps: %d files, %d packages, %d findings, %d problems in %v", len(files), res.Packages, len(res.Findings), len(res.Problems), elapsed)
	for _, p := range res.Problems {
		t.Logf("problem: %s", problemString(p))
	}
	os.WriteFile(out+".seconds", []byte(strings.TrimSuffix(elapsed.String(), "s")), 0o644)
}
