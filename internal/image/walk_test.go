package image_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/v1/layout"

	"github.com/palisade-sec/palisade/internal/image"
	"github.com/palisade-sec/palisade/internal/image/imagetest"
)

// rawLayer is a layer as bytes, so tests can build what no well-behaved tool would.
type rawLayer struct {
	blob   []byte // as stored (gzip or plain tar)
	tar    []byte // uncompressed, for the diffID; nil means blob is the tar
	diffID string // overrides the computed diffID
	digest string // overrides the computed blob digest in the manifest
}

func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gzLayer(t testing.TB, tarBytes []byte) rawLayer {
	return rawLayer{blob: gz(t, tarBytes), tar: tarBytes}
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

// writeRawLayout writes an OCI image layout of layers by hand and returns its directory.
func writeRawLayout(t testing.TB, layers ...rawLayer) string {
	t.Helper()
	dir := t.TempDir()
	blobs := filepath.Join(dir, "blobs", "sha256")
	if err := os.MkdirAll(blobs, 0o755); err != nil {
		t.Fatal(err)
	}
	put := func(b []byte) string {
		d := sum(b)
		if err := os.WriteFile(filepath.Join(blobs, strings.TrimPrefix(d, "sha256:")), b, 0o644); err != nil {
			t.Fatal(err)
		}
		return d
	}
	type desc struct {
		MediaType string `json:"mediaType"`
		Digest    string `json:"digest"`
		Size      int    `json:"size"`
	}
	var diffIDs []string
	var history []map[string]any
	var ls []desc
	for i, l := range layers {
		u := l.tar
		if u == nil {
			u = l.blob
		}
		d := put(l.blob)
		if l.digest != "" {
			d = l.digest
		}
		ls = append(ls, desc{"application/vnd.oci.image.layer.v1.tar+gzip", d, len(l.blob)})
		diffIDs = append(diffIDs, cmpOr(l.diffID, sum(u)))
		history = append(history, map[string]any{"created_by": "step " + string(rune('0'+i))})
	}
	cfg, _ := json.Marshal(map[string]any{"os": "linux", "architecture": "amd64",
		"rootfs": map[string]any{"type": "layers", "diff_ids": diffIDs}, "history": history})
	cd := put(cfg)
	m, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
		"config": desc{"application/vnd.oci.image.config.v1+json", cd, len(cfg)}, "layers": ls})
	md := put(m)
	idx, _ := json.Marshal(map[string]any{"schemaVersion": 2, "manifests": []desc{{"application/vnd.oci.image.manifest.v1+json", md, len(m)}}})
	os.WriteFile(filepath.Join(dir, "index.json"), idx, 0o644)
	os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644)
	return dir
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// walkLayers walks an image of the layers, keeping everything, and returns the final FS's files
// with their content, or the error.
func walkLayers(t *testing.T, lim image.Limits, layers ...rawLayer) (map[string]string, error) {
	t.Helper()
	img, err := image.OpenLayout(writeRawLayout(t, layers...), image.Options{})
	if err != nil {
		t.Fatalf("OpenLayout: %v", err)
	}
	defer img.Close()
	tmp := t.TempDir()
	files := map[string]string{}
	used := false
	err = img.Walk(context.Background(), image.WalkOptions{
		Keep: func(string, *tar.Header) bool { return true }, TempDir: tmp, Limits: lim,
	}, func(tr *image.Tree) error {
		used = true
		return fs.WalkDir(tr.FS(), ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			if d.Type()&fs.ModeSymlink != 0 {
				target, _ := fs.ReadLink(tr.FS(), p)
				files[p] = "-> " + target
				return nil
			}
			b, err := fs.ReadFile(tr.FS(), p)
			files[p] = string(b)
			return err
		})
	})
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("the walk left %d entries in its temporary directory", len(left))
	}
	if err != nil && used {
		t.Errorf("Walk failed (%v) after giving its result to use", err)
	}
	return files, err
}

func tarOf(t testing.TB, files ...imagetest.File) []byte { return imagetest.Tar(t, files...) }

// TestWhiteouts applies layers in order: whiteouts delete from lower layers only, opaque
// directories hide everything lower below them, files written through symlinked directories land
// where the symlink points, inside the image.
func TestWhiteouts(t *testing.T) {
	tests := []struct {
		name   string
		layers [][]imagetest.File
		want   map[string]string
	}{{
		name: "whiteout deletes a lower file, not a same-layer one",
		layers: [][]imagetest.File{
			{{Name: "a/x", Body: "1"}, {Name: "a/y", Body: "1"}},
			{{Name: "a/.wh.x"}, {Name: "a/z", Body: "2"}},
		},
		want: map[string]string{"a/y": "1", "a/z": "2"},
	}, {
		name: "whiteout of a directory deletes all below it",
		layers: [][]imagetest.File{
			{{Name: "d/e/f", Body: "1"}, {Name: "d/g", Body: "1"}, {Name: "keep", Body: "1"}},
			{{Name: ".wh.d"}},
		},
		want: map[string]string{"keep": "1"},
	}, {
		name: "opaque directory hides lower content, before or after its own entries",
		layers: [][]imagetest.File{
			{{Name: "o/old", Body: "1"}, {Name: "o/sub/old", Body: "1"}, {Name: "p/old", Body: "1"}},
			{{Name: "o/new", Body: "2"}, {Name: "o/.wh..wh..opq"}, {Name: "o/sub/new", Body: "2"}, {Name: "p/.wh..wh..opq"}, {Name: "p/new", Body: "2"}},
		},
		want: map[string]string{"o/new": "2", "o/sub/new": "2", "p/new": "2"},
	}, {
		name: "a file replaces a directory and a directory a file",
		layers: [][]imagetest.File{
			{{Name: "x/inner", Body: "1"}, {Name: "y", Body: "1"}},
			{{Name: "x", Body: "2"}, {Name: "y/inner", Body: "2"}},
		},
		want: map[string]string{"x": "2", "y/inner": "2"},
	}, {
		name: "symlinks resolve inside the image root, absolute or with ..",
		layers: [][]imagetest.File{
			{{Name: "usr/lib/os-release", Body: "ID=debian\n"}, {Name: "etc/os-release", Type: tar.TypeSymlink, Link: "../usr/lib/os-release"},
				{Name: "lib", Type: tar.TypeSymlink, Link: "/usr/lib"}, {Name: "up", Type: tar.TypeSymlink, Link: "../../../../.."}},
			{{Name: "lib/libz.so", Body: "z"}, {Name: "up/etc/escaped", Body: "inside"}},
		},
		want: map[string]string{"usr/lib/os-release": "ID=debian\n", "etc/os-release": "-> ../usr/lib/os-release",
			"lib": "-> /usr/lib", "up": "-> ../../../../..", "usr/lib/libz.so": "z", "etc/escaped": "inside"},
	}, {
		name: "a whiteout of a missing file, or under a file, changes nothing",
		layers: [][]imagetest.File{
			{{Name: "f", Body: "1"}},
			{{Name: ".wh.missing"}, {Name: "f/.wh.x"}, {Name: "nodir/.wh.y"}},
		},
		want: map[string]string{"f": "1"},
	}, {
		name: "a name that is not UTF-8 stays readable",
		layers: [][]imagetest.File{
			{{Name: "etc/\xff\xfe.conf", Body: "password=x"}},
		},
		want: map[string]string{"etc/\xff\xfe.conf": "password=x"},
	}, {
		name: "hardlinks to kept files of their layer, also one inside what the link replaces",
		layers: [][]imagetest.File{
			{{Name: "bin/busybox", Body: "bb"}, {Name: "bin/sh", Type: tar.TypeLink, Link: "bin/busybox"}, {Name: "d/inner", Body: "in"}},
			{{Name: "bin/.wh.busybox"}, {Name: "bin/ls", Type: tar.TypeLink, Link: "./bin/sh"},
				{Name: "e/inner", Body: "e"}, {Name: "e", Type: tar.TypeLink, Link: "e/inner"}},
		},
		// bin/ls links to a lower layer's file: not what layer tars do, so not followed.
		want: map[string]string{"bin/sh": "bb", "d/inner": "in", "e": "e"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var layers []rawLayer
			for _, l := range tt.layers {
				layers = append(layers, gzLayer(t, tarOf(t, l...)))
			}
			got, err := walkLayers(t, image.Limits{}, layers...)
			if err != nil {
				t.Fatalf("Walk: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("final filesystem (-want +got):\n%s", diff)
			}
		})
	}
}

// TestTreeFS holds the final filesystem to io/fs's contract, symlinks included.
func TestTreeFS(t *testing.T) {
	dir := writeRawLayout(t, gzLayer(t, tarOf(t,
		imagetest.File{Name: "usr/lib/os-release", Body: "ID=debian\n"},
		imagetest.File{Name: "etc/os-release", Type: tar.TypeSymlink, Link: "../usr/lib/os-release"},
		imagetest.File{Name: "var/lib/dpkg/status", Body: "Package: a\n\n"},
		imagetest.File{Name: "var/lib/dpkg/skipped", Body: "not kept"},
	)))
	img, err := image.OpenLayout(dir, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	keep := func(p string, _ *tar.Header) bool { return p != "var/lib/dpkg/skipped" }
	err = img.Walk(context.Background(), image.WalkOptions{Keep: keep}, func(tr *image.Tree) error {
		if err := fstest.TestFS(tr.FS(), "usr/lib/os-release", "etc/os-release", "var/lib/dpkg/status"); err != nil {
			t.Error(err)
		}
		if _, err := fs.Stat(tr.FS(), "var/lib/dpkg/skipped"); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("a file not kept: Stat = %v, want not found", err)
		}
		b, err := fs.ReadFile(tr.FS(), "etc/os-release")
		if string(b) != "ID=debian\n" || err != nil {
			t.Errorf("etc/os-release through its symlink: %q, %v", b, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestBadLayers: corrupt, truncated, missing, mismatched, oversized and unsafe layers fail the
// walk with an error naming the layer (and the entry), before the result is used, and leave
// nothing in the temporary directory.
func TestBadLayers(t *testing.T) {
	good := tarOf(t, imagetest.File{Name: "etc/hostname", Body: "h\n"})
	goodGz := gz(t, good)
	zeros := tarOf(t, imagetest.File{Name: "zeros", Body: string(make([]byte, 8<<20))})
	small := image.Limits{RatioFloor: 1 << 20, Ratio: 50}
	tests := []struct {
		name   string
		layers []rawLayer
		lim    image.Limits
		is     error
		want   []string // in the message
	}{
		{"corrupt gzip", []rawLayer{{blob: append([]byte{0x1f, 0x8b}, bytes.Repeat([]byte("garbage!"), 64)...)}}, image.Limits{}, nil, []string{"layer 0"}},
		{"not a tar", []rawLayer{gzLayer(t, bytes.Repeat([]byte("not a tar "), 100))}, image.Limits{}, nil, []string{"layer 0", "read tar"}},
		{"truncated tar", []rawLayer{gzLayer(t, tarOf(t, imagetest.File{Name: "big", Body: strings.Repeat("x", 4000)})[:2000])}, image.Limits{}, nil, []string{"layer 0", "unexpected EOF"}},
		{"truncated gzip", []rawLayer{{blob: goodGz[:len(goodGz)/2], tar: good}}, image.Limits{}, nil, []string{"layer 0", "unexpected EOF"}},
		{"blob digest mismatch", []rawLayer{gzLayer(t, good), {blob: goodGz, tar: good, digest: sum([]byte("other"))}}, image.Limits{}, image.ErrMissingBlob, []string{"layer 1"}},
		{"diffID mismatch", []rawLayer{gzLayer(t, good), {blob: goodGz, tar: good, diffID: sum([]byte("other"))}}, image.Limits{}, image.ErrDigestMismatch, []string{"layer 1", "uncompressed layer"}},
		{"gzip bomb by ratio", []rawLayer{gzLayer(t, zeros)}, small, image.ErrTooLarge, []string{"layer 0", "ratio"}},
		{"layer over its size limit", []rawLayer{gzLayer(t, zeros)}, image.Limits{LayerBytes: 4 << 20}, image.ErrTooLarge, []string{"layer 0", "uncompressed"}},
		{"image over its size limit", []rawLayer{gzLayer(t, good), gzLayer(t, zeros)}, image.Limits{ImageBytes: 4 << 20}, image.ErrTooLarge, []string{"layer 1", "the image"}},
		{"kept files over their limit", []rawLayer{gzLayer(t, zeros)}, image.Limits{KeptBytes: 1 << 20}, image.ErrTooLarge, []string{"layer 0", `"zeros"`}},
		{"entry with ..", []rawLayer{gzLayer(t, tarOf(t, imagetest.File{Name: "a/../../etc/passwd", Body: "x"}))}, image.Limits{}, image.ErrUnsafeEntry, []string{"layer 0", `"a/../../etc/passwd"`}},
		{"absolute entry", []rawLayer{gzLayer(t, tarOf(t, imagetest.File{Name: "/etc/passwd", Body: "x"}))}, image.Limits{}, image.ErrUnsafeEntry, []string{`"/etc/passwd"`}},
		{"hardlink out of the root", []rawLayer{gzLayer(t, tarOf(t, imagetest.File{Name: "x", Type: tar.TypeLink, Link: "../../../etc/passwd"}))}, image.Limits{}, image.ErrUnsafeEntry, []string{`"x"`, "hardlink"}},
		{"absolute hardlink", []rawLayer{gzLayer(t, tarOf(t, imagetest.File{Name: "x", Type: tar.TypeLink, Link: "/etc/passwd"}))}, image.Limits{}, image.ErrUnsafeEntry, []string{`"x"`}},
		{"hardlink to a directory", []rawLayer{gzLayer(t, tarOf(t, imagetest.File{Name: "d/f", Body: "x"}, imagetest.File{Name: "x", Type: tar.TypeLink, Link: "d"}))}, image.Limits{}, image.ErrUnsafeEntry, []string{`"x"`, "directory"}},
		{"symlink loop", []rawLayer{gzLayer(t, tarOf(t, imagetest.File{Name: "a", Type: tar.TypeSymlink, Link: "b"}, imagetest.File{Name: "b", Type: tar.TypeSymlink, Link: "a"}, imagetest.File{Name: "a/f", Body: "x"}))}, image.Limits{}, nil, []string{`"a/f"`, "symbolic links"}},
		{"name over PATH_MAX", []rawLayer{gzLayer(t, tarOf(t, imagetest.File{Name: strings.Repeat("a/", 2100) + "f", Body: "x"}))}, image.Limits{}, image.ErrUnsafeEntry, []string{"name over 4096 bytes"}},
		{"symlinks that expand without end", []rawLayer{gzLayer(t, tarOf(t,
			imagetest.File{Name: "b", Type: tar.TypeSymlink, Link: strings.Repeat("./", 2000) + "."},
			imagetest.File{Name: "b/b/b/b/b/f", Body: "x"}))}, image.Limits{}, nil, []string{`"b/b/b/b/b/f"`, "path too long"}},
		{"whiteouts repeated over the same layer's files", []rawLayer{gzLayer(t, tarOf(t, imagetest.File{Name: "d/old", Body: "x"})),
			gzLayer(t, tarOf(t, slices.Concat(manyFiles("d/f", 50), slices.Repeat([]imagetest.File{{Name: ".wh.d"}}, 100))...))},
			image.Limits{Entries: 1000}, image.ErrTooLarge, []string{"layer 1", "whiteouts walked"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := walkLayers(t, tt.lim, tt.layers...)
			if err == nil {
				t.Fatal("Walk succeeded")
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

// TestBlobTampered: a blob whose bytes changed after the manifest was written is refused at the
// end of its layer, and the walk's result is never handed out.
func TestBlobTampered(t *testing.T) {
	good := tarOf(t, imagetest.File{Name: "etc/hostname", Body: "h\n"})
	dir := writeRawLayout(t, gzLayer(t, good))
	blob := filepath.Join(dir, "blobs", "sha256", strings.TrimPrefix(sum(gz(t, good)), "sha256:"))
	// Same uncompressed tar (so the diffID holds), different gzip bytes: only the blob digest catches it.
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	zw.Header.Comment = "tampered"
	zw.Write(good)
	zw.Close()
	if err := os.WriteFile(blob, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	img, err := image.OpenLayout(dir, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = img.Walk(context.Background(), image.WalkOptions{}, func(*image.Tree) error {
		t.Error("the result of a walk over a tampered blob was used")
		return nil
	})
	if !errors.Is(err, image.ErrDigestMismatch) || !strings.Contains(err.Error(), "layer 0") {
		t.Errorf("Walk: %v, want a digest mismatch in layer 0", err)
	}
}

// TestMissingBlob: a layer blob absent from the layout is an error naming the layer.
func TestMissingBlob(t *testing.T) {
	l0, l1 := gzLayer(t, tarOf(t, imagetest.File{Name: "a", Body: "a"})), gzLayer(t, tarOf(t, imagetest.File{Name: "b", Body: "b"}))
	dir := writeRawLayout(t, l0, l1)
	os.Remove(filepath.Join(dir, "blobs", "sha256", strings.TrimPrefix(sum(l1.blob), "sha256:")))
	img, err := image.OpenLayout(dir, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = img.Walk(context.Background(), image.WalkOptions{}, func(*image.Tree) error { return nil })
	if !errors.Is(err, image.ErrMissingBlob) || !strings.Contains(err.Error(), "layer 1 ("+sum(l1.blob)[:19]) {
		t.Errorf("Walk: %v, want a missing blob in layer 1", err)
	}
}

// TestBadManifests: a layout whose index, manifest or config is tampered with does not open.
func TestBadManifests(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(t *testing.T, dir string)
		want   string
	}{
		{"index not JSON", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "index.json"), []byte("\x00\x01"), 0o644)
		}, "index.json: not JSON"},
		{"config tampered", func(t *testing.T, dir string) { rewriteBlob(t, dir, `"os":"linux"`, `"os":"linuz"`) }, "digest mismatch"},
		{"manifest tampered", func(t *testing.T, dir string) { rewriteBlob(t, dir, `"schemaVersion":2`, `"schemaVersion":3`) }, "digest mismatch"},
		{"digest with a path in it", func(t *testing.T, dir string) {
			b, _ := os.ReadFile(filepath.Join(dir, "index.json"))
			b = []byte(strings.Replace(string(b), `"digest":"sha256:`, `"digest":"sha256:../../`, 1))
			os.WriteFile(filepath.Join(dir, "index.json"), b, 0o644)
		}, "index.json: found non-hex character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeRawLayout(t, gzLayer(t, tarOf(t, imagetest.File{Name: "a", Body: "a"})))
			tt.mutate(t, dir)
			_, err := image.OpenLayout(dir, image.Options{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("OpenLayout: %v, want %q", err, tt.want)
			}
		})
	}
}

// rewriteBlob replaces old with new in the one blob that contains it, keeping its file name.
func rewriteBlob(t *testing.T, dir, old, new string) {
	t.Helper()
	blobs := filepath.Join(dir, "blobs", "sha256")
	ents, _ := os.ReadDir(blobs)
	for _, e := range ents {
		p := filepath.Join(blobs, e.Name())
		b, _ := os.ReadFile(p)
		if bytes.Contains(b, []byte(old)) {
			os.WriteFile(p, bytes.Replace(b, []byte(old), []byte(new), 1), 0o644)
			return
		}
	}
	t.Fatalf("no blob contains %q", old)
}

// TestSymlinkNotFollowedOutOfTheRoot: a symlink in the image to a host path resolves against the
// image, never the host, and nothing is written outside the walk's directory.
func TestSymlinkNotFollowedOutOfTheRoot(t *testing.T) {
	outside := t.TempDir()
	files, err := walkLayers(t, image.Limits{},
		gzLayer(t, tarOf(t,
			imagetest.File{Name: "host", Type: tar.TypeSymlink, Link: outside},
			imagetest.File{Name: "passwd", Type: tar.TypeSymlink, Link: "/etc/passwd"},
		)),
		gzLayer(t, tarOf(t, imagetest.File{Name: "host/pwned", Body: "x"})),
	)
	if err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(outside); len(left) != 0 {
		t.Errorf("the walk wrote %d entries outside the image", len(left))
	}
	want := map[string]string{"host": "-> " + outside, "passwd": "-> /etc/passwd", strings.TrimPrefix(outside, "/") + "/pwned": "x"}
	if diff := cmp.Diff(want, files); diff != "" {
		t.Errorf("final filesystem (-want +got):\n%s", diff)
	}
}

// TestVisitAndCancel: Visit sees every regular file of every layer, including one a later layer
// deletes; cancelling stops the walk with the context's error.
func TestVisitAndCancel(t *testing.T) {
	dir := writeRawLayout(t,
		gzLayer(t, tarOf(t, imagetest.File{Name: "a", Body: "a"}, imagetest.File{Name: "secret", Body: "AKIA"})),
		gzLayer(t, tarOf(t, imagetest.File{Name: ".wh.secret"}, imagetest.File{Name: "b", Body: "b"})),
	)
	img, err := image.OpenLayout(dir, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	var removed []image.Removal
	err = img.Walk(context.Background(), image.WalkOptions{Visit: func(_ context.Context, e *image.Entry) error {
		b, _ := io.ReadAll(e)
		seen = append(seen, e.Path+"="+string(b))
		return nil
	}}, func(tr *image.Tree) error { removed = tr.Removed; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a=a", "secret=AKIA", "b=b"}; !slices.Equal(seen, want) {
		t.Errorf("visited %q, want %q", seen, want)
	}
	if want := []image.Removal{{Path: "secret", Added: 0, Removed: 1}}; !slices.Equal(removed, want) {
		t.Errorf("removed %v, want %v", removed, want)
	}
	ctx, cancel := context.WithCancel(context.Background())
	err = img.Walk(ctx, image.WalkOptions{Visit: func(context.Context, *image.Entry) error { cancel(); return nil }},
		func(*image.Tree) error { t.Error("used after cancel"); return nil })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Walk after cancel: %v", err)
	}
}

// TestRootFS walks an unpacked root filesystem as one pseudo-layer, through os.Root: a symlink
// in it to a host directory is kept as a symlink and not followed.
func TestRootFS(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "host-secret"), []byte("host"), 0o644)
	os.MkdirAll(filepath.Join(root, "usr/lib"), 0o755)
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	os.WriteFile(filepath.Join(root, "usr/lib/os-release"), []byte("ID=alpine\n"), 0o644)
	os.Symlink("../usr/lib/os-release", filepath.Join(root, "etc/os-release"))
	os.Symlink(outside, filepath.Join(root, "escape"))
	if err := syscall.Mkfifo(filepath.Join(root, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	img, err := image.OpenRootFS(root)
	if err != nil {
		t.Fatal(err)
	}
	var visited []string
	err = img.Walk(context.Background(), image.WalkOptions{
		Keep:  func(string, *tar.Header) bool { return true },
		Visit: func(_ context.Context, e *image.Entry) error { visited = append(visited, e.Path); return nil },
	}, func(tr *image.Tree) error {
		b, err := fs.ReadFile(tr.FS(), "etc/os-release")
		if string(b) != "ID=alpine\n" || err != nil {
			t.Errorf("etc/os-release: %q, %v", b, err)
		}
		if _, err := fs.ReadFile(tr.FS(), "escape/host-secret"); err == nil {
			t.Error("a symlink out of the root filesystem was followed")
		}
		if l, ok := tr.Layer("usr/lib/os-release"); !ok || l.Index != 0 {
			t.Errorf("Layer = %v, %v", l, ok)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(visited, []string{"usr/lib/os-release"}) {
		t.Errorf("visited %q", visited)
	}
}

func manyFiles(prefix string, n int) []imagetest.File {
	var fs []imagetest.File
	for i := range n {
		fs = append(fs, imagetest.File{Name: prefix + strings.Repeat("x", i+1), Body: "x"})
	}
	return fs
}

// TestArchiveNotRegular: a FIFO named as an archive is refused at once, not waited on.
func TestArchiveNotRegular(t *testing.T) {
	p := filepath.Join(t.TempDir(), "image.tar")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := image.OpenArchive(p, image.Options{})
	if err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("OpenArchive of a FIFO: %v", err)
	}
}

// TestLayoutBlobNotRegular: a FIFO in a layout where a layer blob should be is refused, not read.
func TestLayoutBlobNotRegular(t *testing.T) {
	l := gzLayer(t, tarOf(t, imagetest.File{Name: "a", Body: "a"}))
	dir := writeRawLayout(t, l)
	blob := filepath.Join(dir, "blobs", "sha256", strings.TrimPrefix(sum(l.blob), "sha256:"))
	os.Remove(blob)
	if err := syscall.Mkfifo(blob, 0o600); err != nil {
		t.Fatal(err)
	}
	img, err := image.OpenLayout(dir, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = img.Walk(context.Background(), image.WalkOptions{}, func(*image.Tree) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "not a regular file") || !strings.Contains(err.Error(), "layer 0") {
		t.Errorf("Walk over a FIFO blob: %v", err)
	}
}

// TestOpenDispatch: Open never guesses a root filesystem, and a name that is neither a file nor a
// pullable reference says both.
func TestOpenDispatch(t *testing.T) {
	tests := []struct {
		name, target, want string
	}{
		{"a plain directory", t.TempDir(), "use --rootfs"},
		{"a missing file that is no reference either", filepath.Join(t.TempDir(), "Missing.tar"), "is no file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := image.Open(context.Background(), tt.target, image.Options{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Open(%s): %v, want %q", tt.target, err, tt.want)
			}
		})
	}
}

// TestArchiveOfSeveralImages: an OCI archive of two unrelated images (docker save a b) is
// refused with both named, not taken as a platform index.
func TestArchiveOfSeveralImages(t *testing.T) {
	a := imagetest.Image(t, "amd64", imagetest.Step{Layer: imagetest.Layer(t, imagetest.File{Name: "a", Body: "a"}), CreatedBy: "ADD a"})
	b := imagetest.Image(t, "amd64", imagetest.Step{Layer: imagetest.Layer(t, imagetest.File{Name: "b", Body: "b"}), CreatedBy: "ADD b"})
	dir := imagetest.WriteLayout(t, a)
	p, err := layout.FromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(b, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": "b:1"})); err != nil {
		t.Fatal(err)
	}
	_, err = image.OpenArchive(imagetest.TarDir(t, dir), image.Options{})
	if err == nil || !strings.Contains(err.Error(), "holds 2 images") || !strings.Contains(err.Error(), "b:1") {
		t.Errorf("OpenArchive of two images: %v", err)
	}
}
