package image_test

import (
	"archive/tar"
	"context"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/palisade-sec/palisade/internal/image"
	"github.com/palisade-sec/palisade/internal/image/imagetest"
)

type F = imagetest.File

// realImage builds an image from this machine's real content: its dpkg status and os-release,
// a Go binary compiled by the test, with whiteouts, an opaque directory, a merged-/usr symlink
// written through, an overwrite and a hardlink across four layers.
func realImage(t *testing.T) (v1.Image, map[string]string) {
	t.Helper()
	status, err := os.ReadFile("/var/lib/dpkg/status")
	if err != nil {
		status = []byte("Package: base-files\nStatus: install ok installed\nVersion: 12.4\n\n")
	}
	osRelease, err := os.ReadFile("/usr/lib/os-release")
	if err != nil {
		osRelease = []byte("ID=debian\nVERSION_ID=\"12\"\n")
	}
	bin := string(imagetest.GoBinary(t))
	base := imagetest.Layer(t,
		F{Name: "etc/"}, F{Name: "usr/"}, F{Name: "usr/lib/"},
		F{Name: "usr/lib/os-release", Body: string(osRelease)},
		F{Name: "etc/os-release", Type: tar.TypeSymlink, Link: "../usr/lib/os-release"},
		F{Name: "lib", Type: tar.TypeSymlink, Link: "usr/lib"},
		F{Name: "var/lib/dpkg/status", Body: string(status)},
		F{Name: "etc/motd", Body: "base motd\n"},
		F{Name: "opt/cache/", Mode: 0o755}, F{Name: "opt/cache/old-1", Body: "old\n"},
		F{Name: "opt/cache/sub/old-2", Body: "old\n"},
	)
	own1 := imagetest.Layer(t,
		F{Name: "usr/local/bin/app", Body: bin, Mode: 0o755},
		F{Name: "tmp/deploy.key", Body: "-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-real-key\n"},
		F{Name: "usr/local/bin/app-link", Type: tar.TypeLink, Link: "usr/local/bin/app"},
	)
	own2 := imagetest.Layer(t,
		F{Name: "tmp/.wh.deploy.key"},
		F{Name: "opt/cache/.wh..wh..opq"},
		F{Name: "opt/cache/new", Body: "new\n"},
		F{Name: "lib/libfoo.so.1", Body: "ELF through the symlink\n"},
		F{Name: "etc/motd", Body: "own motd\n"},
	)
	own3 := imagetest.Layer(t,
		F{Name: "etc/app.conf", Body: "port=8080\n"},
	)
	img := imagetest.Image(t, "amd64",
		imagetest.Step{Layer: base, CreatedBy: "/bin/sh -c #(nop) ADD file:0123 in / "},
		imagetest.Step{CreatedBy: `/bin/sh -c #(nop)  CMD ["bash"]`},
		imagetest.Step{Layer: own1, CreatedBy: "COPY app /usr/local/bin/app # buildkit"},
		imagetest.Step{CreatedBy: "ENV A=b"},
		imagetest.Step{Layer: own2, CreatedBy: "RUN rm /tmp/deploy.key && rm -rf /opt/cache && … # buildkit"},
		imagetest.Step{Layer: own3, CreatedBy: "COPY app.conf /etc/ # buildkit"},
		imagetest.Step{CreatedBy: `CMD ["/app"]`},
	)
	final := map[string]string{
		"usr/lib/os-release":     string(osRelease),
		"var/lib/dpkg/status":    string(status),
		"etc/motd":               "own motd\n",
		"opt/cache/new":          "new\n",
		"usr/lib/libfoo.so.1":    "ELF through the symlink\n",
		"usr/local/bin/app":      bin,
		"usr/local/bin/app-link": bin,
		"etc/app.conf":           "port=8080\n",
	}
	return img, final
}

// walked is what a walk of realImage showed, in a form to compare.
type walked struct {
	Files    map[string]fileSeen // the final FS: path → content hash and layer
	Links    map[string]string   // symlinks in the final FS
	Removed  []image.Removal
	Visited  []string // "layer:path" of every regular file Visit saw
	Problems int
}

type fileSeen struct {
	Size  int
	Head  string // the first bytes, to compare without holding a binary in a diff
	Layer int
}

func walkImage(t *testing.T, img *image.Image) walked {
	t.Helper()
	var got walked
	err := img.Walk(context.Background(), image.WalkOptions{
		Keep: func(string, *tar.Header) bool { return true },
		Visit: func(_ context.Context, e *image.Entry) error {
			got.Visited = append(got.Visited, itoa(e.Layer.Index)+":"+e.Path)
			_, err := io.Copy(io.Discard, e)
			return err
		},
	}, func(tr *image.Tree) error {
		fsys := tr.FS()
		got.Files, got.Links = map[string]fileSeen{}, map[string]string{}
		got.Removed, got.Problems = tr.Removed, len(tr.Problems)
		return fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			if d.Type()&fs.ModeSymlink != 0 {
				target, err := fs.ReadLink(fsys, p)
				got.Links[p] = target
				return err
			}
			b, err := fs.ReadFile(fsys, p)
			if err != nil {
				return err
			}
			l, ok := tr.Layer(p)
			if !ok {
				t.Errorf("Layer(%s): no layer", p)
				return nil
			}
			got.Files[p] = fileSeen{Size: len(b), Head: head(b), Layer: l.Index}
			return nil
		})
	})
	if err != nil {
		t.Fatalf("Walk: %v", err)
	}
	return got
}

func head(b []byte) string { return string(b[:min(len(b), 8)]) }

func itoa(i int) string { return string(rune('0' + i)) }

func wantWalk(final map[string]string) walked {
	layer := map[string]int{
		"usr/lib/os-release": 0, "var/lib/dpkg/status": 0, "etc/motd": 2, "opt/cache/new": 2,
		"usr/lib/libfoo.so.1": 2, "usr/local/bin/app": 1, "usr/local/bin/app-link": 1, "etc/app.conf": 3,
	}
	w := walked{Files: map[string]fileSeen{}, Links: map[string]string{"etc/os-release": "../usr/lib/os-release", "lib": "usr/lib"}}
	for p, body := range final {
		w.Files[p] = fileSeen{Size: len(body), Head: head([]byte(body)), Layer: layer[p]}
	}
	w.Removed = []image.Removal{
		{Path: "tmp/deploy.key", Added: 1, Removed: 2},
		{Path: "opt/cache/old-1", Added: 0, Removed: 2},
		{Path: "opt/cache/sub/old-2", Added: 0, Removed: 2},
		{Path: "etc/motd", Added: 0, Removed: 2, Overwritten: true},
	}
	w.Visited = []string{
		"0:usr/lib/os-release", "0:var/lib/dpkg/status", "0:etc/motd", "0:opt/cache/old-1", "0:opt/cache/sub/old-2",
		"1:usr/local/bin/app", "1:tmp/deploy.key",
		"2:opt/cache/new", "2:usr/lib/libfoo.so.1", "2:etc/motd", "3:etc/app.conf",
	}
	return w
}

// TestSources opens the same image from every kind of source and walks it: the squashed
// filesystem, the attribution of every file to its layer, the files deleted on the way (still
// seen by Visit), and the layers' history must be the same whichever way the image came.
func TestSources(t *testing.T) {
	img, final := realImage(t)
	wantDigest, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	layoutDir := imagetest.WriteLayout(t, img)
	sources := []struct {
		name       string
		open       func(t *testing.T) (*image.Image, error)
		wantDigest string // "" when the source has no manifest digest
	}{
		{"oci layout directory", func(*testing.T) (*image.Image, error) {
			return image.OpenLayout(layoutDir, image.Options{})
		}, wantDigest.String()},
		{"oci layout tar", func(t *testing.T) (*image.Image, error) {
			return image.OpenArchive(imagetest.TarDir(t, layoutDir), image.Options{})
		}, wantDigest.String()},
		{"docker save archive", func(t *testing.T) (*image.Image, error) {
			return image.OpenArchive(imagetest.WriteDockerArchive(t, img), image.Options{})
		}, ""},
		{"skopeo docker-archive (uncompressed layers)", func(t *testing.T) (*image.Image, error) {
			out := filepath.Join(t.TempDir(), "skopeo.tar")
			skopeo(t, "oci:"+layoutDir, "docker-archive:"+out+":example.test/app:1")
			return image.OpenArchive(out, image.Options{})
		}, ""},
		{"skopeo oci-archive", func(t *testing.T) (*image.Image, error) {
			out := filepath.Join(t.TempDir(), "skopeo-oci.tar")
			skopeo(t, "oci:"+layoutDir, "oci-archive:"+out)
			return image.OpenArchive(out, image.Options{})
		}, "skopeo"},
		{"Open dispatches a directory", func(*testing.T) (*image.Image, error) {
			return image.Open(context.Background(), layoutDir, image.Options{})
		}, wantDigest.String()},
	}
	for _, s := range sources {
		t.Run(s.name, func(t *testing.T) {
			im, err := s.open(t)
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			defer im.Close()
			if s.wantDigest != "skopeo" && im.Digest != s.wantDigest {
				t.Errorf("Digest = %q, want %q", im.Digest, s.wantDigest)
			}
			checkLayers(t, im)
			if diff := cmp.Diff(wantWalk(final), walkImage(t, im)); diff != "" {
				t.Errorf("walk (-want +got):\n%s", diff)
			}
		})
	}
}

func checkLayers(t *testing.T, im *image.Image) {
	t.Helper()
	type row struct {
		Index     int
		CreatedBy string
		Base      bool
	}
	var got []row
	for _, l := range im.Layers {
		got = append(got, row{l.Index, l.CreatedBy, l.Base})
		if !strings.HasPrefix(l.DiffID, "sha256:") || !strings.HasPrefix(l.Digest, "sha256:") {
			t.Errorf("layer %d: digest %q diffID %q", l.Index, l.Digest, l.DiffID)
		}
	}
	want := []row{
		{0, "/bin/sh -c #(nop) ADD file:0123 in / ", true},
		{1, "COPY app /usr/local/bin/app # buildkit", false},
		{2, "RUN rm /tmp/deploy.key && rm -rf /opt/cache && … # buildkit", false},
		{3, "COPY app.conf /etc/ # buildkit", false},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("layers (-want +got):\n%s", diff)
	}
	if im.Base.Layers != 1 || im.Base.By != "history" {
		t.Errorf("Base = %+v, want 1 layer by history", im.Base)
	}
	if im.Platform != "linux/amd64" {
		t.Errorf("Platform = %q", im.Platform)
	}
}

func skopeo(t *testing.T, from, to string) {
	t.Helper()
	bin, err := exec.LookPath("skopeo")
	if err != nil {
		t.Skip("skopeo is not on PATH (apt-get install skopeo): skipping the skopeo variant")
	}
	cmd := exec.Command(bin, "--insecure-policy", "copy", "--quiet", from, to)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("skopeo copy %s %s: %v\n%s", from, to, err, out)
	}
}
