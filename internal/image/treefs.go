package image

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"
)

// FS returns the squashed final filesystem of the kept files: every kept regular file that no
// later layer removed, every symlink, and the directories above them. Open and Stat follow
// symlinks within the image root only; Lstat and ReadLink show them. It is valid only inside the
// function given to Walk.
func (t *Tree) FS() fs.FS { return &treeFS{t: t} }

type treeFS struct{ t *Tree }

var (
	_ fs.StatFS     = (*treeFS)(nil)
	_ fs.ReadLinkFS = (*treeFS)(nil)
)

func (f *treeFS) lookup(op, name string, follow bool) (*node, error) {
	if !validPath(name) {
		return nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	n, err := f.t.t.resolve(name, follow, false, 0, nil)
	if err == nil && !n.shown {
		err = fs.ErrNotExist
	}
	if err != nil {
		if errors.Is(err, errNotDir) {
			err = fs.ErrNotExist
		}
		return nil, &fs.PathError{Op: op, Path: name, Err: err}
	}
	return n, nil
}

func (f *treeFS) Open(name string) (fs.File, error) {
	n, err := f.lookup("open", name, true)
	if err != nil {
		return nil, err
	}
	info := nodeInfo{n: n, name: baseName(name)}
	if n.kind == dirNode {
		return &treeDir{info: info}, nil
	}
	file, err := f.t.store.Open(n.blob.name)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return &treeFile{f: file, info: info}, nil
}

func (f *treeFS) Stat(name string) (fs.FileInfo, error) {
	n, err := f.lookup("stat", name, true)
	if err != nil {
		return nil, err
	}
	return nodeInfo{n: n, name: baseName(name)}, nil
}

func (f *treeFS) Lstat(name string) (fs.FileInfo, error) {
	n, err := f.lookup("lstat", name, false)
	if err != nil {
		return nil, err
	}
	return nodeInfo{n: n, name: baseName(name)}, nil
}

func (f *treeFS) ReadLink(name string) (string, error) {
	n, err := f.lookup("readlink", name, false)
	if err != nil {
		return "", err
	}
	if n.kind != symlinkNode {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: fs.ErrInvalid}
	}
	return n.target, nil
}

func baseName(name string) string {
	for i := len(name) - 1; i >= 0; i-- {
		if name[i] == '/' {
			return name[i+1:]
		}
	}
	return name
}

type nodeInfo struct {
	n    *node
	name string
}

func (i nodeInfo) Name() string       { return i.name }
func (i nodeInfo) Size() int64        { return i.n.size }
func (i nodeInfo) Mode() fs.FileMode  { return i.n.fileMode() }
func (i nodeInfo) ModTime() time.Time { return i.n.mtime }
func (i nodeInfo) IsDir() bool        { return i.n.kind == dirNode }
func (i nodeInfo) Sys() any           { return nil }

type dirEntry struct{ info nodeInfo }

func (d dirEntry) Name() string               { return d.info.name }
func (d dirEntry) IsDir() bool                { return d.info.IsDir() }
func (d dirEntry) Type() fs.FileMode          { return d.info.Mode().Type() }
func (d dirEntry) Info() (fs.FileInfo, error) { return d.info, nil }

type treeFile struct {
	f    *os.File
	info nodeInfo
}

func (f *treeFile) Read(p []byte) (int, error)                { return f.f.Read(p) }
func (f *treeFile) ReadAt(p []byte, off int64) (int, error)   { return f.f.ReadAt(p, off) }
func (f *treeFile) Seek(off int64, whence int) (int64, error) { return f.f.Seek(off, whence) }
func (f *treeFile) Close() error                              { return f.f.Close() }
func (f *treeFile) Stat() (fs.FileInfo, error)                { return f.info, nil }

type treeDir struct {
	info    nodeInfo
	entries []fs.DirEntry
	read    bool
}

func (d *treeDir) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *treeDir) Close() error               { return nil }
func (d *treeDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.info.name, Err: errors.New("is a directory")}
}

func (d *treeDir) ReadDir(count int) ([]fs.DirEntry, error) {
	if !d.read {
		d.read = true
		for _, k := range d.info.n.sortedKids() {
			if k.shown {
				d.entries = append(d.entries, dirEntry{nodeInfo{n: k, name: k.name}})
			}
		}
	}
	if count <= 0 {
		e := d.entries
		d.entries = nil
		return e, nil
	}
	if len(d.entries) == 0 {
		return nil, io.EOF
	}
	count = min(count, len(d.entries))
	e := d.entries[:count]
	d.entries = d.entries[count:]
	return e, nil
}

// validPath is fs.ValidPath without its UTF-8 rule: an image may hold a file whose name is not
// UTF-8 (tar names are bytes), and a kept file must not become unreadable, and so unchecked,
// because of its name.
func validPath(name string) bool {
	if name == "." {
		return true
	}
	for _, elem := range strings.Split(name, "/") {
		if elem == "" || elem == "." || elem == ".." {
			return false
		}
	}
	return true
}
