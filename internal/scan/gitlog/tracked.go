package gitlog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// ErrNotWorkTree means Dir is not inside a git work tree (no repository, or a bare one).
var ErrNotWorkTree = errors.New("not inside a git work tree")

// Tracked returns the paths git's index holds under Dir, slash-separated and relative to Dir
// (Dir may be a subdirectory of the work tree). Git never ignores a tracked file, whatever
// .gitignore says, so a scan of a work tree must not either: a committed .env that a later
// .gitignore names is still in every clone.
//
// The error wraps ErrNoGit when git cannot be run and ErrNotWorkTree when Dir is not in a work
// tree; any other error (a corrupt index, a repository git refuses to read) means the index
// could not be read and callers should say so.
func (r Repo) Tracked(ctx context.Context) ([]string, error) {
	out, err := r.output(ctx, "git rev-parse", "rev-parse", "--is-inside-work-tree")
	switch {
	case errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("%w: %w", ErrNoGit, err)
	case err != nil && strings.Contains(err.Error(), "not a git repository"):
		return nil, fmt.Errorf("%s: %w", r.Dir, ErrNotWorkTree)
	case err != nil:
		return nil, err
	case strings.TrimSpace(string(out)) != "true":
		return nil, fmt.Errorf("%s: %w", r.Dir, ErrNotWorkTree)
	}
	// --cached lists the index; -z keeps names verbatim (no quoting of unusual bytes).
	out, err = r.output(ctx, "git ls-files", "ls-files", "--cached", "-z")
	if err != nil {
		return nil, err
	}
	return splitNUL(out), nil
}

// splitNUL splits git's -z output into its non-empty names.
func splitNUL(b []byte) []string {
	var out []string
	for len(b) > 0 {
		name, rest, _ := bytes.Cut(b, []byte{0})
		if len(name) > 0 {
			out = append(out, string(name))
		}
		b = rest
	}
	return out
}
