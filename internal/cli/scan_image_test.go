package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/palisade-sec/palisade/internal/config"
	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/image/imagetest"
	"github.com/palisade-sec/palisade/internal/inventory"
	"github.com/palisade-sec/palisade/internal/report"
	"github.com/palisade-sec/palisade/internal/scan"
	"github.com/palisade-sec/palisade/internal/scan/deps"
	"github.com/palisade-sec/palisade/internal/scan/secret"
	"github.com/palisade-sec/palisade/internal/vulndb"
	"github.com/palisade-sec/palisade/internal/vulndb/vulndbtest"
)

// imageApp is the CLI with the secret and deps scanners (the latter on a database of the Debian
// fixtures, with the test record for zlib of Debian 12) and the iac scanner's name, which does
// not apply to images.
func imageApp(t *testing.T) (*App, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	recs := vulndbtest.Records{}
	recs.Add("Debian", vulndbtest.Fixtures(t)["Debian"])
	recs.Add("Debian", vulndbtest.Files(t, filepath.Join("..", "scan", "deps", "testdata", "PALISADE-TEST-DEB12-0003.json")))
	return imageAppWith(t, recs)
}

// imageAppWith is imageApp with the deps scanner on a database of recs.
func imageAppWith(t *testing.T, recs vulndbtest.Records) (*App, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	dir := t.TempDir()
	if _, err := vulndb.Import(context.Background(), vulndb.ImportOptions{Dir: dir, Path: vulndbtest.Export(t, recs)}); err != nil {
		t.Fatal(err)
	}
	app, out, errb := testApp()
	app.Builtins.Scanners = append(app.Builtins.Scanners,
		Scanner{Name: "deps", Summary: "deps", New: func(context.Context, *config.Config) (scan.Analyzer, error) {
			db, err := vulndb.Open(dir)
			if err != nil {
				return nil, err
			}
			return deps.New(db, deps.ExtractorFunc(inventory.Extract), deps.Options{MaxAge: -1}), nil
		}},
		Scanner{Name: "iac", Summary: "iac", New: func(context.Context, *config.Config) (scan.Analyzer, error) {
			a := secret.New(secret.Options{}) // never built for an image
			return a, a.Err()
		}},
	)
	return app, out, errb
}

// debianBase is the base layer of the test images: this machine's dpkg database and os-release
// when it is Debian 12 (the zlib test record is for Debian 12), else the committed Debian fixture.
func debianBase(t *testing.T) imagetest.Step {
	t.Helper()
	status, release := "/var/lib/dpkg/status", "/etc/os-release"
	if rel, err := os.ReadFile(release); err != nil || !strings.Contains(string(rel), "ID=debian") || !strings.Contains(string(rel), `VERSION_ID="12"`) {
		fixture := filepath.Join("..", "inventory", "testdata", "os", "debian")
		status, release = filepath.Join(fixture, "var", "lib", "dpkg", "status"), filepath.Join(fixture, "etc", "os-release")
	}
	var files []imagetest.File
	for src, dst := range map[string]string{status: "var/lib/dpkg/status", release: "etc/os-release"} {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, imagetest.File{Name: dst, Body: string(b)})
	}
	return imagetest.Step{Layer: imagetest.Layer(t, files...), CreatedBy: "ADD rootfs.tar.xz /"}
}

// jsonRun decodes a JSON report.
func jsonRun(t *testing.T, out string) report.Run {
	t.Helper()
	var r report.Run
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("decode report: %v\n%s", err, out)
	}
	return r
}

// TestScanImage scans images built from real content through the CLI: a vulnerable dpkg package
// is found with its base layer, a secret in a file a later layer deleted is found in the layer
// that added it and says it is still in the image, a clean image passes, and the image is named
// in the report's metadata.
func TestScanImage(t *testing.T) {
	leaky := imagetest.Image(t, "amd64",
		debianBase(t),
		imagetest.Step{CreatedBy: `CMD ["bash"]`},
		imagetest.Step{Layer: imagetest.Layer(t, imagetest.File{Name: "app/.env", Body: "DATABASE_URL=" + testToken + "\n"}), CreatedBy: "COPY .env /app/"},
		imagetest.Step{Layer: imagetest.Layer(t, imagetest.File{Name: "app/.wh..env"}), CreatedBy: "RUN rm /app/.env"},
	)
	clean := imagetest.Image(t, "amd64",
		imagetest.Step{Layer: imagetest.Layer(t, imagetest.File{Name: "app/main.sh", Body: "#!/bin/sh\necho hello\n"}), CreatedBy: "COPY main.sh /app/"})

	t.Run("findings with their layers", func(t *testing.T) {
		dir := imagetest.WriteLayout(t, leaky)
		app, out, _ := imageApp(t)
		root := Root(app)
		root.SetArgs([]string{"scan", "--image", dir, "--format", "json", "--fail-on", "high", "--scanners", "secret,deps"})
		err := root.ExecuteContext(context.Background())
		if strings.Contains(out.String(), testPassword) {
			t.Fatal("the report printed the secret in full")
		}
		r := jsonRun(t, out.String())
		type got struct {
			Scanner, Path string
			Layer         int
			Base          bool
			Removed       string
		}
		var found []got
		seen := map[got]bool{}
		for _, f := range r.Findings {
			if f.Scanner == "deps" && !strings.Contains(f.Title, "zlib") {
				continue // the machine's own packages may match the real Debian records too
			}
			if f.Location.Layer == nil {
				t.Fatalf("finding without a layer: %+v", f)
			}
			g := got{f.Scanner, f.Location.Path, f.Location.Layer.Index, f.Location.Layer.Base, f.Properties["image.removed"]}
			if !seen[g] { // zlib1g and zlib1g-dev are one source package: one line here
				found = append(found, g)
			}
			seen[g] = true
		}
		want := []got{
			{"secret", "app/.env", 1, false, `added in layer 1 (sha256:` + shortOf(t, r, 1) + `, COPY .env /app/), deleted in layer 2: still in the image`},
			{"deps", "var/lib/dpkg/status", 0, true, ""},
		}
		if diff := cmp.Diff(want, found); diff != "" {
			t.Errorf("findings (-want +got):\n%s", diff)
		}
		if r.Image == nil || r.Image.Digest == "" || r.Image.Layers != 3 || r.Image.BaseLayers != 1 {
			t.Errorf("image metadata = %+v", r.Image)
		}
		for _, p := range r.Problems {
			if !p.Accepted {
				t.Errorf("problem: %+v", p)
			}
		}
		if code := ExitCode(err); code != 1 {
			t.Errorf("exit %d (%v), want 1: the secret is high", code, err)
		}
	})
	t.Run("a clean image passes", func(t *testing.T) {
		app, out, _ := imageApp(t)
		root := Root(app)
		root.SetArgs([]string{"scan", "--image", imagetest.WriteDockerArchive(t, clean), "--scanners", "secret"})
		if err := root.ExecuteContext(context.Background()); err != nil {
			t.Fatalf("exit %d: %v\n%s", ExitCode(err), err, out)
		}
	})
	t.Run("suppressed by package and path", func(t *testing.T) {
		ignore := filepath.Join(t.TempDir(), "ignore.yaml")
		body := "version: 1\nignore:\n  - packages: [zlib]\n    reason: rebuilt\n  - paths: [\"app/**\"]\n    rule: postgres-url-password\n    reason: a test credential\n"
		if err := os.WriteFile(ignore, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		app, out, _ := imageApp(t)
		root := Root(app)
		root.SetArgs([]string{"scan", "--image", imagetest.WriteLayout(t, leaky), "--format", "json", "--ignore-file", ignore, "--scanners", "secret,deps"})
		err := root.ExecuteContext(context.Background())
		r := jsonRun(t, out.String())
		for _, f := range r.Findings {
			if (f.Scanner == "secret" || strings.Contains(f.Title, "zlib")) && f.Suppression == nil {
				t.Errorf("not suppressed: %s %s", f.RuleID, f.Title)
			}
		}
		if ExitCode(err) == 2 {
			t.Fatalf("exit 2: %v", err)
		}
	})
	t.Run("a corrupt layer fails naming it", func(t *testing.T) {
		dir := imagetest.WriteLayout(t, leaky)
		layers, err := leaky.Layers()
		if err != nil {
			t.Fatal(err)
		}
		d, err := layers[1].Digest()
		if err != nil {
			t.Fatal(err)
		}
		blob := filepath.Join(dir, "blobs", "sha256", d.Hex)
		b, err := os.ReadFile(blob)
		if err != nil {
			t.Fatal(err)
		}
		b[len(b)/2] ^= 0xff
		if err := os.WriteFile(blob, b, 0o644); err != nil {
			t.Fatal(err)
		}
		app, out, _ := imageApp(t)
		root := Root(app)
		root.SetArgs([]string{"scan", "--image", dir, "--format", "json"})
		err = root.ExecuteContext(context.Background())
		if ExitCode(err) != 2 || !strings.Contains(err.Error(), "layer 1 (sha256:"+d.Hex[:12]+")") {
			t.Fatalf("exit %d: %v", ExitCode(err), err)
		}
		if out.Len() != 0 {
			t.Errorf("a report was written from an unverified image:\n%s", out)
		}
	})
	t.Run("config checks with their history step and layer", func(t *testing.T) {
		app, out, _ := imageApp(t)
		root := Root(app)
		piped := imagetest.Image(t, "amd64",
			imagetest.Step{Layer: imagetest.Layer(t, imagetest.File{Name: "etc/hostname", Body: "x\n"}), CreatedBy: "ADD rootfs.tar /"},
			imagetest.Step{CreatedBy: `CMD ["bash"]`},
			imagetest.Step{Layer: imagetest.Layer(t, imagetest.File{Name: "usr/local/bin/tool", Body: "#!/bin/sh\n"}),
				CreatedBy: "RUN /bin/sh -c curl -fsSL https://get.example.com | sh # buildkit"})
		root.SetArgs([]string{"scan", "--image", imagetest.WriteLayout(t, piped), "--format", "json", "--scanners", "config"})
		err := root.ExecuteContext(context.Background())
		r := jsonRun(t, out.String())
		var got []string
		for _, f := range r.Findings {
			l := "-"
			if f.Location.Layer != nil {
				l = fmt.Sprint(f.Location.Layer.Index)
			}
			got = append(got, f.Scanner+" "+f.RuleID+" "+f.Location.Path+" "+l)
		}
		want := []string{"config docker-root-user config.User -", "config docker-no-healthcheck config.Healthcheck -",
			"config docker-pipe-to-shell history[2] 1"}
		if diff := cmp.Diff(want, got, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
			t.Errorf("config findings (-want +got):\n%s", diff)
		}
		if ExitCode(err) == 2 {
			t.Errorf("exit 2: %v", err)
		}
	})
	t.Run("iac does not apply", func(t *testing.T) {
		app, _, _ := imageApp(t)
		root := Root(app)
		root.SetArgs([]string{"scan", "--image", imagetest.WriteLayout(t, clean), "--scanners", "iac"})
		err := root.ExecuteContext(context.Background())
		if ExitCode(err) != 2 || !strings.Contains(err.Error(), "does not apply to a container image") {
			t.Fatalf("err = %v", err)
		}
	})
}

// shortOf is the short digest of layer i of the scanned image, from the report.
func shortOf(t *testing.T, r report.Run, i int) string {
	t.Helper()
	for _, f := range r.Findings {
		if l := f.Location.Layer; l != nil && l.Index == i {
			return strings.TrimPrefix(l.Digest, "sha256:")[:12]
		}
	}
	t.Fatalf("no finding in layer %d", i)
	return ""
}

// TestScanImageRegistry pushes the test image to a real docker-registry on loopback (plain HTTP,
// named with --insecure-registry) and scans it by tag: the same findings as its archive, and
// the report names the image by its digest.
func TestScanImageRegistry(t *testing.T) {
	reg := imagetest.StartRegistry(t, imagetest.RegistryOptions{})
	img := imagetest.Image(t, runtime.GOARCH,
		debianBase(t),
		imagetest.Step{CreatedBy: `CMD ["bash"]`},
		imagetest.Step{Layer: imagetest.Layer(t, imagetest.File{Name: "app/.env", Body: "DATABASE_URL=" + testToken + "\n"}), CreatedBy: "COPY .env /app/"},
	)
	ref := reg.Host + "/team/app:1.0"
	r, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, img); err != nil {
		t.Fatalf("push: %v", err)
	}
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	scanJSON := func(args ...string) report.Run {
		t.Helper()
		app, out, _ := imageApp(t)
		root := Root(app)
		root.SetArgs(append([]string{"scan", "--format", "json"}, args...))
		if err := root.ExecuteContext(context.Background()); ExitCode(err) != 1 {
			t.Fatalf("exit %d: %v", ExitCode(err), err)
		}
		return jsonRun(t, out.String())
	}
	pulled := scanJSON("--image", ref, "--insecure-registry", reg.Host)
	local := scanJSON("--image", imagetest.WriteDockerArchive(t, img))
	key := func(run report.Run) []string {
		var out []string
		for _, f := range run.Findings {
			l := f.Location.Layer
			if l == nil {
				l = &finding.Layer{Index: -1}
			}
			out = append(out, fmt.Sprintf("%s %s %s layer %d %s", f.RuleID, f.Location.Path, f.Fingerprint, l.Index, l.Digest))
		}
		return out
	}
	if diff := cmp.Diff(key(local), key(pulled)); diff != "" {
		t.Errorf("registry vs archive findings (-archive +registry):\n%s", diff)
	}
	want, _ := img.Digest()
	if pulled.Image == nil || pulled.Image.Digest != want.String() || pulled.Target != reg.Host+"/team/app@"+want.String() {
		t.Errorf("target %q, image %+v; want the digest %s", pulled.Target, pulled.Image, want)
	}
}

// TestSBOMImageInstalled: sbom --image reads the image as an installed system — the dpkg
// database's packages are components, each with its layer.
func TestSBOMImageInstalled(t *testing.T) {
	img := imagetest.Image(t, "amd64", debianBase(t))
	app, out, _ := imageApp(t)
	root := Root(app)
	root.SetArgs([]string{"sbom", "--image", imagetest.WriteLayout(t, img)})
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	var bom struct {
		Components []struct {
			Name       string
			PURL       string
			Properties []struct{ Name, Value string }
		}
	}
	if err := json.Unmarshal(out.Bytes(), &bom); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range bom.Components {
		if c.Name != "zlib1g" || !strings.HasPrefix(c.PURL, "pkg:deb/debian/zlib1g@") {
			continue
		}
		found = true
		if !slices.ContainsFunc(c.Properties, func(p struct{ Name, Value string }) bool { return p.Name == "palisade:layer:index" && p.Value == "0" }) {
			t.Errorf("zlib1g has no layer property: %+v", c.Properties)
		}
	}
	if !found {
		t.Errorf("no zlib1g component in:\n%.2000s", out)
	}
}
