package cli

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/spf13/pflag"

	"github.com/palisade-sec/palisade/internal/errkind"
	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/image"
	"github.com/palisade-sec/palisade/internal/inventory"
	"github.com/palisade-sec/palisade/internal/report"
)

// imageFlags are the flags that name a container image, shared by every command that reads one.
type imageFlags struct {
	Image    string
	RootFS   string
	Platform string
	Insecure []string
}

func (f *imageFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.Image, "image", "", "read a container image: a registry reference (host/repo:tag, …@sha256:…), a docker save or OCI archive, or an OCI layout directory")
	fs.StringVar(&f.RootFS, "rootfs", "", "read an unpacked container root filesystem (one pseudo-layer)")
	fs.StringVar(&f.Platform, "platform", "", "the image to take from a multi-platform index, as os/arch[/variant] (default linux on this machine's architecture)")
	fs.StringSliceVar(&f.Insecure, "insecure-registry", nil, "a registry host[:port] that may be reached over plain HTTP (repeatable); no other ever is")
}

func (f *imageFlags) set() bool { return f.Image != "" || f.RootFS != "" }

func (f *imageFlags) open(ctx context.Context) (*image.Image, error) {
	if f.Image != "" && f.RootFS != "" {
		return nil, errkind.Wrap(errkind.Invalid, errors.New("--image and --rootfs name two images: give one"))
	}
	if f.RootFS != "" {
		return image.OpenRootFS(f.RootFS)
	}
	return image.Open(ctx, f.Image, image.Options{Platform: f.Platform, InsecureRegistries: f.Insecure})
}

// target is how reports name the image: by digest where it has one.
func imageTarget(img *image.Image) string {
	if img.Reference != "" {
		return img.Reference
	}
	if img.Digest != "" {
		return path.Base(img.Name) + "@" + img.Digest
	}
	return path.Base(img.Name)
}

// inventoryImage walks the image once, keeping the files the inventory reads (see imageKeep),
// inventories the final filesystem as an installed system, and names on every package the layer
// that put its file there.
func inventoryImage(ctx context.Context, img *image.Image, maxExec int64) ([]inventory.Package, []finding.Problem, error) {
	var pkgs []inventory.Package
	var problems []finding.Problem
	keep, notKept := imageKeep(maxExec)
	err := img.Walk(ctx, image.WalkOptions{Keep: keep}, func(tr *image.Tree) error {
		var err error
		pkgs, problems, err = inventory.FromFS(ctx, tr.FS(), inventory.Options{Installed: true})
		if err != nil {
			return err
		}
		for i := range pkgs {
			if l, ok := tr.Layer(pkgs[i].Location.Path); ok {
				pkgs[i].Location.Layer = l.Finding()
			}
		}
		problems = append(problems, tr.Problems...)
		problems = append(problems, *notKept...)
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("image %s: %w", img.Name, err)
	}
	return pkgs, problems, nil
}

// imageKeep says which files of an image the inventory reads: installed-package databases and
// manifests, lockfiles, the files OS extractors read beside them, licence texts, and executables
// that may be Go or Rust binaries. An executable over maxExec bytes is not kept but named in
// the returned problems (filled as the walk goes).
func imageKeep(maxExec int64) (func(string, *tar.Header) bool, *[]finding.Problem) {
	notKept := new([]finding.Problem)
	keep := func(p string, h *tar.Header) bool {
		if inventory.WantsInstalled(p) || inventory.WantsBeside(p) || (h.Size <= 1<<20 && companionFile(path.Base(p))) {
			return true
		}
		if !strings.EqualFold(path.Ext(p), ".exe") && (h.Mode&0o111 == 0 || h.Size < 1024) {
			return false
		}
		// An executable may be a Go binary, so it is copied out to be read; one over the bound
		// (a GPU library, a model) is named instead of filling the disk or failing the image.
		if h.Size > maxExec {
			*notKept = append(*notKept, finding.Problem{Path: p, Kind: finding.ProblemTooLarge,
				Message: fmt.Sprintf("executable of %d bytes, over %d: not read for Go build information", h.Size, maxExec)})
			return false
		}
		return true
	}
	return keep, notKept
}

// imageReport is the image as the report's run metadata names it.
func imageReport(img *image.Image) *report.Image {
	return &report.Image{Name: img.Name, Reference: img.Reference, Digest: img.Digest, ConfigDigest: img.ConfigDigest,
		Platform: img.Platform, Layers: len(img.Layers), BaseName: img.Base.Name, BaseDigest: img.Base.Digest, BaseLayers: img.Base.Layers}
}

// maxImageExecutable bounds the executables an image inventory copies out to look for Go build
// information: Go programs are tens of megabytes, shared libraries of ML images gigabytes.
const maxImageExecutable = 256 << 20

// companionFile names the small files extractors read beside the ones they are for: licence
// texts, and the requirements files a requirements file includes with -r. Without them in the
// final filesystem an include would be a problem and a licence would go unseen.
func companionFile(base string) bool {
	b := strings.ToUpper(base)
	for _, prefix := range []string{"LICENSE", "LICENCE", "COPYING", "NOTICE"} {
		if strings.HasPrefix(b, prefix) {
			return true
		}
	}
	return strings.HasSuffix(b, ".TXT") && strings.Contains(b, "REQUIREMENTS")
}
