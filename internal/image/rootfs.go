package image

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"

	"github.com/palisade-sec/palisade/internal/errkind"
	"github.com/palisade-sec/palisade/internal/finding"
)

// OpenRootFS opens an unpacked root filesystem as an image of one pseudo-layer (index 0, no
// digest), for what `--rootfs DIR` names: a container's filesystem exported or mounted. It is
// read through an os.Root, so no symlink in it is followed outside it.
func OpenRootFS(dir string) (*Image, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, errkind.Wrap(errkind.NotFound, fmt.Errorf("open root filesystem: %w", err))
	}
	if !fi.IsDir() {
		return nil, errkind.Wrap(errkind.Invalid, fmt.Errorf("open root filesystem %s: not a directory", dir))
	}
	return &Image{Name: dir, MediaType: "rootfs", rootfs: dir,
		Layers: []Layer{{Index: 0, Size: -1, CreatedBy: "root filesystem " + dir}}}, nil
}

// rootFS walks an unpacked root filesystem as the one layer of its image, feeding the same entry
// logic a tar does. Only regular files are opened (a FIFO would block); symlinks are read, not
// followed.
func (w *walker) rootFS(ctx context.Context) error {
	root, err := os.OpenRoot(w.img.rootfs)
	if err != nil {
		return fmt.Errorf("open root filesystem: %w", err)
	}
	defer root.Close()
	l := &w.img.Layers[0]
	return fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err != nil {
			w.problems = append(w.problems, pathProblem(p, err))
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if p == "." {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			w.problems = append(w.problems, pathProblem(p, err))
			return nil
		}
		link := ""
		if info.Mode()&fs.ModeSymlink != 0 {
			if link, err = root.Readlink(p); err != nil {
				w.problems = append(w.problems, pathProblem(p, err))
				return nil
			}
		}
		hdr, err := tar.FileInfoHeader(info, link)
		if err != nil { // a socket: nothing to analyze
			return nil
		}
		hdr.Name = p
		if hdr.Typeflag != tar.TypeReg {
			return w.entry(ctx, l, hdr, eofReader{})
		}
		// Non-blocking, so a file replaced by a FIFO since it was listed cannot hang the walk;
		// and it must still be a regular file once open.
		f, err := root.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK, 0)
		if err != nil {
			w.problems = append(w.problems, pathProblem(p, err))
			return nil
		}
		defer f.Close()
		if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
			w.problems = append(w.problems, pathProblem(p, errors.New("changed while it was read: no longer a regular file")))
			return nil
		}
		// The size read is bounded by what Stat said, so a file growing as it is read is cut there.
		if err := w.entry(ctx, l, hdr, io.LimitReader(f, hdr.Size)); err != nil {
			return &LayerError{Layer: l, Entry: p, Err: err}
		}
		return nil
	})
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

// pathProblem names a file of a root filesystem that could not be read, so it is not dropped silently.
func pathProblem(p string, err error) finding.Problem {
	return finding.Problem{Path: p, Kind: finding.ProblemRead, Message: fmt.Sprintf("root filesystem: %v", err)}
}
