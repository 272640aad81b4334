//go:build unix

package inventory

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/palisade-sec/palisade/internal/finding"
)

// TestOSReleaseFIFO: a named pipe planted as etc/os-release (or a copyright file) of a scanned
// root is refused unopened: the extraction finishes, the packages are listed and a problem says
// the release file could not be read, instead of the scan blocking on the pipe forever.
func TestOSReleaseFIFO(t *testing.T) {
	dir := t.TempDir()
	status, err := os.ReadFile("testdata/os/debian/var/lib/dpkg/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"var/lib/dpkg", "etc", "usr/share/doc/libssl3"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "var/lib/dpkg/status"), status, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"etc/os-release", "usr/share/doc/libssl3/copyright"} {
		if err := syscall.Mkfifo(filepath.Join(dir, p), 0o600); err != nil {
			t.Skipf("mkfifo: %v", err)
		}
	}
	done := make(chan struct{})
	var pkgs []Package
	var probs []finding.Problem
	go func() {
		defer close(done)
		pkgs, probs, err = Extract(context.Background(), os.DirFS(dir), []string{"var/lib/dpkg/status"})
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("extraction blocked on a named pipe")
	}
	if err != nil || len(pkgs) != 10 || len(probs) != 2 || probs[0].Kind != finding.ProblemRead || probs[1].Kind != finding.ProblemUnmatched {
		t.Errorf("got %d packages, problems %+v, %v", len(pkgs), probs, err)
	}
}
