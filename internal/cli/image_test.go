package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/image"
	"github.com/palisade-sec/palisade/internal/image/imagetest"
)

// TestSBOMImage inventories a real image — a Go binary compiled by the test in the base layer, a
// Go module's go.mod and go.sum in the image's own layer — from an OCI layout: every package
// names the layer its file came from, and the command writes the same packages as a BOM.
func TestSBOMImage(t *testing.T) {
	mod, err := os.ReadFile(filepath.Join("..", "inventory", "testdata", "go", "basic", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join("..", "inventory", "testdata", "go", "basic", "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	img := imagetest.Image(t, "amd64",
		imagetest.Step{Layer: imagetest.Layer(t, imagetest.File{Name: "usr/local/bin/app", Body: string(imagetest.GoBinary(t)), Mode: 0o755}), CreatedBy: "COPY app /usr/local/bin/"},
		imagetest.Step{CreatedBy: `CMD ["/usr/local/bin/app"]`},
		imagetest.Step{Layer: imagetest.Layer(t, imagetest.File{Name: "src/go.mod", Body: string(mod)}, imagetest.File{Name: "src/go.sum", Body: string(sum)}), CreatedBy: "COPY . /src"},
	)
	dir := imagetest.WriteLayout(t, img)

	im, err := image.OpenLayout(dir, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer im.Close()
	pkgs, problems, err := inventoryImage(context.Background(), im, maxImageExecutable)
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 0 {
		t.Errorf("problems: %v", problems)
	}
	byFile := map[string]int{}
	for _, p := range pkgs {
		l := p.Location.Layer
		if l == nil {
			t.Errorf("%s (%s): no layer", p.Key(), p.Location.Path)
			continue
		}
		want := map[string]int{"usr/local/bin/app": 0, "src/go.mod": 1, "src/go.sum": 1}[p.Location.Path]
		if l.Index != want || l.Base != (want == 0) {
			t.Errorf("%s in %s: layer %+v, want index %d", p.Key(), p.Location.Path, l, want)
		}
		byFile[p.Location.Path]++
	}
	if byFile["usr/local/bin/app"] == 0 || byFile["src/go.mod"]+byFile["src/go.sum"] == 0 {
		t.Errorf("packages by file: %v, want the binary's and the module's", byFile)
	}

	out, _, err := runSBOMCLI(t, "sbom", "--image", dir)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Components []any `json:"components"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("stdout is not JSON: %v", err)
	}
	if len(doc.Components) == 0 {
		t.Error("the image's BOM has no components")
	}
	if _, _, err := runSBOMCLI(t, "sbom", "--image", dir, "--rootfs", t.TempDir()); err == nil {
		t.Error("--image and --rootfs together were accepted")
	}
}

// TestImageExecutableTooLarge: an executable over the bound is not copied out, and is named as a
// too-large problem rather than dropped silently.
func TestImageExecutableTooLarge(t *testing.T) {
	big := strings.Repeat("\x00", 64<<10)
	img := imagetest.Image(t, "amd64", imagetest.Step{Layer: imagetest.Layer(t,
		imagetest.File{Name: "usr/lib/libhuge.so", Body: big, Mode: 0o755}), CreatedBy: "ADD lib"})
	im, err := image.OpenLayout(imagetest.WriteLayout(t, img), image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer im.Close()
	_, problems, err := inventoryImage(context.Background(), im, 32<<10)
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 1 || problems[0].Path != "usr/lib/libhuge.so" || problems[0].Kind != finding.ProblemTooLarge {
		t.Errorf("problems = %+v, want one too-large problem for usr/lib/libhuge.so", problems)
	}
}
