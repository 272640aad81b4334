package image_test

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/palisade-sec/palisade/internal/image"
)

// A walk keeps what an analyzer reads (here the OS release file) and visits every regular file as
// it passes; the result is the final filesystem with each file's layer.
func ExampleImage_Walk() {
	root, _ := os.MkdirTemp("", "rootfs-")
	defer os.RemoveAll(root)
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	os.WriteFile(filepath.Join(root, "etc", "os-release"), []byte("ID=alpine\nVERSION_ID=3.20.3\n"), 0o644)
	os.WriteFile(filepath.Join(root, "etc", "motd"), []byte("welcome\n"), 0o644)

	img, err := image.OpenRootFS(root)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer img.Close()
	err = img.Walk(context.Background(), image.WalkOptions{
		Keep: func(name string, _ *tar.Header) bool { return name == "etc/os-release" },
		Visit: func(_ context.Context, e *image.Entry) error {
			b, err := io.ReadAll(e)
			fmt.Printf("visited %s (%d bytes) in layer %d\n", e.Path, len(b), e.Layer.Index)
			return err
		},
	}, func(tr *image.Tree) error {
		b, err := fs.ReadFile(tr.FS(), "etc/os-release")
		if err != nil {
			return err
		}
		fmt.Println("kept:", strings.SplitN(string(b), "\n", 2)[0])
		return nil
	})
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// visited etc/motd (8 bytes) in layer 0
	// visited etc/os-release (28 bytes) in layer 0
	// kept: ID=alpine
}
