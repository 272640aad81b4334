//go:build unix

package scan

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-sec/palisade/internal/finding"
)

// A named pipe where the walk reads a file by name (.git/info/exclude is opened without being
// listed first) is refused as a read problem, not opened: opening it would wait for a writer
// that never comes, and the scan would hang on a planted tree.
func TestNamedPipeExcludeFileDoesNotBlock(t *testing.T) {
	root := writeTree(t, fstest.MapFS{"app.txt": file("SECRET\n")})
	info := filepath.Join(root, ".git", "info")
	if err := os.MkdirAll(info, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(info, "exclude"), 0o600); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	type result struct {
		problems []finding.Problem
		err      error
	}
	done := make(chan result, 1)
	go func() {
		run, err := Dir(context.Background(), root, Options{Analyzers: []Analyzer{markerFinder{}}})
		if err != nil {
			done <- result{err: err}
			return
		}
		done <- result{problems: run.Problems}
	}()
	var r result
	select {
	case r = <-done:
	case <-time.After(time.Minute): // a watchdog, not a timing: the scan is blocked for good
		t.Fatal("the scan blocked opening the named pipe .git/info/exclude")
	}
	if r.err != nil {
		t.Fatal(r.err)
	}
	var got []string
	for _, p := range r.problems {
		if p.Path == ".git/info/exclude" {
			got = append(got, p.Kind+": "+p.Message)
		}
	}
	want := []string{finding.ProblemRead + ": read ignore file: read: not a regular file (a named pipe)"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems about .git/info/exclude (-want +got):\n%s", diff)
	}
}
