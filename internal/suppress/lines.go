package suppress

import (
	"bytes"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/palisade-sec/palisade/internal/finding"
)

// Lines is the source text an inline directive for one finding can sit in.
type Lines struct {
	// Line is the finding's own line (its StartLine).
	Line string
	// Above is the line directly above it, when HasAbove.
	Above    string
	HasAbove bool
}

// LineLookup returns the lines around a finding. ok is false when nothing is known about the
// finding's line (no line number and no snippet); err is a failure to read them, which Apply
// reports as a problem while leaving the finding unsuppressed (fail closed).
//
// Apply calls it for findings grouped by commit and path, so an implementation that caches only
// the most recent file reads each file once.
type LineLookup func(f *finding.Finding) (l Lines, ok bool, err error)

// ReadFunc reads a file by its slash-separated path relative to the scan root.
type ReadFunc func(path string) ([]byte, error)

// ReadAtFunc reads a file as it was at a commit, for findings from version-control history.
type ReadAtFunc func(commit, path string) ([]byte, error)

// FSReader adapts an fs.FS rooted at the scan root (os.Root.FS, fstest.MapFS) to a ReadFunc. A
// path such as "./a.go" is cleaned first, since fs.FS accepts only canonical paths; one that
// leaves the root ("../x") stays invalid and fails.
func FSReader(fsys fs.FS) ReadFunc {
	return func(name string) ([]byte, error) { return fs.ReadFile(fsys, path.Clean(name)) }
}

// FileLines builds a LineLookup that reads work-tree findings' lines with read and history
// findings' lines with readAt. When the matching reader is nil it falls back to the finding's own
// snippet, which gives the finding's line (as far as the scanner kept it) but not the line above.
// It keeps the last file it read, so each file is read once when findings arrive grouped by file,
// as Apply delivers them; it is not safe for concurrent use.
func FileLines(read ReadFunc, readAt ReadAtFunc) LineLookup {
	c := &fileCache{}
	return func(f *finding.Finding) (Lines, bool, error) {
		loc := &f.Location
		if loc.StartLine <= 0 {
			return snippetLines(f)
		}
		var load func() ([]byte, error)
		switch {
		case loc.Commit != nil && readAt != nil:
			hash := loc.Commit.Hash
			load = func() ([]byte, error) { return readAt(hash, loc.Path) }
		case loc.Commit == nil && read != nil:
			load = func() ([]byte, error) { return read(loc.Path) }
		default:
			return snippetLines(f)
		}
		lines, err := c.get(commitOf(f), loc.Path, load)
		if err != nil {
			return Lines{}, false, err
		}
		n := loc.StartLine
		if n > len(lines) {
			return Lines{}, false, fmt.Errorf("line %d is past the end of the file (%d lines); did it change since the scan?", n, len(lines))
		}
		l := Lines{Line: string(lines[n-1])}
		if n > 1 {
			l.Above, l.HasAbove = string(lines[n-2]), true
		}
		return l, true, nil
	}
}

// snippetLines takes the finding's line from its snippet, whose first line is the finding's line.
func snippetLines(f *finding.Finding) (Lines, bool, error) {
	if f.Location.Snippet == "" {
		return Lines{}, false, nil
	}
	first, _, _ := strings.Cut(f.Location.Snippet, "\n")
	return Lines{Line: first}, true, nil
}

func commitOf(f *finding.Finding) string {
	if f.Location.Commit == nil {
		return ""
	}
	return f.Location.Commit.Hash
}

// fileCache holds the lines of the file read last, or the error reading it gave.
type fileCache struct {
	commit, path string
	valid        bool
	lines        [][]byte
	err          error
}

func (c *fileCache) get(commit, path string, load func() ([]byte, error)) ([][]byte, error) {
	if c.valid && c.commit == commit && c.path == path {
		return c.lines, c.err
	}
	data, err := load()
	c.commit, c.path, c.valid, c.lines, c.err = commit, path, true, nil, err
	if err == nil {
		c.lines = splitLines(data)
	}
	return c.lines, c.err
}

// splitLines splits on \n and drops a trailing \r, so CRLF files read like LF ones.
func splitLines(data []byte) [][]byte {
	lines := bytes.Split(data, []byte("\n"))
	if len(lines) > 0 && len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	for i, l := range lines {
		lines[i] = bytes.TrimSuffix(l, []byte("\r"))
	}
	return lines
}
