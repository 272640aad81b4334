package scan

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/palisade-sec/palisade/internal/boundedread"
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
// as skipped. When the root is in a git work tree, files git tracks are scanned even if
// .gitignore names them, as git itself never ignores a tracked file.
//
// Every path the scan leaves out is in Run.Skipped with its reason, and every file or analyzer
// that failed is in Run.Problems; an analyzer that panics becomes a problem too. Neither size nor
// content leaves a file out quietly: a file over Options.MaxFileSize is streamed to
// StreamAnalyzers and is a problem for the other file analyzers; a binary file goes to
// BinaryAnalyzers and is skipped as binary only when none runs. Output is deterministic whatever
// the concurrency. The error is non-nil only when the scan as a whole could not run (bad options,
// unreadable root, cancelled context).
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

	w, err := walk(ctx, r, root, s)
	if err != nil {
		return nil, fmt.Errorf("scan %s: %w", root, err)
	}
	c := newCollector(s)
	c.skipped = w.skipped
	c.problems = w.problems
	c.dir = root
	if err := c.analyzeTree(ctx, r.FS(), w.files); err != nil {
		return nil, fmt.Errorf("scan %s: %w", root, err)
	}
	run := c.run(root, started)
	return run, nil
}

// collector runs analyzers and gathers their results; it is shared by directory and history scans.
type collector struct {
	s   *settings
	dir string // the scan root on disk, handed to tree analyzers as Tree.Dir

	mu       sync.Mutex
	findings []finding.Finding
	skipped  []finding.Skip
	problems []finding.Problem
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
			c.addSkip(f.path, finding.SkipDefault)
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
			c.addProblem(finding.Problem{Path: p, Scanner: a.Name(), Message: fmt.Sprintf("file filter panicked: %v", r),
				Kind: finding.ProblemOther})
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
		t := &Tree{FS: countingFS{fsys: fsys, rc: &c.reads}, Dir: c.dir, MaxFileSize: c.s.maxSize, reads: &c.reads}
		for _, f := range files {
			if !f.ownOutput {
				t.Files = append(t.Files, f.path)
			}
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
	if j.cand.size > c.s.maxSize {
		return c.runLarge(ctx, fsys, j)
	}
	data, err := boundedread.File(fsys, p, c.s.maxSize)
	switch {
	case errors.Is(err, boundedread.ErrTooLarge): // it grew since the walk
		return c.runLarge(ctx, fsys, j)
	case err != nil:
		c.addProblem(finding.Problem{Path: p, Message: fmt.Sprintf("read: %v", unwrapPathError(err)), Kind: readKind(err)})
		return nil
	}
	f := &File{Path: p, Content: data}
	if !isBinary(data) {
		c.reads.mark(p, int64(len(data)))
		return c.analyzeFile(ctx, j.analyzers, f)
	}
	looked, err := c.analyzeBinary(ctx, j.analyzers, f)
	if err != nil {
		return err
	}
	if looked {
		c.reads.mark(p, int64(len(data)))
	}
	c.noteBinary(p, data, looked)
	return nil
}

// analyzeBinary hands a binary file (or history fragment) to the analyzers that read binary
// content and reports whether any did.
func (c *collector) analyzeBinary(ctx context.Context, analyzers []FileAnalyzer, f *File) (bool, error) {
	looked := false
	for _, a := range analyzers {
		ba, ok := a.(BinaryAnalyzer)
		if !ok {
			continue
		}
		looked = true
		found, err := callBinary(ctx, ba, f)
		if err != nil {
			if ctx.Err() != nil {
				return looked, ctx.Err()
			}
			c.addError(a.Name(), f.Path, err)
		}
		c.addFindings(a.Name(), f, found)
	}
	return looked, nil
}

// noteBinary lists a binary file no analyzer looked into as skipped, and a compressed one whose
// printable bytes were read as skipped too: what it holds compressed was not looked at.
func (c *collector) noteBinary(p string, head []byte, looked bool) {
	switch {
	case !looked:
		c.addSkip(p, finding.SkipBinary)
	case isCompressed(head):
		c.addSkip(p, SkipCompressed)
	}
}

// runLarge handles a file over the size limit without reading it whole: analyzers that stream
// get a reader, analyzers that read whole files report it as a problem, so a file padded past
// the limit is analysed or fails the gate, never just counted.
func (c *collector) runLarge(ctx context.Context, fsys fs.FS, j job) error {
	p := j.cand.path
	head, size, err := sniff(fsys, p)
	if err != nil {
		c.addProblem(finding.Problem{Path: p, Message: fmt.Sprintf("read: %v", unwrapPathError(err)), Kind: readKind(err)})
		return nil
	}
	binary := isBinary(head)
	looked := false
	for _, a := range j.analyzers {
		if _, ok := a.(BinaryAnalyzer); binary && !ok {
			continue
		}
		looked = true
		sa, ok := a.(StreamAnalyzer)
		if !ok {
			c.addProblem(finding.Problem{Path: p, Scanner: a.Name(), Message: fmt.Sprintf(
				"not analysed: %d bytes is over the size limit (--max-file-size %d), and this analyzer reads only whole files", size, c.s.maxSize),
				Kind: finding.ProblemTooLarge})
			continue
		}
		if err := c.stream(ctx, fsys, a.Name(), sa, &Stream{Path: p, Size: size, Binary: binary}); err != nil {
			return err
		}
	}
	if binary {
		c.noteBinary(p, head, looked)
	}
	return nil
}

// stream opens the file of s and runs one stream analyzer over it.
func (c *collector) stream(ctx context.Context, fsys fs.FS, name string, sa StreamAnalyzer, s *Stream) error {
	f, err := fsys.Open(s.Path)
	if err != nil {
		c.addProblem(finding.Problem{Path: s.Path, Scanner: name, Message: fmt.Sprintf("read: %v", unwrapPathError(err)),
			Kind: finding.ProblemRead})
		return nil
	}
	defer f.Close()
	cr := &countingReader{r: f}
	s.R = cr
	found, err := callStream(ctx, sa, s)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		c.addError(name, s.Path, err)
	}
	c.reads.mark(s.Path, cr.n)
	c.addFindings(name, &File{Path: s.Path}, found)
	return nil
}

// countingReader counts the bytes a stream analyzer read, for the run's statistics.
type countingReader struct {
	r io.Reader
	n int64
}

func (cr *countingReader) Read(p []byte) (int, error) {
	n, err := cr.r.Read(p)
	cr.n += int64(n)
	return n, err
}

// sniff reads the first sniffLen bytes of a regular file and returns them with its size.
func sniff(fsys fs.FS, p string) ([]byte, int64, error) {
	f, err := fsys.Open(p)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	if !info.Mode().IsRegular() {
		return nil, 0, fmt.Errorf("%s: not a regular file", p)
	}
	head := make([]byte, sniffLen)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, 0, err
	}
	return head[:n], info.Size(), nil
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
		c.addProblem(finding.Problem{Path: path, Scanner: scanner, Message: err.Error()})
		return
	}
	for _, sk := range inc.Skipped {
		if sk.Path == "" {
			sk.Path = path
		}
		c.addSkip(sk.Path, sk.Reason)
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

func callBinary(ctx context.Context, a BinaryAnalyzer, f *File) (out []finding.Finding, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("analyzer panicked: %v", r)
		}
	}()
	return a.AnalyzeBinary(ctx, f)
}

func callStream(ctx context.Context, a StreamAnalyzer, s *Stream) (out []finding.Finding, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("analyzer panicked: %v", r)
		}
	}()
	return a.AnalyzeStream(ctx, s)
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
			if loc.Layer == nil && f.Layer != nil {
				loc.Layer = f.Layer
			}
		}
	}
	c.mu.Lock()
	c.findings = append(c.findings, found...)
	c.mu.Unlock()
}

func (c *collector) addSkip(p, reason string) {
	c.mu.Lock()
	c.skipped = append(c.skipped, finding.Skip{Path: p, Reason: reason})
	c.mu.Unlock()
}

func (c *collector) addProblem(p finding.Problem) {
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
	// default rules withhold from file analyzers), so it is not reported as skipped by that rule.
	// Other reasons stay: a compressed file was read, yet what it compresses was not.
	run.Skipped = slices.DeleteFunc(run.Skipped, func(sk finding.Skip) bool {
		return sk.Reason == finding.SkipDefault && c.reads.wasRead(sk.Path)
	})
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
		commitHash(a.Location.Commit) == commitHash(b.Location.Commit) &&
		layerIndex(a.Location.Layer) == layerIndex(b.Location.Layer)
}

func compareFull(a, b finding.Finding) int {
	return cmp.Or(
		strings.Compare(a.Location.Path, b.Location.Path),
		cmp.Compare(a.Location.StartLine, b.Location.StartLine),
		cmp.Compare(a.Location.StartColumn, b.Location.StartColumn),
		cmp.Compare(a.Location.EndLine, b.Location.EndLine),
		cmp.Compare(a.Location.EndColumn, b.Location.EndColumn),
		strings.Compare(commitHash(a.Location.Commit), commitHash(b.Location.Commit)),
		cmp.Compare(layerIndex(a.Location.Layer), layerIndex(b.Location.Layer)),
		strings.Compare(a.Scanner, b.Scanner),
		strings.Compare(a.RuleID, b.RuleID),
		strings.Compare(a.Title, b.Title),
		strings.Compare(a.Fingerprint, b.Fingerprint),
		strings.Compare(a.Location.Snippet, b.Location.Snippet),
	)
}

// layerIndex orders findings of an image by layer; -1 is outside an image.
func layerIndex(l *finding.Layer) int {
	if l == nil {
		return -1
	}
	return l.Index
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

// isCompressed reports whether head starts like an archive or a compressed stream, whose content
// a look at printable bytes does not see — or a PDF, whose text streams are almost always
// deflated.
func isCompressed(head []byte) bool {
	for _, sig := range []string{"%PDF-", "PK\x03\x04", "PK\x05\x06", "PK\x07\x08", "\x1f\x8b", "BZh", "\xfd7zXZ\x00",
		"\x28\xb5\x2f\xfd", "7z\xbc\xaf\x27\x1c", "Rar!\x1a\x07", "\x04\x22\x4d\x18"} {
		if bytes.HasPrefix(head, []byte(sig)) {
			return true
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
