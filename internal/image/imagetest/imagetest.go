// Package imagetest builds container images from real content for tests, writes them as the
// sources Palisade reads (OCI layout, `docker save` archive), and starts a real registry
// (Debian's docker-registry) on loopback with TLS from a test CA and basic or token auth. It is
// imported by tests only.
package imagetest

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// File is one tar entry of a layer. Type defaults to a regular file (or a directory when Name
// ends in "/"); Link is a symlink's or hardlink's target.
type File struct {
	Name string
	Body string
	Type byte
	Link string
	Mode int64
}

// Tar writes files as an uncompressed tar, in the order given.
func Tar(t testing.TB, files ...File) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		h := &tar.Header{Name: f.Name, Typeflag: f.Type, Linkname: f.Link, Mode: f.Mode, ModTime: time.Unix(1700000000, 0)}
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
			if len(f.Name) > 0 && f.Name[len(f.Name)-1] == '/' {
				h.Typeflag = tar.TypeDir
			}
		}
		if h.Mode == 0 {
			h.Mode = 0o644
			if h.Typeflag == tar.TypeDir {
				h.Mode = 0o755
			}
		}
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(f.Body))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatalf("tar %s: %v", f.Name, err)
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := io.WriteString(tw, f.Body); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Layer makes a gzip-compressed layer of files.
func Layer(t testing.TB, files ...File) v1.Layer {
	t.Helper()
	return LayerFromTar(t, Tar(t, files...))
}

// LayerFromTar makes a gzip-compressed layer of an uncompressed tar.
func LayerFromTar(t testing.TB, tarBytes []byte) v1.Layer {
	t.Helper()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(tarBytes)), nil })
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// Step is one build step of an image: a layer with the history entry that made it, or, with a
// nil Layer, a step that made no layer (CMD, ENV, …).
type Step struct {
	Layer     v1.Layer
	CreatedBy string
}

// Image builds a linux image of the platform ("amd64", "arm64") from steps, with their history.
func Image(t testing.TB, arch string, steps ...Step) v1.Image {
	t.Helper()
	var img v1.Image = empty.Image
	var history []v1.History
	for _, s := range steps {
		history = append(history, v1.History{CreatedBy: s.CreatedBy, EmptyLayer: s.Layer == nil})
		if s.Layer != nil {
			var err error
			if img, err = mutate.AppendLayers(img, s.Layer); err != nil {
				t.Fatal(err)
			}
		}
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = "linux", arch
	cfg.History = history
	cfg.Config.Cmd = []string{"/app"}
	if img, err = mutate.ConfigFile(img, cfg); err != nil {
		t.Fatal(err)
	}
	return img
}

// Index makes a multi-platform index of images, each with the platform of its config.
func Index(t testing.TB, imgs ...v1.Image) v1.ImageIndex {
	t.Helper()
	var idx v1.ImageIndex = empty.Index
	for _, img := range imgs {
		cfg, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{
			Platform: &v1.Platform{OS: cfg.OS, Architecture: cfg.Architecture},
		}})
	}
	return idx
}

// WriteLayout writes img as an OCI image layout in a new directory and returns it.
func WriteLayout(t testing.TB, img v1.Image) string {
	t.Helper()
	dir := t.TempDir()
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(img); err != nil {
		t.Fatal(err)
	}
	return dir
}

// WriteLayoutIndex writes an index as an OCI image layout in a new directory and returns it.
func WriteLayoutIndex(t testing.TB, idx v1.ImageIndex) string {
	t.Helper()
	dir := t.TempDir()
	if _, err := layout.Write(dir, idx); err != nil {
		t.Fatal(err)
	}
	return dir
}

// WriteDockerArchive writes img as a `docker save` style archive (manifest.json, compressed
// layers named by digest) and returns its path.
func WriteDockerArchive(t testing.TB, img v1.Image) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "image.tar")
	tag, err := name.NewTag("example.test/app:1")
	if err != nil {
		t.Fatal(err)
	}
	if err := tarball.WriteToFile(p, tag, img); err != nil {
		t.Fatal(err)
	}
	return p
}

// TarDir packs a directory (an OCI layout) into a tar archive and returns its path.
func TarDir(t testing.TB, dir string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "oci.tar")
	out, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	tw := tar.NewWriter(out)
	if err := tw.AddFS(os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// GoBinary compiles a tiny Go program and returns the binary, with its build info, as a
// scanner of Go binaries would find it in an image.
func GoBinary(t testing.TB) []byte {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go is not on PATH: cannot build the Go binary for the image")
	}
	dir := t.TempDir()
	write := func(n, s string) {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.test/app\n\ngo 1.22\n")
	write("main.go", "package main\n\nfunc main() { println(\"hello\") }\n")
	cmd := exec.Command(gobin, "build", "-trimpath", "-o", "app", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "app"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
