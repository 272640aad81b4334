package scan

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/palisade-sec/palisade/internal/errkind"
	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/report"
)

// sniffLen is how much of a file the binary check looks at, as git does.
const sniffLen = 8 << 10

// Dir scans the directory tree at root with opts.Analyzers and returns the run.
//
// The root is opened with os.Root, so no path — not a symlink, not a ".." in a name, not a tree
// changed during the scan — resolves outside it. Symlinks are never followed; they are recorded
// as skipped. Every path the scan leaves out is in Run.Skipped with its reason, and every file or
// analyzer that failed is in Run.Problems; an analyzer that panics becomes a problem too. Output
// is deterministic whatever the concurrency. The error is non-nil only when the scan as a whole
// could not run (bad options, unreadable root, cancelled context).
func Dir(ctx context.Context, root string, opts Options) (*report.Run, error) {
	s, err := opts.compile()
	if err != nil {
		return nil, fmt.Errorf("scan %s: %w", root, err)
	}
	started := time.Now().UTC()
	r, err := os.OpenRoot(root)
	if err != nil {
		kind := errkind.Invalid
		if errors.Is(err, fs.ErrNotExist) {
			kind = errkind.NotFound
		}
		return nil, errkind.Wrap(kind, fmt.Errorf("scan %s: %w", root, err))
	}
	defer r.Close()

	w, err := walk(ctx, r, s)
	if err != nil {
		return nil, fmt.Errorf("scan %s: %w", root, err)
	}
	c := newCollector(s)
	c.skipped = w.skipped
	c.problems = w.problems
	if err := c.analyzeTree(ctx, r.FS(), w.files); err != nil {
		return nil, fmt.Errorf("scan %s: %w", root, err)
	}
	run := c.run(root, started)
	return run, nil
}

// collector runs analyzers and gathers their results; it is shared by directory and history scans.
type collector struct {
	s *settings

	mu       sync.Mutex
	findings []finding.Finding
	skipped  []report.Skip
	problems []report.Problem
	stats    report.Stats
	reads    readCounter
	progress *serialProgress
}

func newCollector(s *settings) *collector {
	return &collector{s: s, progress: &serialProgress{p: s.progress}}
}

// job is one file and the analyzers that want it.
type job struct {
	cand      candidate
	analyzers []FileAnalyzer
}

// plan decides which analyzers get which file. A file only a file-level default rule matched goes
// to analyzers whose FileFilter wants it; if none does, it is recorded as skipped by that rule.
func (c *collector) plan(files []candidate) []job {
	var jobs []job
	for _, f := range files {
		var as []FileAnalyzer
		for _, a := range c.s.files {
			if c.wants(a, f.path, f.withheld == nil) {
				as = append(as, a)
			}
		}
		switch {
		case len(as) > 0:
			jobs = append(jobs, job{cand: f, analyzers: as})
		case f.withheld != nil:
			c.addSkip(f.path, report.SkipDefault)
		}
	}
	return jobs
}

// wants asks a's FileFilter, if any; without one, a takes every file not withheld. A filter that
// panics gets no file, and the panic is reported.
func (c *collector) wants(a FileAnalyzer, p string, byDefault bool) (ok bool) {
	ff, isFilter := a.(FileFilter)
	if !isFilter {
		return byDefault
	}
	defer func() {
		if r := recover(); r != nil {
			ok = false
			c.addProblem(report.Problem{Path: p, Scanner: a.Name(), Message: fmt.Sprintf("file filter panicked: %v", r)})
		}
	}()
	return ff.Wants(p)
}

// analyzeTree runs file analyzers over files and tree analyzers over the whole tree.
func (c *collector) analyzeTree(ctx context.Context, fsys fs.FS, files []candidate) error {
	jobs := c.plan(files)
	c.progress.Start(len(jobs))
	defer c.progress.Done()

	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.s.workers)
	if len(c.s.trees) > 0 {
		t := &Tree{FS: countingFS{fsys: fsys, rc: &c.reads}, Files: make([]string, len(files))}
		for i, f := range files {
			t.Files[i] = f.path
		}
		for _, ta := range c.s.trees {
			g.Go(func() error { return c.runTree(gctx, ta, t) })
		}
	}
	for _, j := range jobs {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			defer c.progress.Add(1)
			return c.runFile(gctx, fsys, j)
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return ctx.Err()
}

// runFile reads one file and hands it to its analyzers. Only cancellation stops the scan.
func (c *collector) runFile(ctx context.Context, fsys fs.FS, j job) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p := j.cand.path
	data, err := readLimited(fsys, p, c.s.maxSize)
	switch {
	case errors.Is(err, errTooLarge):
		c.addSkip(p, report.SkipTooLarge)
		return nil
	case err != nil:
		c.addProblem(report.Problem{Path: p, Message: fmt.Sprintf("read: %v", unwrapPathError(err))})
		return nil
	case isBinary(data):
		c.addSkip(p, report.SkipBinary)
		return nil
	}
	c.reads.mark(p, int64(len(data)))
	return c.analyzeFile(ctx, j.analyzers, &File{Path: p, Content: data})
}

// analyzeFile runs analyzers over one file (or history fragment) and keeps what they return.
func (c *collector) analyzeFile(ctx context.Context, analyzers []FileAnalyzer, f *File) error {
	for _, a := range analyzers {
		found, err := callFile(ctx, a, f)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			c.addError(a.Name(), f.Path, err)
		}
		c.addFindings(a.Name(), f, found)
	}
	return nil
}

func (c *collector) runTree(ctx context.Context, ta TreeAnalyzer, t *Tree) error {
	found, err := callTree(ctx, ta, t)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		c.addError(ta.Name(), "", err)
	}
	c.addFindings(ta.Name(), nil, found)
	return nil
}

// addError records an analyzer's error as problems: each problem of an *Incomplete on its own,
// anything else as one problem against path.
func (c *collector) addError(scanner, path string, err error) {
	var inc *Incomplete
	if !errors.As(err, &inc) {
		c.addProblem(report.Problem{Path: path, Scanner: scanner, Message: err.Error()})
		return
	}
	for _, p := range inc.Problems {
		if p.Scanner == "" {
			p.Scanner = scanner
		}
		if p.Path == "" {
			p.Path = path
		}
		c.addProblem(p)
	}
}

// callFile calls one analyzer, turning a panic into an error so one bad file or rule cannot take
// the whole scan down.
func callFile(ctx context.Context, a FileAnalyzer, f *File) (out []finding.Finding, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("analyzer panicked: %v", r)
		}
	}()
	return a.AnalyzeFile(ctx, f)
}

func callTree(ctx context.Context, a TreeAnalyzer, t *Tree) (out []finding.Finding, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("analyzer panicked: %v", r)
		}
	}()
	return a.AnalyzeTree(ctx, t)
}

// addFindings fills in what the engine knows and an analyzer may have left out: the scanner
// name, the file path, and the commit of a history fragment.
func (c *collector) addFindings(scanner string, f *File, found []finding.Finding) {
	if len(found) == 0 {
		return
	}
	for i := range found {
		loc := &found[i].Location
		if found[i].Scanner == "" {
			found[i].Scanner = scanner
		}
		if f != nil {
			if loc.Path == "" {
				loc.Path = f.Path
			}
			if loc.Commit == nil && f.Commit != nil {
				loc.Commit = f.Commit
			}
		}
	}
	c.mu.Lock()
	c.findings = append(c.findings, found...)
	c.mu.Unlock()
}

func (c *collector) addSkip(p, reason string) {
	c.mu.Lock()
	c.skipped = append(c.skipped, report.Skip{Path: p, Reason: reason})
	c.mu.Unlock()
}

func (c *collector) addProblem(p report.Problem) {
	c.mu.Lock()
	c.problems = append(c.problems, p)
	c.mu.Unlock()
}

// run assembles the report: everything sorted, so two scans of the same input are identical
// whatever order the workers finished in.
func (c *collector) run(target string, started time.Time) *report.Run {
	run := &report.Run{
		Target:   target,
		Scanners: slices.Clone(c.s.names),
		Started:  started,
		Finished: time.Now().UTC(),
		Findings: c.findings,
		Stats:    c.stats,
		Skipped:  c.skipped,
		Problems: c.problems,
	}
	// Directory scans count every distinct file an analyzer read; history counts its fragments.
	run.Stats.FilesScanned += c.reads.files
	run.Stats.BytesScanned += c.reads.bytes
	for _, a := range c.s.analyzers {
		if rl, ok := a.(RuleLister); ok {
			run.Rules = append(run.Rules, rl.Rules()...)
		}
	}
	if run.Findings == nil {
		run.Findings = []finding.Finding{}
	}
	// A total order first, so finding.Sort's stable sort leaves ties identical on every run.
	slices.SortFunc(run.Findings, compareFull)
	run.Findings = slices.CompactFunc(run.Findings, sameFinding)
	finding.Sort(run.Findings)
	// A path a tree analyzer read was not left out (the deps analyzer reads the lockfiles the
	// default rules withhold from file analyzers), so it is not reported as skipped.
	run.Skipped = slices.DeleteFunc(run.Skipped, func(sk report.Skip) bool { return c.reads.wasRead(sk.Path) })
	sortSkips(run.Skipped)
	sortProblems(run.Problems)
	for _, s := range run.Skipped {
		if run.Stats.SkippedBy == nil {
			run.Stats.SkippedBy = map[string]int{}
		}
		run.Stats.SkippedBy[s.Reason]++
	}
	return run
}

// sameFinding reports whether two findings say the same thing at the same place: one rule of one
// scanner, with the same title, at exactly the same location (and commit). Such pairs arise when
// two inputs lead to one line — a Kustomize base scanned raw and the overlay built from it, a
// secret seen both in a file and in its decoded form — and one finding is the honest count. The
// title is part of the key because it names the package in dependency findings, whose location
// (a compiled binary) may have no line to tell two packages apart.
func sameFinding(a, b finding.Finding) bool {
	return a.Scanner == b.Scanner && a.RuleID == b.RuleID && a.Title == b.Title &&
		a.Location.Path == b.Location.Path &&
		a.Location.StartLine == b.Location.StartLine && a.Location.StartColumn == b.Location.StartColumn &&
		a.Location.EndLine == b.Location.EndLine && a.Location.EndColumn == b.Location.EndColumn &&
		commitHash(a.Location.Commit) == commitHash(b.Location.Commit)
}

func compareFull(a, b finding.Finding) int {
	return cmp.Or(
		strings.Compare(a.Location.Path, b.Location.Path),
		cmp.Compare(a.Location.StartLine, b.Location.StartLine),
		cmp.Compare(a.Location.StartColumn, b.Location.StartColumn),
		cmp.Compare(a.Location.EndLine, b.Location.EndLine),
		cmp.Compare(a.Location.EndColumn, b.Location.EndColumn),
		strings.Compare(commitHash(a.Location.Commit), commitHash(b.Location.Commit)),
		strings.Compare(a.Scanner, b.Scanner),
		strings.Compare(a.RuleID, b.RuleID),
		strings.Compare(a.Title, b.Title),
		strings.Compare(a.Fingerprint, b.Fingerprint),
		strings.Compare(a.Location.Snippet, b.Location.Snippet),
	)
}

func commitHash(c *finding.Commit) string {
	if c == nil {
		return ""
	}
	return c.Hash
}

// isBinary reports whether content looks like a binary file: a NUL byte in the first 8 KiB (git's
// own test), or the signature of a known binary format. Invalid UTF-8 alone is still text.
func isBinary(data []byte) bool {
	head := data[:min(len(data), sniffLen)]
	if bytes.IndexByte(head, 0) >= 0 {
		return true
	}
	ct := http.DetectContentType(head)
	for _, prefix := range []string{"image/", "audio/", "video/", "font/", "application/pdf",
		"application/zip", "application/x-gzip", "application/x-rar-compressed", "application/wasm",
		"application/ogg", "application/vnd.ms-fontobject"} {
		if strings.HasPrefix(ct, prefix) {
			return !strings.HasPrefix(ct, "image/svg") // SVG is XML text
		}
	}
	return false
}

// serialProgress forwards to a Progress one call at a time; a nil Progress is silence.
type serialProgress struct {
	mu sync.Mutex
	p  Progress
}

func (s *serialProgress) Start(total int) {
	if s.p == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.p.Start(total)
}

func (s *serialProgress) Add(n int) {
	if s.p == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.p.Add(n)
}

func (s *serialProgress) Done() {
	if s.p == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.p.Done()
}
