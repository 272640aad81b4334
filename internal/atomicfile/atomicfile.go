// Package atomicfile replaces a file's content so that a reader — or the next run after a crash
// or power loss — sees either the old content or the new, never a prefix of the new: reports a
// later --baseline trusts, CA keys and certificates, SBOMs and the vulnerability database's
// CURRENT pointer all go through it.
//
// The new content is written to a temporary file in the same directory, flushed to stable
// storage (fsync), renamed over the target, and the directory is flushed so the rename itself
// survives a crash. If anything fails the temporary file is removed and the target keeps its old
// content. A target that exists and is not a regular file (/dev/null, /dev/stdout, a named pipe)
// is written in place instead: renaming over it would replace the device or pipe with a file.
// A directory is refused.
//
// The file gets the mode the caller names (0o600 for private keys), reduced by the umask, whatever
// mode an older file at the path had.
package atomicfile

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
)

// WriteFile writes data to path atomically with mode perm.
func WriteFile(path string, data []byte, perm fs.FileMode) error {
	return Write(path, perm, func(w io.Writer) error {
		_, err := io.Copy(w, bytes.NewReader(data))
		return err
	})
}

// Write replaces path atomically with what write writes, with mode perm. If write returns an
// error, nothing at path changes (unless path is a device or pipe, which is written in place).
func Write(path string, perm fs.FileMode, write func(io.Writer) error) error {
	if err := replace(osDir{}, path, perm, write); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// WriteIn is Write for a name inside root: every step (the temporary file, the rename, the
// directory flush) goes through root, so a symbolic link planted in the way cannot send the file
// outside it.
func WriteIn(root *os.Root, name string, perm fs.FileMode, write func(io.Writer) error) error {
	if err := replace(root, name, perm, write); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// SyncDir flushes a directory's entries (files created, renamed or removed in it) to stable
// storage. Windows cannot open a directory for flushing and orders renames itself; there it does
// nothing.
func SyncDir(dir string) error { return syncDir(osDir{}, dir) }

// dir is what replace needs of a directory tree: *os.Root, or the whole file system through osDir.
type dir interface {
	OpenFile(name string, flag int, perm fs.FileMode) (*os.File, error)
	Open(name string) (*os.File, error)
	Stat(name string) (fs.FileInfo, error)
	Rename(oldname, newname string) error
	Remove(name string) error
}

type osDir struct{}

func (osDir) OpenFile(name string, flag int, perm fs.FileMode) (*os.File, error) {
	return os.OpenFile(name, flag, perm)
}
func (osDir) Open(name string) (*os.File, error)    { return os.Open(name) }
func (osDir) Stat(name string) (fs.FileInfo, error) { return os.Stat(name) }
func (osDir) Rename(oldname, newname string) error  { return os.Rename(oldname, newname) }
func (osDir) Remove(name string) error              { return os.Remove(name) }

func replace(d dir, name string, perm fs.FileMode, write func(io.Writer) error) (err error) {
	// Stat follows links, so /dev/stdout (a link to /proc/self/fd/1) counts as the device it is.
	if fi, statErr := d.Stat(name); statErr == nil && !fi.Mode().IsRegular() {
		if fi.IsDir() {
			return errors.New("is a directory")
		}
		if done, err := writeInPlace(d, name, write); done {
			return err
		}
	}
	tmpName := filepath.Join(filepath.Dir(name), "."+filepath.Base(name)+"."+rand.Text()[:10]+".tmp")
	f, err := d.OpenFile(tmpName, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm.Perm())
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			d.Remove(tmpName)
		}
	}()
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := d.Rename(tmpName, name); err != nil {
		return err
	}
	return syncDir(d, filepath.Dir(name))
}

// writeInPlace writes into the device or pipe at name. It reports done=false, having written
// nothing, if what it opened is a regular file after all (the path was replaced since it was
// looked at), so the caller replaces it atomically instead of overwriting it in place.
func writeInPlace(d dir, name string, write func(io.Writer) error) (done bool, err error) {
	f, err := d.OpenFile(name, os.O_WRONLY, 0)
	if err != nil {
		return true, err
	}
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		f.Close()
		return false, nil
	}
	if err := write(f); err != nil {
		f.Close()
		return true, err
	}
	return true, f.Close()
}

func syncDir(d dir, name string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	f, err := d.Open(name)
	if err != nil {
		return err
	}
	err = f.Sync()
	if errors.Is(err, syscall.EINVAL) {
		err = nil // the file system cannot flush a directory (some network and FUSE mounts)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("flush directory %s: %w", name, err)
	}
	return nil
}
