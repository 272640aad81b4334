package image

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"maps"
	"net/url"
	"os"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-sec/palisade/internal/image/imagetest"
)

// memImage is an image of uncompressed layers held in memory, so fuzzing costs no disk but the
// walk's own.
func memImage(layers ...[]byte) *Image {
	img := &Image{}
	for i, b := range layers {
		d := sha256Digest(b)
		img.Layers = append(img.Layers, Layer{Index: i, Digest: d, DiffID: d, Size: int64(len(b))})
		img.blobs = append(img.blobs, blobOpener{digestKnown: true, open: func(context.Context) (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(b)), nil
		}})
	}
	return img
}

type tarEntry struct {
	name, body, link string
	typ              byte
}

func tarBytes(t testing.TB, entries ...tarEntry) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Typeflag: e.typ, Linkname: e.link, Mode: 0o644, Size: int64(len(e.body)), ModTime: time.Unix(1, 0)}
		if e.typ != tar.TypeReg {
			h.Size = 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		io.WriteString(tw, e.body)
	}
	tw.Close()
	return buf.Bytes()
}

// FuzzWalk feeds arbitrary bytes as two layers (plain tar, gzip or zstd, as the bytes say): the
// walk never panics, never leaves anything in or beside its temporary directory, and what it
// returns holds together — every file in the final FS is readable and attributed to a layer, and
// every removal is of a file from a lower layer.
func FuzzWalk(f *testing.F) {
	f.Add(tarBytes(f, tarEntry{name: "etc/os-release", typ: tar.TypeSymlink, link: "../usr/lib/os-release"},
		tarEntry{name: "usr/lib/os-release", body: "ID=debian\n", typ: tar.TypeReg}, tarEntry{name: "lib", typ: tar.TypeSymlink, link: "/usr/lib"}),
		tarBytes(f, tarEntry{name: "lib/x", body: "x", typ: tar.TypeReg}, tarEntry{name: "etc/.wh.os-release", typ: tar.TypeReg},
			tarEntry{name: "usr/.wh..wh..opq", typ: tar.TypeReg}, tarEntry{name: "h", typ: tar.TypeLink, link: "lib/x"}))
	f.Add(tarBytes(f, tarEntry{name: "../../evil", body: "x", typ: tar.TypeReg}), []byte{})
	f.Add(tarBytes(f, tarEntry{name: "a", typ: tar.TypeSymlink, link: "/../../.."}, tarEntry{name: "a/b/c", body: "c", typ: tar.TypeReg}),
		tarBytes(f, tarEntry{name: "a/b", typ: tar.TypeLink, link: "a/b/c"}, tarEntry{name: "x", typ: tar.TypeLink, link: "/etc/passwd"}))
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}, []byte{0x28, 0xb5, 0x2f, 0xfd, 0})
	parent := f.TempDir()
	f.Fuzz(func(t *testing.T, l0, l1 []byte) {
		img := memImage(l0, l1)
		lim := Limits{LayerBytes: 1 << 20, ImageBytes: 2 << 20, KeptBytes: 1 << 20, Entries: 1000, RatioFloor: 1 << 16, Ratio: 100}
		err := img.Walk(context.Background(), WalkOptions{
			Keep: func(string, *tar.Header) bool { return true }, TempDir: parent, Limits: lim,
			Visit: func(_ context.Context, e *Entry) error {
				if !validPath(e.Path) || e.Path == "." {
					t.Errorf("Visit path %q is not a clean relative path", e.Path)
				}
				_, err := io.Copy(io.Discard, e)
				return err
			},
		}, func(tr *Tree) error {
			for _, r := range tr.Removed {
				if r.Added >= r.Removed {
					t.Errorf("removal %+v: not from a lower layer", r)
				}
			}
			return fs.WalkDir(tr.FS(), ".", func(p string, d fs.DirEntry, err error) error {
				if err != nil {
					t.Errorf("WalkDir %s: %v", p, err)
					return nil
				}
				if d.Type().IsRegular() {
					if _, err := fs.ReadFile(tr.FS(), p); err != nil {
						t.Errorf("ReadFile %s: %v", p, err)
					}
					if _, ok := tr.Layer(p); !ok {
						t.Errorf("%s has no layer", p)
					}
				}
				return nil
			})
		})
		_ = err // bad input may fail; it must only fail cleanly
		if left, _ := os.ReadDir(parent); len(left) != 0 {
			t.Fatalf("%d entries left beside the walk's directory", len(left))
		}
	})
}

// FuzzWhiteouts runs layers of files, directories, whiteouts and opaque markers, decoded from
// the fuzzer's bytes, through the walker and through a model written straight from the OCI
// image spec (whiteouts apply to lower layers only, then the layer's entries in order): the
// final files and the layer of each must agree.
func FuzzWhiteouts(f *testing.F) {
	f.Add([]byte{0x01, 0x10, 0x02, 0x21, 0x80, 0x03, 0x10, 0x04, 0x20, 0x01, 0x33})
	f.Add([]byte{0x01, 0x35, 0x01, 0x36, 0x80, 0x05, 0x01, 0x01, 0x12, 0x80, 0x03, 0x01})
	f.Add([]byte{0x00, 0x02, 0x0c, 0x07, 0x80, 0x00, 0x02, 0x14, 0x00, 0x02, 0x01})
	f.Fuzz(func(t *testing.T, ops []byte) {
		layers := decodeOps(ops)
		if len(layers) == 0 || len(layers) > 6 {
			return
		}
		var blobs [][]byte
		for _, l := range layers {
			blobs = append(blobs, tarBytes(t, l...))
		}
		got := map[string]int{}
		err := memImage(blobs...).Walk(context.Background(), WalkOptions{Keep: func(string, *tar.Header) bool { return true }},
			func(tr *Tree) error {
				return fs.WalkDir(tr.FS(), ".", func(p string, d fs.DirEntry, err error) error {
					if err == nil && d.Type().IsRegular() {
						l, _ := tr.Layer(p)
						got[p] = l.Index
					}
					return err
				})
			})
		if errors.Is(err, ErrUnsafeEntry) {
			return // a hardlink to a directory, refused: nothing to compare
		}
		if err != nil {
			t.Fatalf("Walk: %v", err)
		}
		if diff := cmp.Diff(modelLayers(layers), got); diff != "" {
			t.Errorf("final files (-model +walker):\n%s\nlayers: %v", diff, layers)
		}
	})
}

// decodeOps turns bytes into layers of entries: a byte with the high bit set starts a new layer;
// otherwise its low 3 bits pick the kind and the next byte the path.
func decodeOps(ops []byte) [][]tarEntry {
	names := []string{"a", "b", "a/a", "a/b", "b/a", "a/a/a", "a/b/a", "c"}
	layers := [][]tarEntry{nil}
	for i := 0; i < len(ops); i++ {
		op := ops[i]
		if op&0x80 != 0 {
			layers = append(layers, nil)
			continue
		}
		if i+1 >= len(ops) {
			break
		}
		i++
		p := names[int(ops[i])%len(names)]
		dir, base := path.Split(p)
		var e tarEntry
		switch op % 5 {
		case 0:
			e = tarEntry{name: p, typ: tar.TypeReg, body: p}
		case 1:
			e = tarEntry{name: p + "/", typ: tar.TypeDir}
		case 2:
			e = tarEntry{name: dir + ".wh." + base, typ: tar.TypeReg}
		case 3:
			e = tarEntry{name: p + "/.wh..wh..opq", typ: tar.TypeReg}
		case 4: // a hardlink to another path, picked by the op's high bits
			e = tarEntry{name: p, typ: tar.TypeLink, link: names[int(op>>3)%len(names)]}
		}
		layers[len(layers)-1] = append(layers[len(layers)-1], e)
	}
	return layers
}

// modelLayers applies layers the way the OCI image spec describes, on a map of file → layer.
func modelLayers(layers [][]tarEntry) map[string]int {
	files := map[string]int{}
	dirs := map[string]bool{}
	under := func(p, dir string) bool { return strings.HasPrefix(p, dir+"/") }
	delLower := func(pred func(string) bool, layer int) {
		for p, l := range maps.Clone(files) {
			if pred(p) && l < layer {
				delete(files, p)
			}
		}
	}
	// makeParents turns every parent of p into a directory, deleting a file in the way.
	makeParents := func(p string) {
		for d := path.Dir(p); d != "."; d = path.Dir(d) {
			delete(files, d)
			dirs[d] = true
		}
	}
	for L, entries := range layers {
		for _, e := range entries {
			dir, base := path.Split(strings.TrimSuffix(e.name, "/"))
			dir = strings.TrimSuffix(dir, "/")
			if base == ".wh..wh..opq" {
				if _, isFile := files[dir]; !isFile {
					delLower(func(p string) bool { return under(p, dir) }, L)
				}
			} else if target, ok := strings.CutPrefix(base, ".wh."); ok {
				if _, parentIsFile := files[dir]; !parentIsFile || dir == "" {
					full := path.Join(dir, target)
					delLower(func(p string) bool { return p == full || under(p, full) }, L)
				}
			}
		}
		for _, e := range entries {
			name := strings.TrimSuffix(e.name, "/")
			if strings.HasPrefix(path.Base(name), ".wh.") {
				continue
			}
			if e.typ == tar.TypeLink {
				// The link's directory is made first, as extracting does, then its target looked up.
				makeParents(name)
				targetLayer, targetIsFile := files[e.link]
				targetIsFile = targetIsFile && targetLayer == L // links reach only their own layer's files
				if e.link == name {
					continue // a link to itself changes nothing
				}
				for p := range files {
					if p == name || under(p, name) {
						delete(files, p)
					}
				}
				if targetIsFile {
					files[name] = L
				}
				continue
			}
			makeParents(name)
			if e.typ == tar.TypeDir {
				delete(files, name)
				dirs[name] = true
				continue
			}
			for p := range files {
				if under(p, name) {
					delete(files, p)
				}
			}
			files[name] = L
		}
	}
	return files
}

// FuzzOpenArchive feeds arbitrary bytes as an image archive: the archive index, manifest.json,
// index.json, manifests and configs are all parsed from them. Opening and walking never panic,
// and what opens has as many layers as blob openers and diffIDs.
func FuzzOpenArchive(f *testing.F) {
	img := imagetest.Image(f, "amd64",
		imagetest.Step{Layer: imagetest.Layer(f, imagetest.File{Name: "etc/os-release", Body: "ID=debian\n"}), CreatedBy: "ADD rootfs /"},
		imagetest.Step{CreatedBy: `CMD ["bash"]`},
		imagetest.Step{Layer: imagetest.Layer(f, imagetest.File{Name: "etc/.wh.os-release"}), CreatedBy: "RUN rm /etc/os-release"})
	for _, p := range []string{imagetest.WriteDockerArchive(f, img), imagetest.TarDir(f, imagetest.WriteLayout(f, img))} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p := t.TempDir() + "/image.tar"
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		im, err := OpenArchive(p, Options{})
		if err != nil {
			return
		}
		defer im.Close()
		if len(im.Layers) != len(im.blobs) || len(im.Layers) != len(im.Config.RootFS.DiffIDs) {
			t.Fatalf("%d layers, %d blobs, %d diffIDs", len(im.Layers), len(im.blobs), len(im.Config.RootFS.DiffIDs))
		}
		for i, l := range im.Layers {
			if l.Index != i || (l.Base && i >= im.Base.Layers) {
				t.Errorf("layer %d: %+v (base layers %d)", i, l, im.Base.Layers)
			}
		}
		im.Walk(context.Background(), WalkOptions{Limits: Limits{LayerBytes: 1 << 20, ImageBytes: 1 << 20}}, func(*Tree) error { return nil })
	})
}

// FuzzNewerTag: any current tag and tag list give an answer or ErrNoTagOrder, never a panic; an
// answer is one of the tags, of current's shape, and not older than any other tag of that shape.
func FuzzNewerTag(f *testing.F) {
	for _, s := range [][2]string{
		{"12.5-slim", "12.6-slim,13.0-slim,12.8,12.8.1-slim,12.10-slim"},
		{"3.19.1", "3.19.4,3.20.3,4.0.0"},
		{"v1.2", "v1.3,1.4,v2.0"},
		{"latest", "12,bookworm"},
		{"12", "12.1,13"},
		{"1.2.", "1.3."},
		{"1.99999999999999999999", "1.1"},
		{"1.06", "1.6,1.07"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, current, list string) {
		tags := strings.Split(list, ",")
		got, err := NewerTag(current, tags)
		if err != nil {
			if !errors.Is(err, ErrNoTagOrder) {
				t.Fatalf("NewerTag(%q) error %v does not wrap ErrNoTagOrder", current, err)
			}
			return
		}
		if got == "" {
			return
		}
		cur, _ := parseVersionTag(current)
		v, err := parseVersionTag(got)
		if err != nil || !cur.sameShape(v) || v.compare(cur) <= 0 {
			t.Fatalf("NewerTag(%q) = %q: not a newer tag of the same shape", current, got)
		}
		for _, other := range tags {
			if w, err := parseVersionTag(other); err == nil && cur.sameShape(w) && w.compare(v) > 0 {
				t.Fatalf("NewerTag(%q) = %q, but %q is newer", current, got, other)
			}
		}
	})
}

// FuzzParseTagPage: a registry's tag list page parses or is refused; every tag passed on is a
// valid tag.
func FuzzParseTagPage(f *testing.F) {
	for _, s := range []string{
		`{"name":"library/debian","tags":["12.5","latest"]}`,
		`{"name":"x","tags":null}`,
		`{"tags":["../x"]}`,
		`{"tags":[1]}`,
		`[]`,
		``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		tags, err := parseTagPage(body)
		if err != nil {
			return
		}
		for _, tag := range tags {
			if !validTag(tag) || strings.ContainsAny(tag, "/:@") {
				t.Fatalf("invalid tag %q passed on", tag)
			}
		}
	})
}

// FuzzNextPage: a Link header never leads to another host.
func FuzzNextPage(f *testing.F) {
	for _, s := range []string{
		`</v2/x/tags/list?last=b&n=2>; rel="next"`,
		`<https://evil.example/v2/x/tags/list>; rel="next"`,
		`<//evil.example/x>; rel=next`,
		`</a>; rel="prev", </b>; rel="next"`,
		`<>; rel="next"`,
		`garbage`,
	} {
		f.Add(s)
	}
	cur, _ := url.Parse("https://registry.example:5000/v2/x/tags/list?n=2")
	f.Fuzz(func(t *testing.T, link string) {
		u, err := nextPage(link, cur)
		if err == nil && u != nil && (u.Host != cur.Host || u.Scheme != cur.Scheme) {
			t.Fatalf("nextPage(%q) = %s: off the registry", link, u)
		}
	})
}
