package scan

import (
	"context"
	"errors"
	"path"
	"path/filepath"

	"github.com/palisade-sec/palisade/internal/scan/gitlog"
)

// trackedSet is what git's index holds under the scan root: the files, and every directory on
// the way to one. A nil set holds nothing (the root is not in a work tree).
type trackedSet struct {
	files map[string]bool
	dirs  map[string]bool
}

// loadTracked reads the index of the work tree root is in. Outside a work tree, or without git,
// it returns nil and no error: then there is no index, and .gitignore alone decides as before.
func loadTracked(ctx context.Context, root string) (*trackedSet, error) {
	names, err := gitlog.Repo{Dir: root}.Tracked(ctx)
	switch {
	case errors.Is(err, gitlog.ErrNotWorkTree), errors.Is(err, gitlog.ErrNoGit):
		return nil, nil
	case err != nil:
		return nil, err
	}
	t := &trackedSet{files: make(map[string]bool, len(names)), dirs: map[string]bool{}}
	for _, n := range names {
		t.files[n] = true
		for d := path.Dir(n); d != "." && d != "/" && !t.dirs[d]; d = path.Dir(d) {
			t.dirs[d] = true
		}
	}
	return t, nil
}

// has reports whether git tracks the file p, or, for a directory, any file under it. A submodule
// is tracked as a file entry but walked as a directory, so both maps answer for directories.
func (t *trackedSet) has(p string, isDir bool) bool {
	if t == nil {
		return false
	}
	if isDir {
		return t.dirs[p] || t.files[p]
	}
	return t.files[p]
}

// rootName is the base name of the directory at root, as `palisade sbom` names its target.
func rootName(root string) string {
	if abs, err := filepath.Abs(root); err == nil {
		root = abs
	}
	return filepath.Base(root)
}
