package scan

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/palisade-sec/palisade/internal/boundedread"
	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/scan/gitignore"
)

// candidate is a regular file that survived the path rules.
type candidate struct {
	path string
	size int64
	// withheld is set when only a file-level default skip rule matched: the file goes only to
	// analyzers whose FileFilter wants it.
	withheld *SkipRule
	// ownOutput is set for Palisade's own output about this tree (SkipOwnOutput): file
	// analyzers read it, tree analyzers do not get it as an input.
	ownOutput bool
}

// walkResult is everything the walk learned, sorted by path.
type walkResult struct {
	files    []candidate
	skipped  []finding.Skip
	problems []finding.Problem
}

// walker lists the files under an os.Root. It never follows a symlink: every entry whose type is
// not a plain directory or regular file is recorded and left alone, and every open goes through
// the os.Root, which refuses paths that resolve outside it even if the tree changes underneath.
type walker struct {
	fsys fs.FS
	s    *settings
	// tracked is what git's index holds under the root; nil outside a work tree.
	tracked *trackedSet
	// rootName is the root directory's base name, which Palisade's SBOMs of it carry.
	rootName string

	mu  sync.Mutex
	res walkResult
}

// walk lists root's files concurrently, one directory per task, bounded by s.workers. rootPath is
// the root's path on disk, for git and for recognising Palisade's own outputs.
func walk(ctx context.Context, root *os.Root, rootPath string, s *settings) (*walkResult, error) {
	w := &walker{fsys: root.FS(), s: s, rootName: rootName(rootPath)}
	var base *gitignore.Matcher
	var indexErr error
	if s.gitignore {
		base = w.loadIgnoreFile(path.Join(".git", "info", "exclude"), "", nil, true)
		w.tracked, indexErr = loadTracked(ctx, rootPath)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.workers)
	g.Go(func() error { return w.dir(gctx, g, ".", base, false) })
	if err := g.Wait(); err != nil {
		return nil, err
	}
	r := &w.res
	// Without the index, a path skipped as ignored may be a tracked file: say so, but only when
	// .gitignore did skip something, so an unreadable index costs nothing where it changes nothing.
	if indexErr != nil && slices.ContainsFunc(r.skipped, func(sk finding.Skip) bool { return sk.Reason == finding.SkipGitignore }) {
		r.problems = append(r.problems, finding.Problem{Message: fmt.Sprintf(
			"read the git index: %v; paths skipped as ignored by .gitignore may be files git tracks, which are never ignored", indexErr),
			Kind: finding.ProblemRead})
	}
	slices.SortFunc(r.files, func(a, b candidate) int { return cmp.Compare(a.path, b.path) })
	sortSkips(r.skipped)
	sortProblems(r.problems)
	return r, nil
}

func (w *walker) skip(p, reason string) {
	w.mu.Lock()
	w.res.skipped = append(w.res.skipped, finding.Skip{Path: p, Reason: reason})
	w.mu.Unlock()
}

func (w *walker) problem(p string, line int, kind, msg string) {
	w.mu.Lock()
	w.res.problems = append(w.res.problems, finding.Problem{Path: p, Line: line, Message: msg, Kind: kind})
	w.mu.Unlock()
}

// dir processes one directory and schedules its subdirectories; when every worker is busy it
// walks them itself, so the walk never waits on a slot it holds. ignored says dir itself is
// ignored and is entered only for the files git tracks in it.
func (w *walker) dir(ctx context.Context, g *errgroup.Group, dir string, m *gitignore.Matcher, ignored bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	entries, err := fs.ReadDir(w.fsys, dir)
	if err != nil {
		w.problem(dir, 0, finding.ProblemRead, fmt.Sprintf("read directory: %v", unwrapPathError(err)))
		// ReadDir may return the entries it read before failing; go on with those.
	}
	if w.s.gitignore {
		for _, e := range entries {
			if e.Name() == ".gitignore" && e.Type().IsRegular() {
				m = w.loadIgnoreFile(join(dir, ".gitignore"), relDir(dir), m, false)
			}
		}
	}
	var files []candidate
	for _, e := range entries {
		p := join(dir, e.Name())
		typ := e.Type()
		switch {
		case typ&fs.ModeSymlink != 0:
			// Never followed. Report the user's own rule when one applies (git, too, matches a
			// symlink as a file, whatever it points at), so ignored links are not noise.
			reason, _ := w.pathRule(p, false, m, ignored)
			if reason == "" {
				reason = finding.SkipSymlink
			}
			w.skip(p, reason)
		case typ.IsDir():
			reason, subIgnored := w.pathRule(p, true, m, ignored)
			if reason != "" {
				w.skip(p, reason)
				continue
			}
			sub := p
			if !g.TryGo(func() error { return w.dir(ctx, g, sub, m, subIgnored) }) {
				if err := w.dir(ctx, g, sub, m, subIgnored); err != nil {
					return err
				}
			}
		case !typ.IsRegular():
			w.skip(p, SkipIrregular)
		default:
			if reason, _ := w.pathRule(p, false, m, ignored); reason != "" {
				w.skip(p, reason)
				continue
			}
			c, ok := w.file(p, e)
			if ok {
				files = append(files, c)
			}
		}
	}
	w.mu.Lock()
	w.res.files = append(w.res.files, files...)
	w.mu.Unlock()
	return nil
}

// pathRule returns the skip reason for a path, or "" to keep it. User excludes come first (the
// user's own word), then .gitignore, then the default list; file-level default rules do not skip
// here but withhold the file from some analyzers (see candidate.withheld).
//
// As in git, .gitignore applies only to untracked files: a path the index holds is kept, and an
// ignored directory that holds tracked files is entered (ignored reports that) for them alone.
// inIgnored says p's parent is such a directory, where every untracked path is ignored.
func (w *walker) pathRule(p string, isDir bool, m *gitignore.Matcher, inIgnored bool) (reason string, ignored bool) {
	if ex, _ := w.s.exclude.Match(p, isDir); ex {
		return finding.SkipExcluded, false
	}
	ig := inIgnored
	if !ig {
		ig, _ = m.Match(p, isDir)
	}
	if ig && !w.tracked.has(p, isDir) {
		return finding.SkipGitignore, true
	}
	if isDir && matchSkip(w.s.defaults, p, true) != nil {
		return finding.SkipDefault, ig
	}
	return "", ig
}

func (w *walker) file(p string, e fs.DirEntry) (candidate, bool) {
	info, err := e.Info()
	if err != nil {
		w.problem(p, 0, finding.ProblemRead, fmt.Sprintf("stat: %v", unwrapPathError(err)))
		return candidate{}, false
	}
	c := candidate{path: p, size: info.Size(), withheld: matchSkip(w.s.defaults, p, false)}
	// Only tree analyzers leave outputs out; without one, nothing is skipped and nothing is read.
	if len(w.s.trees) == 0 {
		return c, true
	}
	if reason := w.ownOutput(p, info.Size()); reason != "" {
		c.ownOutput = true
		w.skip(p, reason)
	}
	return c, true
}

// loadIgnoreFile reads one ignore file and stacks its patterns on m. A missing exclude file is
// normal; every other failure, and every line git would never match, is reported as a problem.
func (w *walker) loadIgnoreFile(p, base string, m *gitignore.Matcher, optional bool) *gitignore.Matcher {
	data, err := boundedread.File(w.fsys, p, w.s.maxSize)
	if err != nil {
		if optional && errors.Is(err, fs.ErrNotExist) {
			return m
		}
		w.problem(p, 0, readKind(err), fmt.Sprintf("read ignore file: %v", unwrapPathError(err)))
		return m
	}
	patterns, errs := gitignore.Parse(data, base)
	for _, e := range errs {
		line := 0
		var le *gitignore.LineError
		if errors.As(e, &le) {
			line = le.Line
		}
		w.problem(p, line, finding.ProblemParse, fmt.Sprintf("ignore file: %v (git never matches this line)", e))
	}
	return m.With(patterns)
}

// readKind is the problem kind of a failed read: too-large for a file over the size limit,
// read for anything else.
func readKind(err error) string {
	if errors.Is(err, boundedread.ErrTooLarge) {
		return finding.ProblemTooLarge
	}
	return finding.ProblemRead
}

func join(dir, name string) string {
	if dir == "." {
		return name
	}
	return dir + "/" + name
}

func relDir(dir string) string {
	if dir == "." {
		return ""
	}
	return dir
}

// unwrapPathError drops the *fs.PathError wrapper, whose path the problem already carries.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}

func sortSkips(s []finding.Skip) {
	slices.SortFunc(s, func(a, b finding.Skip) int {
		return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.Reason, b.Reason))
	})
}

func sortProblems(p []finding.Problem) {
	slices.SortFunc(p, func(a, b finding.Problem) int {
		return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Scanner, b.Scanner), cmp.Compare(a.Message, b.Message))
	})
}
