package scan

import (
	"archive/tar"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/image"
	"github.com/palisade-sec/palisade/internal/image/imagetest"
)

// installedTree is a fake tree analyzer that reports each file it is given as a finding, and
// whether the tree was marked as an installed system.
type installedTree struct{ installed *bool }

func (installedTree) Name() string { return "tree" }

func (a installedTree) AnalyzeTree(_ context.Context, t *Tree) ([]finding.Finding, error) {
	*a.installed = t.Installed
	var out []finding.Finding
	for _, f := range t.Files {
		if _, err := fs.ReadFile(t.FS, f); err != nil {
			return nil, err
		}
		out = append(out, finding.Finding{RuleID: "tree-file", Location: finding.Location{Path: f}})
	}
	return out, nil
}

// TestImage scans an image through the engine: file analyzers see every layer's copy of a file,
// deleted and overwritten copies too, labelled; tree analyzers see the kept files of the final
// filesystem, marked Installed, each finding given the layer that last wrote its file; a file
// over the size limit is a problem for an analyzer that cannot stream it; a panic is a problem.
func TestImage(t *testing.T) {
	img := imagetest.Image(t, "amd64",
		imagetest.Step{Layer: imagetest.Layer(t,
			imagetest.File{Name: "etc/app.conf", Body: "token SECRET one\n"},
			imagetest.File{Name: "var/lib/db", Body: "v1"},
			imagetest.File{Name: "tmp/key", Body: "SECRET key\n"}), CreatedBy: "ADD base /"},
		imagetest.Step{CreatedBy: `CMD ["sh"]`},
		imagetest.Step{Layer: imagetest.Layer(t,
			imagetest.File{Name: "etc/app.conf", Body: "token SECRET one\n"}, // the same content again
			imagetest.File{Name: "var/lib/db", Body: "v2"},
			imagetest.File{Name: "boom.txt", Body: "x"},
			imagetest.File{Name: "big.log", Body: strings.Repeat("SECRET\n", 200)}), CreatedBy: "COPY . /"},
		imagetest.Step{Layer: imagetest.Layer(t, imagetest.File{Name: "tmp/.wh.key"}), CreatedBy: "RUN rm /tmp/key"},
	)
	im, err := image.OpenLayout(imagetest.WriteLayout(t, img), image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer im.Close()
	var installed bool
	run, err := Image(context.Background(), im, ImageOptions{
		Options: Options{Analyzers: []Analyzer{markerFinder{}, troublemaker{}, installedTree{&installed}}, MaxFileSize: 1 << 10},
		Keep: func(name string, _ *tar.Header) bool {
			return strings.HasPrefix(name, "var/") || strings.HasPrefix(name, "tmp/")
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	type got struct {
		Rule, Path string
		Layer      int
		Removed    string
	}
	var gotF []got
	for _, f := range run.Findings {
		gotF = append(gotF, got{f.RuleID, f.Location.Path, f.Location.Layer.Index, f.Properties["image.removed"]})
	}
	want := []got{
		{"marker", "etc/app.conf", 0, "added in layer 0 (sha256:" + shortHex(t, img, 0) + ", ADD base /), overwritten in layer 1: still in the image"},
		{"marker", "etc/app.conf", 1, ""},
		{"marker", "tmp/key", 0, "added in layer 0 (sha256:" + shortHex(t, img, 0) + ", ADD base /), deleted in layer 2: still in the image"},
		{"tree-file", "var/lib/db", 1, ""},
	}
	if diff := cmp.Diff(want, gotF); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if !installed {
		t.Error("the tree was not marked Installed")
	}
	var problems []string
	for _, p := range run.Problems {
		problems = append(problems, p.Scanner+" "+p.Path+" "+string(p.Kind))
	}
	wantP := []string{"marker big.log " + finding.ProblemTooLarge, "trouble big.log " + finding.ProblemTooLarge, "trouble boom.txt "}
	if diff := cmp.Diff(wantP, problems); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

// TestImageCorruptLayer: a layer that fails its digest check fails the scan with the layer's
// error, and nothing is reported.
func TestImageCorruptLayer(t *testing.T) {
	img := imagetest.Image(t, "amd64", imagetest.Step{Layer: imagetest.Layer(t, imagetest.File{Name: "a", Body: "SECRET"}), CreatedBy: "ADD a /"})
	dir := imagetest.WriteLayout(t, img)
	corruptBlob(t, dir, img, 0)
	im, err := image.OpenLayout(dir, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer im.Close()
	run, err := Image(context.Background(), im, ImageOptions{Options: Options{Analyzers: []Analyzer{markerFinder{}}}})
	var le *image.LayerError
	if run != nil || !errors.As(err, &le) || le.Layer.Index != 0 {
		t.Fatalf("run %v, err %v: want a LayerError of layer 0 and no run", run, err)
	}
}

func shortHex(t *testing.T, img v1.Image, i int) string {
	t.Helper()
	return shortHexFull(t, img, i)[:12]
}

// corruptBlob flips a byte in the middle of layer i's blob in an OCI layout.
func corruptBlob(t *testing.T, dir string, img v1.Image, i int) {
	t.Helper()
	p := filepath.Join(dir, "blobs", "sha256", shortHexFull(t, img, i))
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0xff
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func shortHexFull(t *testing.T, img v1.Image, i int) string {
	t.Helper()
	ls, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	d, err := ls[i].Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.Hex
}

// TestImageExclude: the user's exclude patterns apply to paths in the image, for the file
// analyzers (every layer's copy) and the tree analyzers alike, and each excluded path is listed
// as skipped once however many layers hold it: an excluded file is named, never dropped.
func TestImageExclude(t *testing.T) {
	img := imagetest.Image(t, "amd64",
		imagetest.Step{Layer: imagetest.Layer(t,
			imagetest.File{Name: "opt/test/fixture.key", Body: "SECRET one\n"},
			imagetest.File{Name: "var/lib/test/db", Body: "v1"},
			imagetest.File{Name: "etc/app.conf", Body: "SECRET two\n"}), CreatedBy: "ADD base /"},
		imagetest.Step{Layer: imagetest.Layer(t,
			imagetest.File{Name: "opt/test/fixture.key", Body: "SECRET again\n"},
			imagetest.File{Name: "var/lib/db", Body: "v2"}), CreatedBy: "COPY . /"},
	)
	im, err := image.OpenLayout(imagetest.WriteLayout(t, img), image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer im.Close()
	var installed bool
	run, err := Image(context.Background(), im, ImageOptions{
		Options: Options{Analyzers: []Analyzer{markerFinder{}, installedTree{&installed}}, Exclude: []string{"opt/test/", "**/test/db"}},
		Keep:    func(name string, _ *tar.Header) bool { return strings.HasPrefix(name, "var/") },
	})
	if err != nil {
		t.Fatal(err)
	}
	var gotF []string
	for _, f := range run.Findings {
		gotF = append(gotF, f.RuleID+" "+f.Location.Path)
	}
	if diff := cmp.Diff([]string{"marker etc/app.conf", "tree-file var/lib/db"}, gotF); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	var skipped []string
	for _, s := range run.Skipped {
		if s.Reason == finding.SkipExcluded {
			skipped = append(skipped, s.Path)
		}
	}
	slices.Sort(skipped)
	if diff := cmp.Diff([]string{"opt/test/fixture.key", "var/lib/test/db"}, skipped); diff != "" {
		t.Errorf("excluded paths listed as skipped (-want +got):\n%s", diff)
	}
}
