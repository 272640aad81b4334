// Package boundedread is the one way Palisade reads a whole file it did not write: configuration
// files, lockfiles, licences, ignore files and every file a scan looks at. Whatever the file
// claims to be, no more than a limit of bytes is ever held — one byte past it is read to tell a
// file of exactly the limit from a larger one — so a huge file, a device or a pipe that never
// ends is refused with an error naming the file and the limit instead of exhausting memory.
//
// File reads through an fs.FS (the scan's os.Root) and refuses anything but a regular file,
// asking before it opens, so a named pipe planted in a scanned tree cannot block the scan. Path
// reads a path the user named, which may be a pipe (`--config <(…)`), bounded all the same.
package boundedread

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
)

// ErrTooLarge is found by errors.Is in every error of a read refused for its size.
var ErrTooLarge = errors.New("larger than the limit")

// LimitError is a read refused for its size: the content is larger than Limit bytes.
type LimitError struct {
	Limit int64
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("larger than the %d-byte limit", e.Limit)
}

// Is makes errors.Is(err, ErrTooLarge) hold.
func (e *LimitError) Is(target error) bool { return target == ErrTooLarge }

// File reads the regular file name from fsys, at most limit bytes. Directories, symbolic links
// the fs.FS reports as such, devices, sockets and named pipes are refused without being opened.
// Errors are *fs.PathError naming the file; a file over the limit wraps a *LimitError.
func File(fsys fs.FS, name string, limit int64) ([]byte, error) {
	// Stat before Open: opening a named pipe blocks until a writer comes, which may be never.
	info, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, notRegular(name, info.Mode())
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// Asked again of the open file: the name may have been replaced between the two calls.
	if info, err = f.Stat(); err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	if !info.Mode().IsRegular() {
		return nil, notRegular(name, info.Mode())
	}
	if info.Size() > limit {
		return nil, &fs.PathError{Op: "read", Path: name, Err: &LimitError{Limit: limit}}
	}
	return read(f, name, info.Size(), limit)
}

// Path reads the file at an operating-system path, at most limit bytes. Unlike File it reads a
// named pipe or a device (a shell's process substitution is one), since the user named it; the
// limit still holds. Errors are *fs.PathError naming the path.
func Path(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var size int64
	if info, err := f.Stat(); err == nil && info.Mode().IsRegular() {
		size = info.Size()
	}
	return read(f, path, size, limit)
}

// read reads at most limit+1 bytes of r into a buffer sized from hint, so a regular file is read
// without reallocating and a file that grew since it was measured is still refused.
func read(r io.Reader, name string, hint, limit int64) ([]byte, error) {
	var buf bytes.Buffer
	if hint > 0 && hint <= limit {
		buf.Grow(int(hint) + bytes.MinRead)
	}
	// One byte past the limit tells a file of exactly the limit from a larger one; a limit of
	// math.MaxInt64 (no limit) must not overflow into a negative count that reads nothing.
	if _, err := buf.ReadFrom(io.LimitReader(r, min(limit, math.MaxInt64-1)+1)); err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	if int64(buf.Len()) > limit {
		return nil, &fs.PathError{Op: "read", Path: name, Err: &LimitError{Limit: limit}}
	}
	return buf.Bytes(), nil
}

func notRegular(name string, mode fs.FileMode) error {
	return &fs.PathError{Op: "read", Path: name, Err: fmt.Errorf("not a regular file (%s)", kind(mode))}
}

// kind names a file mode's type for a person.
func kind(mode fs.FileMode) string {
	switch t := mode.Type(); {
	case t&fs.ModeDir != 0:
		return "a directory"
	case t&fs.ModeSymlink != 0:
		return "a symbolic link"
	case t&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case t&fs.ModeSocket != 0:
		return "a socket"
	case t&fs.ModeDevice != 0:
		return "a device"
	default:
		return "an irregular file"
	}
}
