package scan

import (
	"context"
	"testing"
	"testing/fstest"

	"github.com/palisade-sec/palisade/internal/finding"
)

// dirRecorder records the Tree.Dir it is handed.
type dirRecorder struct{ got *string }

func (dirRecorder) Name() string { return "dir" }

func (d dirRecorder) AnalyzeTree(_ context.Context, t *Tree) ([]finding.Finding, error) {
	*d.got = t.Dir
	return nil, nil
}

// TestTreeDirIsTheRoot: a tree analyzer that must run an external loader (the Go analyser runs
// the go command) gets the scan root's directory.
func TestTreeDirIsTheRoot(t *testing.T) {
	root := writeTree(t, fstest.MapFS{"go.mod": file("module x\n")})
	var got string
	if _, err := Dir(context.Background(), root, Options{Analyzers: []Analyzer{dirRecorder{&got}}}); err != nil {
		t.Fatal(err)
	}
	if got != root {
		t.Errorf("Tree.Dir = %q, want %q", got, root)
	}
}
