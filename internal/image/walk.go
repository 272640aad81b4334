package image

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strconv"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/palisade-sec/palisade/internal/finding"
)

// WalkOptions say what a walk keeps and what it shows as it goes.
type WalkOptions struct {
	// Keep says which regular files (and hardlinks to them) to keep for the final FS. name is the
	// file's clean path from the image root ("var/lib/dpkg/status"), with any symlinked parent
	// directory resolved. Nil keeps nothing.
	Keep func(name string, hdr *tar.Header) bool
	// Visit is called for every regular file of every layer, in layer order, as it passes, also
	// for files a later layer deletes or overwrites. It may read the Entry (bounded by the
	// limits) and need not read it all. An error from Visit stops the walk. Hardlinks are not
	// visited: their content was visited as the file they link to.
	Visit func(ctx context.Context, e *Entry) error
	// TempDir is where the walk's private directory is made; empty means os.TempDir().
	TempDir string
	// Limits bound the walk; zero fields take the defaults.
	Limits Limits
}

// Entry is one regular file of one layer, streamed to Visit.
type Entry struct {
	Layer  *Layer
	Path   string // clean, slash-separated, from the image root
	Header *tar.Header
	r      io.Reader
}

// Read reads the file's content.
func (e *Entry) Read(p []byte) (int, error) { return e.r.Read(p) }

// Removal is a regular file that a layer wrote and a later layer deleted (a whiteout, or a
// directory put in its place) or overwrote: gone from the final filesystem, still in the image.
type Removal struct {
	Path        string
	Added       int  // the layer that wrote it
	Removed     int  // the layer that deleted or overwrote it
	Overwritten bool // false when deleted
}

// Tree is the result of a walk, valid only inside the function given to Walk.
type Tree struct {
	img   *Image
	t     *tree
	store *os.Root
	// Removed lists the files deleted or overwritten by a later layer, in the order it happened.
	Removed []Removal
	// Problems are what the walk could not do for a file it was asked to keep (a hardlink to a
	// file that was not kept, or to none), named so nothing is dropped silently.
	Problems []finding.Problem
}

// Layer returns the layer that last wrote the file at name, resolving symlinks.
func (t *Tree) Layer(name string) (*Layer, bool) {
	n, err := t.t.resolve(name, true, false, 0, nil)
	if err != nil || n.kind == dirNode {
		return nil, false
	}
	return &t.img.Layers[n.layer], true
}

// Walk streams every layer once, bottom first, applies whiteouts in order, calls Visit for each
// regular file, keeps the files Keep asks for in a private temporary directory, and calls use
// with the squashed result. The directory is removed before Walk returns, on error too. When
// Walk returns an error, nothing the walk produced may be used: a layer's digest is only known
// to be right once all of it was read.
func (img *Image) Walk(ctx context.Context, opts WalkOptions, use func(*Tree) error) (err error) {
	dir, err := os.MkdirTemp(opts.TempDir, "palisade-image-")
	if err != nil {
		return fmt.Errorf("walk image: %w", err)
	}
	defer func() {
		if rmErr := os.RemoveAll(dir); rmErr != nil && err == nil {
			err = fmt.Errorf("walk image: remove temporary directory: %w", rmErr)
		}
	}()
	store, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("walk image: %w", err)
	}
	defer store.Close()
	lim := opts.Limits.withDefaults()
	w := &walker{img: img, opts: opts, lim: lim, t: newTree(lim.Symlinks), store: store, opaque: map[*node]int{}}
	if img.rootfs != "" {
		err = w.rootFS(ctx)
	} else {
		for i := range img.Layers {
			if err = ctx.Err(); err != nil {
				break
			}
			if err = w.layer(ctx, i); err != nil {
				break
			}
		}
	}
	if err != nil {
		return err
	}
	markShown(w.t.root)
	if use == nil {
		return nil
	}
	return use(&Tree{img: img, t: w.t, store: store, Removed: w.removed, Problems: w.problems})
}

type walker struct {
	img      *Image
	opts     WalkOptions
	lim      Limits
	t        *tree
	store    *os.Root
	blobs    int   // blobs stored so far, naming the next
	kept     int64 // bytes stored
	entries  int
	total    int64 // uncompressed bytes of all layers so far
	removed  []Removal
	problems []finding.Problem
	// work counts the paths whiteouts walked: a whiteout of what the same layer wrote walks it
	// without removing it, so repeating one could otherwise cost time quadratic in the entries.
	work   int64
	opaque map[*node]int // directory → 1 + the layer that last made it opaque
}

// layer streams one layer: blob → digest check → bounded decompression → diffID check → tar.
func (w *walker) layer(ctx context.Context, i int) error {
	l := &w.img.Layers[i]
	fail := func(err error) error { return &LayerError{Layer: l, Err: err} }
	rc, err := w.img.blobs[i].open(ctx)
	if err != nil {
		if errors.Is(err, ErrMissingBlob) {
			return fail(fmt.Errorf("blob %s: %w", l.Digest, ErrMissingBlob))
		}
		return fail(err)
	}
	defer rc.Close()
	comp := &countReader{r: rc}
	var blobCheck *verifier
	var src io.Reader = comp
	if w.img.blobs[i].digestKnown {
		blobCheck = newVerifier(comp, l.Digest)
		src = blobCheck
	}
	br := bufio.NewReaderSize(src, 64<<10)
	dec, closeDec, err := decompress(br)
	if err != nil {
		return fail(err)
	}
	defer closeDec()
	bounded := &boundedReader{r: dec, comp: comp, lim: w.lim, total: &w.total}
	// Decompression runs a chunk or a few ahead on its own goroutine (readahead.go); Close, here
	// and before the blob's tail is read below, waits until it no longer reads the blob.
	ahead := newReadAhead(bounded, 256<<10, 4)
	defer ahead.Close()
	diff := newVerifier(ahead, l.DiffID)
	tr := tar.NewReader(diff)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fail(fmt.Errorf("read tar: %w", err))
		}
		if err := w.entry(ctx, l, hdr, tr); err != nil {
			var le *LayerError
			if errors.As(err, &le) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return err
			}
			return &LayerError{Layer: l, Entry: hdr.Name, Err: err}
		}
	}
	// The tar's end is not the stream's: what follows (padding) is part of the diffID, and what
	// follows the compressed stream is part of the blob's digest.
	if _, err := io.Copy(io.Discard, diff); err != nil {
		return fail(fmt.Errorf("read past the tar's end: %w", err))
	}
	if err := diff.check("uncompressed layer"); err != nil {
		return fail(err)
	}
	ahead.Close()
	if blobCheck != nil {
		if _, err := io.CopyN(io.Discard, br, w.lim.LayerBytes); err != nil && !errors.Is(err, io.EOF) {
			return fail(fmt.Errorf("read blob: %w", err))
		}
		if err := blobCheck.check("blob"); err != nil {
			return fail(err)
		}
	}
	return nil
}

// decompress picks the layer's compression from its first bytes, not its media type, which
// `docker save` archives do not record: gzip, zstd, or a plain tar.
func decompress(br *bufio.Reader) (io.Reader, func(), error) {
	magic, err := br.Peek(4)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, nil, fmt.Errorf("read blob: %w", err)
	}
	switch {
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, fmt.Errorf("gzip: %w", err)
		}
		return zr, func() { zr.Close() }, nil
	case bytes.Equal(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(1<<30), zstd.WithDecoderMaxWindow(1<<27))
		if err != nil {
			return nil, nil, fmt.Errorf("zstd: %w", err)
		}
		return zr, zr.Close, nil
	}
	return br, func() {}, nil
}

// boundedReader stops a layer's decompression at the limits: uncompressed bytes of the layer
// and of the image, and the ratio to the compressed bytes read.
type boundedReader struct {
	r     io.Reader
	comp  *countReader
	n     int64
	total *int64
	lim   Limits
}

func (b *boundedReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.n += int64(n)
	*b.total += int64(n)
	switch {
	case b.n > b.lim.LayerBytes:
		return n, fmt.Errorf("more than %d bytes uncompressed: %w", b.lim.LayerBytes, ErrTooLarge)
	case *b.total > b.lim.ImageBytes:
		return n, fmt.Errorf("the image is more than %d bytes uncompressed: %w", b.lim.ImageBytes, ErrTooLarge)
	case b.n > b.lim.RatioFloor && b.n > b.lim.Ratio*max(b.comp.n, 1):
		return n, fmt.Errorf("%d compressed bytes decompress to more than %d, over the ratio of %d (a compression bomb?): %w",
			b.comp.n, b.n, b.lim.Ratio, ErrTooLarge)
	}
	return n, err
}

// entry applies one tar entry of layer l to the tree.
func (w *walker) entry(ctx context.Context, l *Layer, hdr *tar.Header, r io.Reader) error {
	if w.entries++; w.entries > w.lim.Entries {
		return fmt.Errorf("more than %d entries in the image: %w", w.lim.Entries, ErrTooLarge)
	}
	name, err := cleanName(hdr.Name)
	if err != nil || name == "" {
		return err
	}
	if isSparse(hdr) {
		return fmt.Errorf("sparse file: %w", ErrUnsafeEntry)
	}
	parentPath, base := path.Split(name)
	if target, opaque, ok := whiteout(base); ok {
		dir, err := w.t.resolve(parentPath, true, false, l.Index, nil)
		if err != nil || dir.kind != dirNode {
			return nil // nothing there to hide
		}
		if opaque {
			if w.opaque[dir] == l.Index+1 {
				return nil // already opaque in this layer
			}
			w.opaque[dir] = l.Index + 1
			for _, k := range dir.sortedKids() {
				w.dropLower(k, l.Index)
			}
		} else if k := dir.kids[target]; k != nil {
			w.dropLower(k, l.Index)
		}
		if w.work > 4*int64(w.lim.Entries) {
			return fmt.Errorf("whiteouts walked more than %d paths: %w", 4*int64(w.lim.Entries), ErrTooLarge)
		}
		return nil
	}
	dir, err := w.t.resolve(parentPath, true, true, l.Index, func(n *node) { w.drop(n, l.Index, false) })
	if err != nil {
		return fmt.Errorf("parent directory: %w", err)
	}
	n := &node{layer: l.Index, mode: hdr.FileInfo().Mode(), size: hdr.Size, mtime: hdr.ModTime}
	switch hdr.Typeflag {
	case tar.TypeDir:
		if old := dir.kids[base]; old != nil && old.kind == dirNode {
			old.layer, old.mode, old.mtime = l.Index, n.mode, n.mtime
			return nil
		}
		n.kind = dirNode
	case tar.TypeReg:
		n.kind = fileNode
	case tar.TypeSymlink:
		if len(hdr.Linkname) > maxNameBytes {
			return fmt.Errorf("symlink target over %d bytes: %w", maxNameBytes, ErrUnsafeEntry)
		}
		n.kind, n.target, n.size = symlinkNode, hdr.Linkname, int64(len(hdr.Linkname))
	case tar.TypeLink:
		return w.hardlink(l, dir, base, hdr)
	case tar.TypeXGlobalHeader:
		return nil
	default:
		n.kind = otherNode
	}
	w.replace(dir, base, l.Index)
	w.t.add(dir, base, n)
	if n.kind != fileNode {
		return nil
	}
	p := n.path()
	if w.opts.Keep != nil && w.opts.Keep(p, hdr) {
		if err := w.keep(n, r); err != nil {
			return err
		}
	}
	if w.opts.Visit == nil {
		return nil
	}
	e := &Entry{Layer: l, Path: p, Header: hdr, r: r}
	if n.blob != nil {
		f, err := w.store.Open(n.blob.name)
		if err != nil {
			return err
		}
		defer f.Close()
		e.r = f
	}
	if err := w.opts.Visit(ctx, e); err != nil {
		return fmt.Errorf("visit: %w", err)
	}
	return nil
}

// keep writes a kept file's content to the store under a generated name.
func (w *walker) keep(n *node, r io.Reader) error {
	name := strconv.Itoa(w.blobs)
	w.blobs++
	f, err := w.store.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("keep: %w", err)
	}
	written, err := io.Copy(f, io.LimitReader(r, w.lim.KeptBytes-w.kept+1))
	w.kept += written
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("keep: %w", err)
	}
	if w.kept > w.lim.KeptBytes {
		return fmt.Errorf("kept files are over %d bytes: %w", w.lim.KeptBytes, ErrTooLarge)
	}
	n.blob = &blob{name: name, refs: 1}
	n.size = written
	return nil
}

// hardlink adds a hardlink to a file the image already has. Its target must be a clean path
// inside the image; a target that was not kept leaves a link that is not kept either, and a
// problem when the link itself was asked for.
func (w *walker) hardlink(l *Layer, dir *node, base string, hdr *tar.Header) error {
	target, err := cleanName(hdr.Linkname)
	if err != nil || target == "" {
		if err == nil {
			err = fmt.Errorf("hardlink to the root: %w", ErrUnsafeEntry)
		}
		return fmt.Errorf("hardlink target %q: %w", hdr.Linkname, err)
	}
	tn, err := w.t.resolve(target, false, false, l.Index, nil)
	if err == nil && tn.kind == dirNode {
		return fmt.Errorf("hardlink to the directory %q: %w", hdr.Linkname, ErrUnsafeEntry)
	}
	if err == nil && tn.parent == dir && tn.name == base {
		return nil // a link to itself changes nothing
	}
	// A layer's tar links only to files of the same tar: a link to a lower layer's file would
	// mean something different depending on where the layer's whiteouts stand in the tar.
	if err == nil && tn.layer != l.Index {
		err = fs.ErrNotExist
	}
	if err != nil {
		w.replace(dir, base, l.Index)
		w.t.add(dir, base, &node{kind: otherNode, layer: l.Index})
		p := path.Join(dir.path(), base)
		if w.opts.Keep != nil && w.opts.Keep(p, hdr) {
			w.problems = append(w.problems, finding.Problem{Path: p, Kind: finding.ProblemRead,
				Message: fmt.Sprintf("%s: hardlink to %s, which this layer does not have as a file", l, hdr.Linkname)})
		}
		return nil
	}
	n := &node{kind: tn.kind, layer: l.Index, target: tn.target, mode: tn.mode, size: tn.size, mtime: tn.mtime, blob: tn.blob}
	if n.blob != nil {
		n.blob.refs++ // before replace: the target may be inside what the link replaces
	}
	w.replace(dir, base, l.Index)
	w.t.add(dir, base, n)
	if n.blob == nil && n.kind == fileNode && w.opts.Keep != nil {
		if p := n.path(); w.opts.Keep(p, hdr) {
			w.problems = append(w.problems, finding.Problem{Path: p, Kind: finding.ProblemRead,
				Message: fmt.Sprintf("%s: hardlink to %s, which was not kept: its content is not checked", l, hdr.Linkname)})
		}
	}
	return nil
}

// replace removes what is at dir/base before layer writes a new non-directory there (or a
// directory where a non-directory was).
func (w *walker) replace(dir *node, base string, layer int) {
	if old := dir.kids[base]; old != nil {
		w.drop(old, layer, old.kind == fileNode)
	}
}

// drop removes n and everything below it, recording the regular files removed.
func (w *walker) drop(n *node, layer int, overwritten bool) {
	for _, k := range n.sortedKids() {
		w.drop(k, layer, false)
	}
	w.forget(n, layer, overwritten)
	n.detach()
}

// dropLower removes what layers below layer put at n and below (a whiteout in layer), keeping
// what layer itself wrote. It reports whether n remains.
func (w *walker) dropLower(n *node, layer int) bool {
	w.work++
	if n.kind == dirNode {
		for _, k := range n.sortedKids() {
			w.dropLower(k, layer)
		}
		if len(n.kids) > 0 || n.layer >= layer {
			return true
		}
	} else if n.layer >= layer {
		return true
	}
	w.forget(n, layer, false)
	n.detach()
	return false
}

func (w *walker) forget(n *node, layer int, overwritten bool) {
	if n.kind == fileNode && n.layer < layer {
		w.removed = append(w.removed, Removal{Path: n.path(), Added: n.layer, Removed: layer, Overwritten: overwritten})
	}
	if n.blob != nil {
		if n.blob.refs--; n.blob.refs == 0 {
			w.store.Remove(n.blob.name) // best effort: the directory goes when the walk ends
		}
		n.blob = nil
	}
}

// fileMode keeps fs.FileMode's type bits consistent with the node kind.
func (n *node) fileMode() fs.FileMode {
	perm := n.mode.Perm()
	switch n.kind {
	case dirNode:
		return fs.ModeDir | perm
	case symlinkNode:
		return fs.ModeSymlink | perm
	case otherNode:
		return fs.ModeIrregular | perm
	}
	return perm
}

// isSparse tells a sparse file, whose holes the tar reader would expand to zeros past every
// decompression bound: old GNU sparse entries and the PAX sparse formats.
func isSparse(hdr *tar.Header) bool {
	if hdr.Typeflag == tar.TypeGNUSparse {
		return true
	}
	for k := range hdr.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return true
		}
	}
	return false
}
