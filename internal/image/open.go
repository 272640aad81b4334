package image

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Open opens what target names: an existing file is an image archive (`docker save` or OCI), an
// existing directory an OCI image layout, and anything else a registry reference. An unpacked
// root filesystem is never guessed: it is opened by OpenRootFS (`--rootfs DIR`).
func Open(ctx context.Context, target string, opts Options) (*Image, error) {
	fi, err := os.Stat(target)
	switch {
	case err == nil && fi.IsDir():
		if _, err := os.Stat(filepath.Join(target, "index.json")); err != nil {
			return nil, fmt.Errorf("open image %s: a directory that is not an OCI image layout (no index.json); for an unpacked root filesystem use --rootfs", target)
		}
		return OpenLayout(target, opts)
	case err == nil:
		return OpenArchive(target, opts)
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("open image: %w", err)
	}
	img, pullErr := Pull(ctx, target, opts)
	if pullErr != nil {
		return nil, fmt.Errorf("%s is no file or directory, and as a registry reference: %w", target, pullErr)
	}
	return img, nil
}
