package sast

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/scan"
	"github.com/palisade-sec/palisade/internal/shareddata"
)

// goModFiles lists the go.mod files under root, skipping testdata and vendor as the scan does.
func goModFiles(tb testing.TB, root string) []string {
	tb.Helper()
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || d.Name() == "vendor" || strings.HasPrefix(d.Name(), ".")) && p != root {
			return filepath.SkipDir
		}
		if d.Name() == "go.mod" {
			rel, _ := filepath.Rel(root, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return files
}

// BenchmarkOwnTree analyses a large real module: Palisade's own tree (or PALISADE_SAST_BENCH_DIR),
// its dependencies from the module cache. Loading (the go command) dominates.
func BenchmarkOwnTree(b *testing.B) {
	root := os.Getenv("PALISADE_SAST_BENCH_DIR")
	if root == "" {
		root = shareddata.ModuleRoot(b)
	}
	files := goModFiles(b, root)
	a := New(Options{})
	for b.Loop() {
		found, problems := analyse(b, a, root, files)
		b.ReportMetric(float64(len(found)), "findings")
		b.ReportMetric(float64(problems), "problems")
	}
}

// analyse runs one analysis, failing on anything but an Incomplete (problems are counted).
// (Kept out of the b.Loop body: errors.As there crashes go1.26.8's compiler.)
func analyse(tb testing.TB, a *Analyzer, root string, files []string) ([]finding.Finding, int) {
	found, err := a.AnalyzeTree(context.Background(), &scan.Tree{Dir: root, Files: files})
	var inc *scan.Incomplete
	switch {
	case errors.As(err, &inc):
		return found, len(inc.Problems)
	case err != nil:
		tb.Fatal(err)
	}
	return found, 0
}
