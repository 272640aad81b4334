package scan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/palisade-sec/palisade/internal/finding"
)

// markerFinder is a fake secret-like analyzer: every line holding "SECRET" is a finding, with the
// line mapped through File.LineOffset as real analyzers must. It has no FileFilter, so the default
// skip list withholds lock files from it.
type markerFinder struct{}

func (markerFinder) Name() string { return "marker" }

func (markerFinder) AnalyzeFile(ctx context.Context, f *File) ([]finding.Finding, error) {
	var out []finding.Finding
	for i, line := range bytes.Split(f.Content, []byte("\n")) {
		if col := bytes.Index(line, []byte("SECRET")); col >= 0 {
			out = append(out, finding.Finding{
				RuleID:      "marker",
				Severity:    finding.SeverityHigh,
				Location:    finding.Location{Path: f.Path, StartLine: f.LineOffset + i + 1, StartColumn: col + 1},
				Fingerprint: finding.Fingerprint("marker", f.Path, string(line)),
			})
		}
	}
	return out, nil
}

func (markerFinder) Rules() []finding.Rule {
	return []finding.Rule{{ID: "marker", Title: "Line holds the word SECRET", Severity: finding.SeverityHigh}}
}

// sumReader is a fake dependency analyzer: it wants go.sum files only, even though the default
// skip list withholds them from analyzers in general.
type sumReader struct{}

func (sumReader) Name() string        { return "sums" }
func (sumReader) Wants(p string) bool { return path.Base(p) == "go.sum" }
func (sumReader) Rules() []finding.Rule {
	return []finding.Rule{{ID: "sum-seen", Title: "go.sum read"}}
}
func (sumReader) AnalyzeFile(_ context.Context, f *File) ([]finding.Finding, error) {
	return []finding.Finding{{RuleID: "sum-seen", Severity: finding.SeverityLow, Location: finding.Location{Path: f.Path}}}, nil
}

// treeLister is a fake tree analyzer: it reports the files it was given, and reads one through
// the tree's FS to show the FS is rooted at the scan root.
type treeLister struct{ got *[]string }

func (treeLister) Name() string { return "tree" }

func (t treeLister) AnalyzeTree(_ context.Context, tr *Tree) ([]finding.Finding, error) {
	*t.got = append([]string(nil), tr.Files...)
	if _, err := fs.ReadFile(tr.FS, tr.Files[0]); err != nil {
		return nil, fmt.Errorf("read through tree FS: %w", err)
	}
	return nil, nil
}

// troublemaker panics on boom.txt and fails on fail.txt, to show both become problems.
type troublemaker struct{}

func (troublemaker) Name() string { return "trouble" }

func (troublemaker) AnalyzeFile(_ context.Context, f *File) ([]finding.Finding, error) {
	switch path.Base(f.Path) {
	case "boom.txt":
		i := len(f.Content) + 5
		_ = f.Content[i] // a real runtime panic, as a buggy parser would hit
	case "fail.txt":
		return nil, errors.New("cannot parse fail.txt: line 1: unexpected token")
	}
	return nil, nil
}

// cancelOnFirst cancels the scan's context from inside the first file it sees.
type cancelOnFirst struct{ cancel context.CancelFunc }

func (cancelOnFirst) Name() string { return "cancel" }

func (c cancelOnFirst) AnalyzeFile(ctx context.Context, _ *File) ([]finding.Finding, error) {
	c.cancel()
	<-ctx.Done()
	return nil, ctx.Err()
}

// writeTree materialises a MapFS on disk (os.Root needs a real directory). Entries whose mode has
// ModeSymlink become symlinks to their Data.
func writeTree(t testing.TB, fsys fstest.MapFS) string {
	t.Helper()
	dir := t.TempDir()
	for name, f := range fsys {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		switch {
		case f.Mode&fs.ModeSymlink != 0:
			if err := os.Symlink(string(f.Data), p); err != nil {
				t.Fatal(err)
			}
		case f.Mode.IsDir():
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
		default:
			if err := os.WriteFile(p, f.Data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

func file(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }

func symlink(target string) *fstest.MapFile {
	return &fstest.MapFile{Data: []byte(target), Mode: fs.ModeSymlink}
}

// where is a finding reduced to what the tests compare.
type where struct {
	Rule string
	Path string
	Line int
}

func wheres(fs []finding.Finding) []where {
	out := make([]where, 0, len(fs))
	for _, f := range fs {
		out = append(out, where{f.RuleID, f.Location.Path, f.Location.StartLine})
	}
	return out
}

func lines(n int, marker string) string {
	var b strings.Builder
	for i := range n {
		if i == n-1 {
			b.WriteString(marker)
		}
		fmt.Fprintf(&b, "line %d\n", i+1)
	}
	return b.String()
}
