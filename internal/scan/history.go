package scan

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/palisade-sec/palisade/internal/errkind"
	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/report"
	"github.com/palisade-sec/palisade/internal/scan/gitlog"
)

// HistoryOptions chooses what Git reads from a repository.
type HistoryOptions struct {
	// Since, when set, scans only commits not reachable from this revision (Since..HEAD): a
	// pipeline passes the target branch to scan only what a merge request adds.
	Since string
	// AllBranches scans every branch and tag instead of the history of HEAD alone.
	AllBranches bool
	// Staged scans the changes staged for the next commit instead of history: the pre-commit
	// mode. It excludes Since and AllBranches.
	Staged bool
	// GitPath is the git binary; empty means "git" from PATH.
	GitPath string
}

// Git scans what the commits of the repository at repo added — every line of every commit, with
// the commit's hash, author, date and message on the findings — or, in Staged mode, what is
// staged for the next commit.
//
// Only FileAnalyzers run: each gets one File per run of consecutive added lines, with
// LineOffset set so findings point at the line in that commit's version of the file. The
// default skip list and Options.Exclude apply; .gitignore does not (a committed file is in
// history whatever .gitignore says now). Binary changes are skipped and counted. Tree analyzers
// do not run in this mode and are left out of Run.Scanners.
func Git(ctx context.Context, repo string, opts Options, h HistoryOptions) (*report.Run, error) {
	s, err := opts.compile()
	if err != nil {
		return nil, fmt.Errorf("scan history of %s: %w", repo, err)
	}
	if h.Staged && (h.Since != "" || h.AllBranches) {
		return nil, errkind.Wrap(errkind.Invalid, errors.New("scan staged changes: --since and --all-branches apply to history, not to staged changes"))
	}
	if len(s.files) == 0 {
		return nil, errkind.Wrap(errkind.Invalid, fmt.Errorf("scan history of %s: none of the selected analyzers reads files (history runs file analyzers only)", repo))
	}
	// History and staged changes are file analyzers' business only.
	s.names = s.names[:0]
	s.analyzers = s.analyzers[:0]
	for _, a := range s.files {
		s.names = append(s.names, a.Name())
		s.analyzers = append(s.analyzers, a)
	}
	s.trees = nil

	abs, err := filepath.Abs(repo)
	if err != nil {
		return nil, fmt.Errorf("scan history of %s: %w", repo, err)
	}
	g := gitlog.Repo{Dir: abs, Git: h.GitPath}
	if err := g.Check(ctx); err != nil {
		kind := errkind.Invalid
		if errors.Is(err, gitlog.ErrNoGit) {
			kind = errkind.Unavailable
		}
		return nil, errkind.Wrap(kind, fmt.Errorf("scan history: %w", err))
	}
	started := time.Now().UTC()
	hc := &historyCollector{collector: newCollector(s), seen: map[finding.Skip]bool{}}
	if h.Staged {
		err = hc.staged(ctx, g)
	} else {
		err = hc.log(ctx, g, gitlog.LogOptions{Since: h.Since, All: h.AllBranches, MaxFragment: int(min(s.maxSize, math.MaxInt32))})
	}
	if err != nil {
		return nil, err
	}
	return hc.run(repo, started), nil
}

// historyCollector adds to collector what history needs: a skipped path is recorded once, not
// once per commit that touched it.
type historyCollector struct {
	*collector
	seenMu sync.Mutex
	seen   map[finding.Skip]bool
}

func (hc *historyCollector) skipOnce(p, reason string) {
	k := finding.Skip{Path: p, Reason: reason}
	hc.seenMu.Lock()
	defer hc.seenMu.Unlock()
	if !hc.seen[k] {
		hc.seen[k] = true
		hc.addSkip(p, reason)
	}
}

// fragmentJob is one run of added lines and the analyzers that want it.
type fragmentJob struct {
	file      *File
	analyzers []FileAnalyzer
	// binary says the lines hold NUL bytes: only BinaryAnalyzers get them.
	binary bool
}

func (hc *historyCollector) staged(ctx context.Context, g gitlog.Repo) error {
	files, err := g.Staged(ctx, int(min(hc.s.maxSize, math.MaxInt32)))
	if err != nil {
		return fmt.Errorf("scan staged changes: %w", err)
	}
	hc.progress.Start(len(files))
	defer hc.progress.Done()
	return hc.pipeline(ctx, func(ctx context.Context, out chan<- fragmentJob) error {
		for _, fd := range files {
			if err := hc.emit(ctx, out, nil, fd); err != nil {
				return err
			}
			hc.progress.Add(1)
		}
		return nil
	})
}

func (hc *historyCollector) log(ctx context.Context, g gitlog.Repo, lo gitlog.LogOptions) error {
	total, err := g.Count(ctx, lo)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("scan history: %w", ctx.Err())
		}
		// A bad --since is the user's mistake; say so with the kind that maps to a usage error.
		return errkind.Wrap(errkind.Invalid, fmt.Errorf("scan history: %w", err))
	}
	hc.progress.Start(total)
	defer hc.progress.Done()
	return hc.pipeline(ctx, func(ctx context.Context, out chan<- fragmentJob) error {
		err := g.Log(ctx, lo, func(c *gitlog.Commit) error {
			hc.mu.Lock()
			hc.stats.Commits++
			hc.mu.Unlock()
			commit := &finding.Commit{Hash: c.Hash, Author: c.Author, Email: c.Email, Date: c.Date.UTC(), Message: c.Message}
			for _, fd := range c.Files {
				if err := hc.emit(ctx, out, commit, fd); err != nil {
					return err
				}
			}
			hc.progress.Add(1)
			return nil
		})
		if err != nil {
			return fmt.Errorf("scan history: %w", err)
		}
		return nil
	})
}

// pipeline runs produce in one goroutine and analyses what it sends in s.workers others.
func (hc *historyCollector) pipeline(ctx context.Context, produce func(context.Context, chan<- fragmentJob) error) error {
	g, gctx := errgroup.WithContext(ctx)
	jobs := make(chan fragmentJob, hc.s.workers)
	g.Go(func() error {
		defer close(jobs)
		return produce(gctx, jobs)
	})
	for range hc.s.workers {
		g.Go(func() error {
			for j := range jobs {
				if j.binary {
					looked, err := hc.analyzeBinary(gctx, j.analyzers, j.file)
					if err != nil {
						return err
					}
					if !looked {
						hc.skipOnce(j.file.Path, finding.SkipBinary)
					}
					continue
				}
				if err := hc.analyzeFile(gctx, j.analyzers, j.file); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("scan history: %w", err)
	}
	return nil
}

// emit applies the path rules to one changed file and sends its fragments to the workers.
func (hc *historyCollector) emit(ctx context.Context, out chan<- fragmentJob, commit *finding.Commit, fd gitlog.FileDiff) error {
	if fd.Path == "" {
		return nil // a deletion adds nothing
	}
	p := fd.Path
	if reason := hc.pathReason(p); reason != "" {
		hc.skipOnce(p, reason)
		return nil
	}
	withheld := matchSkip(hc.s.defaults, p, false)
	var as []FileAnalyzer
	for _, a := range hc.s.files {
		if hc.wants(a, p, withheld == nil) {
			as = append(as, a)
		}
	}
	switch {
	case len(as) == 0 && withheld != nil:
		hc.skipOnce(p, finding.SkipDefault)
		return nil
	case len(as) == 0:
		return nil
	case fd.Binary:
		hc.skipOnce(p, finding.SkipBinary)
		return nil
	case fd.Submodule:
		hc.skipOnce(p, SkipSubmodule)
		return nil
	}
	// A run of added lines over the limit was dropped while git's output streamed (memory stays
	// bounded); what it held was not scanned, so it is a problem that fails the gate, not a skip.
	// The file's other fragments are still scanned.
	oversized := fd.Oversized
	scanned := false
	for _, fr := range fd.Added {
		if int64(len(fr.Content)) > hc.s.maxSize {
			oversized = true
			continue
		}
		// git shows a file as text when .gitattributes says so; NUL bytes still mean binary, and
		// only analyzers that read binary content get the fragment.
		binary := isBinary(fr.Content)
		if binary && !slices.ContainsFunc(as, readsBinary) {
			hc.skipOnce(p, finding.SkipBinary)
			continue
		}
		scanned = true
		hc.mu.Lock()
		hc.stats.BytesScanned += int64(len(fr.Content))
		hc.mu.Unlock()
		f := &File{Path: p, Content: fr.Content, Commit: commit, LineOffset: fr.StartLine - 1}
		select {
		case out <- fragmentJob{file: f, analyzers: as, binary: binary}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if oversized {
		where := "staged changes"
		if commit != nil {
			where = "commit " + commit.Hash
		}
		hc.addProblem(finding.Problem{Path: p, Message: fmt.Sprintf(
			"not analysed: a run of lines added in %s is over the size limit (--max-file-size %d); raise the limit to scan it",
			where, hc.s.maxSize), Kind: finding.ProblemTooLarge})
	}
	if scanned {
		hc.mu.Lock()
		hc.stats.FilesScanned++
		hc.mu.Unlock()
	}
	return nil
}

// readsBinary reports whether a implements BinaryAnalyzer.
func readsBinary(a FileAnalyzer) bool {
	_, ok := a.(BinaryAnalyzer)
	return ok
}

// pathReason applies user excludes and the default directory rules to a path and its parents.
func (hc *historyCollector) pathReason(p string) string {
	if hc.s.exclude.Ignored(p, false) {
		return finding.SkipExcluded
	}
	for i := 0; i < len(p); i++ {
		if p[i] == '/' && matchSkip(hc.s.defaults, p[:i], true) != nil {
			return finding.SkipDefault
		}
	}
	return ""
}
