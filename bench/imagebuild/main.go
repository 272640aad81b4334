// Command imagebuild writes a `docker save` archive from directories and files of this machine,
// one layer per -layer flag, for bench/image.sh: real package databases and programs, in an image
// no registry or daemon was needed to build. It is a benchmark helper, not part of palisade.
//
//	go run ./bench/imagebuild -o debian.tar -layer /var/lib/dpkg/status=var/lib/dpkg/status,/usr/lib/os-release=etc/os-release -layer /usr/lib/python3/dist-packages=usr/lib/python3/dist-packages
package main

import (
	"archive/tar"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

type layers []string

func (l *layers) String() string     { return strings.Join(*l, " ") }
func (l *layers) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	var ls layers
	out := flag.String("o", "", "the archive to write")
	flag.Var(&ls, "layer", "SRC=DST[,SRC=DST…]: one layer with these files or directories (repeatable)")
	flag.Parse()
	if *out == "" || len(ls) == 0 {
		fmt.Fprintln(os.Stderr, "usage: imagebuild -o OUT.tar -layer SRC=DST[,…] [-layer …]")
		os.Exit(2)
	}
	if err := run(*out, ls); err != nil {
		fmt.Fprintln(os.Stderr, "imagebuild:", err)
		os.Exit(1)
	}
}

func run(out string, ls layers) error {
	var img v1.Image = empty.Image
	var history []v1.History
	for _, spec := range ls {
		b, err := layerTar(spec)
		if err != nil {
			return err
		}
		l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
		if err != nil {
			return err
		}
		if img, err = mutate.AppendLayers(img, l); err != nil {
			return err
		}
		history = append(history, v1.History{CreatedBy: "COPY " + spec})
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return err
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = "linux", "amd64"
	cfg.History = history
	if img, err = mutate.ConfigFile(img, cfg); err != nil {
		return err
	}
	tag, err := name.NewTag("bench.example/image:1")
	if err != nil {
		return err
	}
	return tarball.WriteToFile(out, tag, img)
}

// layerTar writes the files of one layer spec as a tar: regular files and symlinks as they are,
// directories walked; other file types are left out.
func layerTar(spec string) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, pair := range strings.Split(spec, ",") {
		src, dst, ok := strings.Cut(pair, "=")
		if !ok {
			return nil, fmt.Errorf("layer %q: want SRC=DST", pair)
		}
		err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, err := filepath.Rel(src, p)
			if err != nil {
				return err
			}
			name := path.Join(dst, filepath.ToSlash(rel))
			info, err := d.Info()
			if err != nil {
				return err
			}
			return add(tw, p, name, info)
		})
		if err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func add(tw *tar.Writer, p, name string, info fs.FileInfo) error {
	var link string
	switch {
	case info.Mode()&fs.ModeSymlink != 0:
		var err error
		if link, err = os.Readlink(p); err != nil {
			return err
		}
	case info.IsDir(), info.Mode().IsRegular():
	default:
		return nil
	}
	var f *os.File
	if info.Mode().IsRegular() {
		var err error
		if f, err = os.Open(p); errors.Is(err, fs.ErrPermission) {
			return nil // not readable by this user: left out, as it would be of any image built here
		} else if err != nil {
			return err
		}
		defer f.Close()
	}
	hdr, err := tar.FileInfoHeader(info, link)
	if err != nil {
		return err
	}
	hdr.Name = name
	if info.IsDir() {
		hdr.Name += "/"
	}
	hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname = 0, 0, "", ""
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	if f == nil {
		return nil
	}
	_, err = io.CopyN(tw, f, hdr.Size)
	return err
}
