package scan

import (
	"errors"
	"io"
	"io/fs"
	"sync"
)

// readCounter records which regular files analyzers read, so a run's Stats say how much was
// really looked at — also when only tree analyzers ran, which open just the files they need.
type readCounter struct {
	mu    sync.Mutex
	seen  map[string]bool
	files int
	bytes int64
}

// mark counts path once, with its size.
func (rc *readCounter) mark(path string, size int64) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.seen == nil {
		rc.seen = map[string]bool{}
	}
	if rc.seen[path] {
		return
	}
	rc.seen[path] = true
	rc.files++
	rc.bytes += size
}

// wasRead reports whether an analyzer read path.
func (rc *readCounter) wasRead(path string) bool {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.seen[path]
}

// countingFS wraps the tree a TreeAnalyzer gets: every regular file it opens or reads is counted.
// Directories and errors pass through untouched.
type countingFS struct {
	fsys fs.FS
	rc   *readCounter
}

var (
	_ fs.ReadFileFS = countingFS{}
	_ fs.StatFS     = countingFS{}
	_ fs.ReadDirFS  = countingFS{}
)

func (c countingFS) Open(name string) (fs.File, error) {
	f, err := c.fsys.Open(name)
	if err != nil {
		return nil, err
	}
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		return f, nil
	}
	c.rc.mark(name, info.Size())
	return countedFile{f}, nil
}

func (c countingFS) ReadFile(name string) ([]byte, error) {
	b, err := fs.ReadFile(c.fsys, name)
	if err == nil {
		c.rc.mark(name, int64(len(b)))
	}
	return b, err
}

func (c countingFS) Stat(name string) (fs.FileInfo, error) { return fs.Stat(c.fsys, name) }

func (c countingFS) ReadDir(name string) ([]fs.DirEntry, error) { return fs.ReadDir(c.fsys, name) }

// countedFile keeps the random access of the file it wraps (a compiled binary's build info is read
// with ReadAt), which a bare fs.File would hide.
type countedFile struct{ fs.File }

var errNoRandomAccess = errors.New("file does not support random access")

func (f countedFile) ReadAt(p []byte, off int64) (int, error) {
	if ra, ok := f.File.(io.ReaderAt); ok {
		return ra.ReadAt(p, off)
	}
	return 0, errNoRandomAccess
}

func (f countedFile) Seek(offset int64, whence int) (int64, error) {
	if s, ok := f.File.(io.Seeker); ok {
		return s.Seek(offset, whence)
	}
	return 0, errNoRandomAccess
}
