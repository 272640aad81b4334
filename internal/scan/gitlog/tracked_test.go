package gitlog

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-sec/palisade/internal/scan/gitlog/gittest"
)

// TestTrackedOutsideAWorkTree: a directory outside any work tree is ErrNotWorkTree in every
// language the user reads git in — git translates "not a git repository", which Tracked matches.
func TestTrackedOutsideAWorkTree(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("GIT_CEILING_DIRECTORIES", filepath.Dir(dir))
	for _, lang := range []string{"", "de", "fr"} {
		t.Run("LANGUAGE="+lang, func(t *testing.T) {
			t.Setenv("LANGUAGE", lang)
			if _, err := (Repo{Dir: dir}).Tracked(context.Background()); !errors.Is(err, ErrNotWorkTree) {
				t.Errorf("Tracked outside a work tree: err = %v, want ErrNotWorkTree", err)
			}
		})
	}
}

// TestTrackedFromASubdirectory: from a subdirectory, the index's paths under it, relative to it.
func TestTrackedFromASubdirectory(t *testing.T) {
	r := gittest.New(t)
	r.Write("top.txt", "x")
	r.Write("sub/a.txt", "x")
	r.Write("sub/deep/b.txt", "x")
	r.Git("add", "-A")
	got, err := (Repo{Dir: filepath.Join(r.Dir, "sub")}).Tracked(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"a.txt", "deep/b.txt"}, got); d != "" {
		t.Errorf("tracked (-want +got):\n%s", d)
	}
}
