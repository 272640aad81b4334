package scan

import (
	"context"
	"io"
	"io/fs"
	"testing"
	"testing/fstest"

	"github.com/palisade-sec/palisade/internal/finding"
)

// lockReader is a tree analyzer that reads only what it needs: one file with fs.ReadFile and one
// through Open with random access, as a lockfile analyzer and a binary reader do.
type lockReader struct{ readAtOK *bool }

func (lockReader) Name() string { return "locks" }

func (l lockReader) AnalyzeTree(_ context.Context, t *Tree) ([]finding.Finding, error) {
	if _, err := fs.ReadFile(t.FS, "go.mod"); err != nil {
		return nil, err
	}
	f, err := t.FS.Open("bin/app")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, 3)
	_, err = f.(io.ReaderAt).ReadAt(buf, 2)
	*l.readAtOK = err == nil && string(buf) == "cde"
	return nil, nil
}

func TestStatsCountWhatTreeAnalyzersRead(t *testing.T) {
	root := writeTree(t, fstest.MapFS{
		"go.mod":      file("module x\n"), // 9 bytes, read with ReadFile
		"bin/app":     file("abcdefgh"),   // 8 bytes, opened with random access
		"docs/a.md":   file("not read by anyone\n"),
		"src/main.go": file("package main\n"),
	})
	var readAtOK bool
	run, err := Dir(context.Background(), root, Options{Analyzers: []Analyzer{lockReader{&readAtOK}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Problems) > 0 {
		t.Fatalf("problems: %+v", run.Problems)
	}
	if !readAtOK {
		t.Error("the tree's files lost random access (ReadAt) through the counting wrapper")
	}
	if run.Stats.FilesScanned != 2 || run.Stats.BytesScanned != 17 {
		t.Errorf("stats = %d files, %d bytes; want the 2 files read, 17 bytes", run.Stats.FilesScanned, run.Stats.BytesScanned)
	}
}

// lockfileReader reads package-lock.json, as the deps analyzer does.
type lockfileReader struct{}

func (lockfileReader) Name() string { return "lockfiles" }

func (lockfileReader) AnalyzeTree(_ context.Context, t *Tree) ([]finding.Finding, error) {
	_, err := fs.ReadFile(t.FS, "web/package-lock.json")
	return nil, err
}

func TestPathsATreeAnalyzerReadAreNotReportedSkipped(t *testing.T) {
	root := writeTree(t, fstest.MapFS{
		"web/package-lock.json": file("{}\n"),
		"api/Cargo.lock":        file("# lock\n"),
		"src/main.go":           file("package main\n"),
	})
	run, err := Dir(context.Background(), root, Options{Analyzers: []Analyzer{markerFinder{}, lockfileReader{}}})
	if err != nil {
		t.Fatal(err)
	}
	skipped := map[string]string{}
	for _, s := range run.Skipped {
		skipped[s.Path] = s.Reason
	}
	if r, ok := skipped["web/package-lock.json"]; ok {
		t.Errorf("web/package-lock.json reported skipped (%s) although the lockfile analyzer read it", r)
	}
	if _, ok := skipped["api/Cargo.lock"]; !ok {
		t.Errorf("api/Cargo.lock, read by no analyzer, is missing from the skipped list: %+v", run.Skipped)
	}
}
