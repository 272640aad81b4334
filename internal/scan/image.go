package scan

import (
	"archive/tar"
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/image"
	"github.com/palisade-sec/palisade/internal/report"
)

// ImageOptions says how an image is scanned: the engine's Options (analyzers, size limit,
// concurrency, progress, and the user's Exclude patterns, matched against paths in the image;
// .gitignore and the default skip list are a source tree's and do not apply to an image) and
// what the tree analyzers need of the final filesystem.
type ImageOptions struct {
	Options
	// Keep says which files of the image the tree analyzers read (package databases, lockfiles,
	// binaries); only these are in the final filesystem a TreeAnalyzer gets. File analyzers see
	// every regular file of every layer whatever Keep says.
	Keep func(name string, hdr *tar.Header) bool
}

// Image scans a container image with opts.Analyzers, walking its layers once.
//
// File analyzers (secrets) get every regular file of every layer as it streams past, also files
// a later layer deleted or overwrote — they are still in the image, and anyone who pulls it can
// read them. Their findings carry the layer of the copy they were found in, and a finding in a
// copy a later layer removed says so in its title and in the property "image.removed". Tree
// analyzers get the squashed final filesystem of the kept files, marked Installed, and their
// findings carry the layer that last wrote the file they name.
//
// The contracts are Dir's: an analyzer's failure or panic is a problem, a file over the size
// limit is streamed or is a problem, and output is deterministic. A layer that cannot be read or
// verified fails the whole scan with the image package's LayerError naming it: nothing seen in an
// unverified layer is reported.
func Image(ctx context.Context, img *image.Image, opts ImageOptions) (*report.Run, error) {
	s, err := opts.compile()
	if err != nil {
		return nil, fmt.Errorf("scan image %s: %w", img.Name, err)
	}
	started := time.Now().UTC()
	c := newCollector(s)
	c.progress.Start(len(img.Layers))
	defer c.progress.Done()

	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.workers)
	v := &layerVisitor{c: c, g: g, gctx: gctx, layer: -1, excluded: map[string]bool{}}
	walk := image.WalkOptions{Keep: opts.Keep}
	if len(s.files) > 0 {
		walk.Visit = v.visit
	}
	if len(s.trees) == 0 {
		walk.Keep = nil
	}
	err = img.Walk(ctx, walk, func(tr *image.Tree) error {
		if err := g.Wait(); err != nil {
			return err
		}
		c.progress.Add(len(img.Layers) - max(v.layer, 0))
		labelRemoved(c.findings, tr.Removed)
		c.problems = append(c.problems, tr.Problems...)
		return c.imageTrees(ctx, tr)
	})
	if waitErr := g.Wait(); err == nil {
		err = waitErr
	}
	if err != nil {
		return nil, fmt.Errorf("scan image %s: %w", img.Name, err)
	}
	return c.run(img.Name, started), nil
}

// layerVisitor hands each regular file of each layer to the file analyzers: files within the
// size limit are read and analysed on the worker pool, larger ones streamed while the walk waits.
type layerVisitor struct {
	c     *collector
	g     *errgroup.Group
	gctx  context.Context
	layer int // the layer being walked, for progress
	// excluded are the paths an exclude pattern left out, each listed as skipped once however
	// many layers hold it.
	excluded map[string]bool
}

func (v *layerVisitor) visit(ctx context.Context, e *image.Entry) error {
	c := v.c
	if e.Layer.Index != v.layer {
		if v.layer >= 0 {
			c.progress.Add(e.Layer.Index - v.layer)
		}
		v.layer = e.Layer.Index
	}
	if c.s.exclude.Ignored(e.Path, false) {
		if !v.excluded[e.Path] {
			v.excluded[e.Path] = true
			c.addSkip(e.Path, finding.SkipExcluded)
		}
		return nil
	}
	var as []FileAnalyzer
	for _, a := range c.s.files {
		if c.wants(a, e.Path, true) {
			as = append(as, a)
		}
	}
	if len(as) == 0 {
		return nil
	}
	layer := e.Layer.Finding()
	if e.Header.Size > c.s.maxSize {
		return c.streamEntry(ctx, as, e, layer)
	}
	data, err := io.ReadAll(io.LimitReader(e, c.s.maxSize+1))
	if err != nil {
		return err // the layer's stream failed: the walk names the layer
	}
	if err := v.gctx.Err(); err != nil {
		return err
	}
	v.g.Go(func() error {
		f := &File{Path: e.Path, Content: data, Layer: layer}
		c.reads.mark(e.Path, int64(len(data)))
		if !isBinary(data) {
			return c.analyzeFile(v.gctx, as, f)
		}
		looked, err := c.analyzeBinary(v.gctx, as, f)
		if err == nil {
			c.noteBinary(e.Path, data, looked)
		}
		return err
	})
	return nil
}

// streamEntry hands a file over the size limit to the analyzers that stream, as runLarge does
// for a directory: the others report it as too large. The entry can be read only once, so one
// stream analyzer reads it and any other one is told it was not analysed.
func (c *collector) streamEntry(ctx context.Context, as []FileAnalyzer, e *image.Entry, layer *finding.Layer) error {
	br := bufio.NewReaderSize(e, sniffLen)
	head, err := br.Peek(sniffLen)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return err
	}
	binary := isBinary(head)
	looked, streamed := false, false
	for _, a := range as {
		if _, ok := a.(BinaryAnalyzer); binary && !ok {
			continue
		}
		looked = true
		sa, ok := a.(StreamAnalyzer)
		if !ok || streamed {
			c.addProblem(finding.Problem{Path: e.Path, Scanner: a.Name(), Kind: finding.ProblemTooLarge, Message: fmt.Sprintf(
				"%s: not analysed: %d bytes is over the size limit (--max-file-size %d), and this analyzer reads only whole files",
				layerName(layer), e.Header.Size, c.s.maxSize)})
			continue
		}
		streamed = true
		cr := &countingReader{r: br}
		found, err := callStream(ctx, sa, &Stream{Path: e.Path, Size: e.Header.Size, R: cr, Binary: binary})
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			c.addError(a.Name(), e.Path, err)
		}
		c.reads.mark(e.Path, cr.n)
		c.addFindings(a.Name(), &File{Path: e.Path, Layer: layer}, found)
	}
	if binary {
		c.noteBinary(e.Path, head, looked)
	}
	return nil
}

// imageTrees runs the tree analyzers over the final filesystem and names on each of their
// findings the layer that last wrote its file.
func (c *collector) imageTrees(ctx context.Context, tr *image.Tree) error {
	if len(c.s.trees) == 0 {
		return nil
	}
	fsys := tr.FS()
	var files []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		if c.s.exclude.Ignored(p, false) {
			if !slices.ContainsFunc(c.skipped, func(sk finding.Skip) bool { return sk.Path == p && sk.Reason == finding.SkipExcluded }) {
				c.addSkip(p, finding.SkipExcluded)
			}
			return nil
		}
		files = append(files, p)
		return nil
	})
	if err != nil {
		return fmt.Errorf("list the image's final filesystem: %w", err)
	}
	from := len(c.findings)
	t := &Tree{FS: countingFS{fsys: fsys, rc: &c.reads}, Files: files, Installed: true, MaxFileSize: c.s.maxSize, reads: &c.reads}
	g, gctx := errgroup.WithContext(ctx)
	for _, ta := range c.s.trees {
		g.Go(func() error { return c.runTree(gctx, ta, t) })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	for i := from; i < len(c.findings); i++ {
		loc := &c.findings[i].Location
		if loc.Layer != nil || loc.Path == "" {
			continue
		}
		if l, ok := tr.Layer(loc.Path); ok {
			loc.Layer = l.Finding()
		}
	}
	return ctx.Err()
}

// labelRemoved says on each finding in a file a later layer deleted or overwrote that the file
// is gone from the final filesystem and still in the image.
func labelRemoved(findings []finding.Finding, removed []image.Removal) {
	type key struct {
		path  string
		layer int
	}
	by := map[key]image.Removal{}
	for _, r := range removed {
		if _, ok := by[key{r.Path, r.Added}]; !ok {
			by[key{r.Path, r.Added}] = r
		}
	}
	for i := range findings {
		f := &findings[i]
		if f.Location.Layer == nil {
			continue
		}
		r, ok := by[key{f.Location.Path, f.Location.Layer.Index}]
		if !ok {
			continue
		}
		verb := "deleted"
		if r.Overwritten {
			verb = "overwritten"
		}
		note := fmt.Sprintf("added in %s, %s in layer %d: still in the image", layerName(f.Location.Layer), verb, r.Removed)
		f.Title += " (" + verb + fmt.Sprintf(" in layer %d, still in the image)", r.Removed)
		if f.Properties == nil {
			f.Properties = map[string]string{}
		}
		f.Properties["image.removed"] = note
	}
}

// layerName names a layer in messages: "layer 3 (sha256:0123456789ab, RUN make)".
func layerName(l *finding.Layer) string {
	parts := []string{}
	if l.Digest != "" {
		parts = append(parts, shortDigest(l.Digest))
	}
	if l.CreatedBy != "" {
		cb := l.CreatedBy
		if len(cb) > 60 {
			cb = cb[:57] + "..."
		}
		parts = append(parts, cb)
	}
	if len(parts) == 0 {
		return fmt.Sprintf("layer %d", l.Index)
	}
	return fmt.Sprintf("layer %d (%s)", l.Index, strings.Join(parts, ", "))
}

func shortDigest(d string) string {
	if len(d) > len("sha256:")+12 {
		return d[:len("sha256:")+12]
	}
	return d
}
