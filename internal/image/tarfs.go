package image

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"syscall"
	"time"
)

// maxArchiveEntries bounds the index of an image archive: a `docker save` or OCI archive holds a
// few files per layer, never millions.
const maxArchiveEntries = 1 << 16

// tarFS serves the regular files of a tar archive on disk without unpacking it: an index of each
// file's offset and size, read through io.SectionReader. Symlinks between archive members (how
// `docker save` stores a layer shared by two images) are followed within the archive only.
type tarFS struct {
	f     *os.File
	files map[string]tarMember
}

type tarMember struct {
	offset, size int64
	link         string // symlink target, cleaned and relative to the archive root
}

func openTarFS(name string) (*tarFS, error) {
	// Non-blocking, so a FIFO named as the archive cannot hang the open; it is refused below.
	f, err := os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("read archive %s: not a regular file (the archive is read in place, so it must be one)", name)
	}
	t := &tarFS{f: f, files: map[string]tarMember{}}
	if err := t.index(); err != nil {
		f.Close()
		return nil, fmt.Errorf("read archive %s: %w", name, err)
	}
	return t, nil
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// posReader tracks the position in the archive, and lets the tar reader seek over members'
// content rather than read it: indexing a multi-gigabyte archive reads only its headers.
type posReader struct {
	f   *os.File
	pos int64
}

func (p *posReader) Read(b []byte) (int, error) {
	n, err := p.f.Read(b)
	p.pos += int64(n)
	return n, err
}

func (p *posReader) Seek(off int64, whence int) (int64, error) {
	n, err := p.f.Seek(off, whence)
	if err == nil {
		p.pos = n
	}
	return n, err
}

func (t *tarFS) index() error {
	cr := &posReader{f: t.f}
	tr := tar.NewReader(cr)
	for n := 0; ; n++ {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			if n == 0 {
				return errors.New("not a tar archive, or an empty one")
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("entry %d: %w", n+1, err)
		}
		if n >= maxArchiveEntries {
			return fmt.Errorf("more than %d entries: %w", maxArchiveEntries, ErrTooLarge)
		}
		name, ok := archiveName(hdr.Name)
		if !ok {
			continue // not a name any manifest can refer to
		}
		switch hdr.Typeflag {
		case tar.TypeReg:
			if isSparse(hdr) {
				continue
			}
			t.files[name] = tarMember{offset: cr.pos, size: hdr.Size}
		case tar.TypeSymlink:
			target := hdr.Linkname
			if !path.IsAbs(target) {
				target = path.Join(path.Dir(name), target)
			}
			if target, ok = archiveName(target); ok {
				t.files[name] = tarMember{link: target}
			}
		}
	}
}

// archiveName cleans a member name to the form manifests use; false for names outside the archive.
func archiveName(n string) (string, bool) {
	n = path.Clean(strings.TrimPrefix(n, "/"))
	if n == "." || n == ".." || strings.HasPrefix(n, "../") {
		return "", false
	}
	return n, true
}

// Open opens a regular member, following symlinks within the archive (at most 8).
func (t *tarFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	n := name
	for range 8 {
		m, ok := t.files[n]
		if !ok {
			return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
		}
		if m.link != "" {
			n = m.link
			continue
		}
		return &tarFile{name: path.Base(name), size: m.size, r: io.NewSectionReader(t.f, m.offset, m.size)}, nil
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: errors.New("too many symlinks")}
}

func (t *tarFS) Close() error { return t.f.Close() }

type tarFile struct {
	name string
	size int64
	r    *io.SectionReader
}

func (f *tarFile) Read(p []byte) (int, error) { return f.r.Read(p) }
func (f *tarFile) Close() error               { return nil }
func (f *tarFile) Stat() (fs.FileInfo, error) { return tarFileInfo{f}, nil }

type tarFileInfo struct{ f *tarFile }

func (i tarFileInfo) Name() string       { return i.f.name }
func (i tarFileInfo) Size() int64        { return i.f.size }
func (i tarFileInfo) Mode() fs.FileMode  { return 0o444 }
func (i tarFileInfo) ModTime() time.Time { return time.Time{} }
func (i tarFileInfo) IsDir() bool        { return false }
func (i tarFileInfo) Sys() any           { return nil }
