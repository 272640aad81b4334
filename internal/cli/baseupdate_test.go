package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/image"
	"github.com/palisade-sec/palisade/internal/image/imagetest"
	"github.com/palisade-sec/palisade/internal/report"
	"github.com/palisade-sec/palisade/internal/vulndb/vulndbtest"
)

// baseRecords are three Debian 12 advisories of the test bases' packages, rated Moderate (medium:
// below the default gate, so exit codes here are the problems').
func baseRecords() vulndbtest.Records {
	rec := func(id, source, fixed string) string {
		return fmt.Sprintf(`{"schema_version": "1.7.3", "id": %q, "modified": "2026-11-01T00:00:00Z", "summary": "%s - test record",
  "affected": [{"package": {"name": %q, "ecosystem": "Debian:12", "purl": "pkg:deb/debian/%s?arch=source"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": %q}]}],
    "ecosystem_specific": {"severity": "Moderate"}}]}`, id, source, source, source, fixed)
	}
	recs := vulndbtest.Records{}
	recs.Add("Debian", map[string]string{
		"PALISADE-TEST-BASE-0001.json": rec("PALISADE-TEST-BASE-0001", "openssl", "3.0.15-1~deb12u1"),
		"PALISADE-TEST-BASE-0002.json": rec("PALISADE-TEST-BASE-0002", "tar", "1.35+dfsg-99"),
		"PALISADE-TEST-BASE-0003.json": rec("PALISADE-TEST-BASE-0003", "zlib", "1:1.2.13.dfsg-99"),
	})
	return recs
}

// debianLayer is a Debian 12 base layer whose dpkg database holds pkgs, each "name source version".
func debianLayer(t *testing.T, pkgs ...string) imagetest.Step {
	t.Helper()
	var status strings.Builder
	for _, p := range pkgs {
		f := strings.Fields(p)
		fmt.Fprintf(&status, "Package: %s\nStatus: install ok installed\nArchitecture: amd64\nSource: %s\nVersion: %s\nDescription: test\n\n", f[0], f[1], f[2])
	}
	release := "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\nID=debian\n"
	return imagetest.Step{Layer: imagetest.Layer(t,
		imagetest.File{Name: "var/lib/dpkg/status", Body: status.String()},
		imagetest.File{Name: "etc/os-release", Body: release}), CreatedBy: "ADD rootfs.tar.xz /"}
}

// debianBaseImage is a base image of one Debian layer, ending in CMD as the official images do.
func debianBaseImage(t *testing.T, arch string, pkgs ...string) v1.Image {
	t.Helper()
	return imagetest.Image(t, arch, debianLayer(t, pkgs...), imagetest.Step{CreatedBy: `CMD ["bash"]`})
}

// foreignArch is an architecture other than this machine's: images of it are chosen from an
// index only when asked for by platform.
func foreignArch() string {
	if runtime.GOARCH == "arm64" {
		return "amd64"
	}
	return "arm64"
}

// withBaseName labels img with the OCI base-image name, as BuildKit records it.
func withBaseName(t *testing.T, img v1.Image, base string) v1.Image {
	t.Helper()
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cfg = cfg.DeepCopy()
	if cfg.Config.Labels == nil {
		cfg.Config.Labels = map[string]string{}
	}
	cfg.Config.Labels[image.AnnotationBaseName] = base
	if img, err = mutate.ConfigFile(img, cfg); err != nil {
		t.Fatal(err)
	}
	return img
}

// countingFront passes every request to the registry and counts them: what a scan sends to the
// base image's registry.
func countingFront(t *testing.T, reg *imagetest.Registry) (string, *atomic.Int32) {
	t.Helper()
	n := new(atomic.Int32)
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: reg.Host})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://"), n
}

var (
	base125 = []string{"libssl3 openssl 3.0.11-1~deb12u2", "tar tar 1.34+dfsg-1.2", "zlib1g zlib 1:1.2.13.dfsg-1"}
	// 12.6 fixes libssl3, still has the tar advisory, and no longer has zlib1g.
	base126 = []string{"libssl3 openssl 3.0.15-1~deb12u1", "tar tar 1.34+dfsg-1.2"}
	// The tags that must not be chosen for 12.5 fix everything: choosing one would show.
	fixedAll = []string{"libssl3 openssl 3.0.15-1~deb12u1"}
)

// TestScanImageCheckBaseUpdate pushes a Debian-like base as 12.5 (vulnerable libssl3, tar and
// zlib1g), 12.6 (libssl3 fixed, tar not, zlib1g gone; an index whose other platform fixes
// everything) and, fixing everything, 13.0, 12.6-slim,
// 12.7.1 and latest to a real docker-registry; the app image built on 12.5 names it as its base.
// With --check-base-update each base finding says what 12.6 does about it and the summary
// counts them; without the flag no request reaches the registry; a base without an ordered tag
// is a note; an unreachable registry is a base-update-unavailable problem that fails the gate
// unless accepted.
func TestScanImageCheckBaseUpdate(t *testing.T) {
	reg := imagetest.StartRegistry(t, imagetest.RegistryOptions{})
	front, requests := countingFront(t, reg)
	arch := foreignArch()
	pushed := map[string]v1.Image{}
	for tag, pkgs := range map[string][]string{"12.5": base125, "12.6": base126, "13.0": fixedAll, "12.6-slim": fixedAll, "12.7.1": fixedAll, "latest": fixedAll} {
		img := debianBaseImage(t, arch, pkgs...)
		r, err := name.ParseReference(reg.Host+"/library/debian:"+tag, name.Insecure)
		if err != nil {
			t.Fatal(err)
		}
		pushed[tag] = img
		if tag == "12.6" {
			// A multi-platform index, as official images are. The scanned image is of a foreign
			// platform, and the index's image for this machine's fixes everything: taking the
			// default platform instead of the scanned image's would show.
			native := debianBaseImage(t, runtime.GOARCH, fixedAll...)
			if err := remote.WriteIndex(r, imagetest.Index(t, native, img)); err != nil {
				t.Fatalf("push %s: %v", r, err)
			}
			continue
		}
		if err := remote.Write(r, img); err != nil {
			t.Fatalf("push %s: %v", r, err)
		}
	}
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	app := func(t *testing.T, base string) string {
		t.Helper()
		img := imagetest.Image(t, arch, debianLayer(t, base125...), imagetest.Step{CreatedBy: `CMD ["bash"]`},
			imagetest.Step{Layer: imagetest.Layer(t, imagetest.File{Name: "app/run.sh", Body: "#!/bin/sh\n"}), CreatedBy: "COPY run.sh /app/"})
		if base != "" {
			img = withBaseName(t, img, base)
		}
		return imagetest.WriteLayout(t, img) // read locally: every request counted is the check's
	}
	scanImage := func(t *testing.T, args ...string) (report.Run, string, error) {
		t.Helper()
		a, out, _ := imageAppWith(t, baseRecords())
		jsonPath := filepath.Join(t.TempDir(), "report.json")
		root := Root(a)
		root.SetArgs(append([]string{"scan", "--no-color", "--scanners", "deps", "--format", "json:" + jsonPath}, args...))
		err := root.ExecuteContext(context.Background())
		var r report.Run
		if b, rerr := os.ReadFile(jsonPath); rerr == nil {
			if err := json.Unmarshal(b, &r); err != nil {
				t.Fatalf("decode report: %v", err)
			}
		} else if err == nil {
			t.Fatal(rerr)
		}
		return r, out.String(), err
	}
	properties := func(r report.Run) map[string]string {
		out := map[string]string{}
		for _, f := range r.Findings {
			out[f.Properties["package"]] = f.Properties["base.update"]
		}
		return out
	}
	base := front + "/library/debian:12.5"

	t.Run("no flag no request", func(t *testing.T) {
		requests.Store(0)
		r, _, err := scanImage(t, "--image", app(t, base), "--insecure-registry", front)
		if err != nil {
			t.Fatalf("scan: %v", err)
		}
		if n := requests.Load(); n != 0 {
			t.Errorf("%d requests reached the base image's registry without --check-base-update", n)
		}
		if r.Image.BaseUpdate != nil || properties(r)["libssl3"] != "" {
			t.Errorf("base update reported without the flag: %+v", r.Image.BaseUpdate)
		}
	})

	t.Run("newer base", func(t *testing.T) {
		requests.Store(0)
		r, table, err := scanImage(t, "--image", app(t, base), "--insecure-registry", front, "--check-base-update")
		if err != nil {
			t.Fatalf("scan: %v", err)
		}
		d, _ := pushed["12.6"].Digest()
		newer := front + "/library/debian:12.6 (" + d.String()[:len("sha256:")+12] + "…) "
		want := map[string]string{
			"libssl3": newer + "fixes it: libssl3 3.0.15-1~deb12u1",
			"tar":     newer + "still has it: tar 1.34+dfsg-1.2",
			"zlib1g":  newer + "fixes it: zlib1g is not in it",
		}
		if diff := cmp.Diff(want, properties(r)); diff != "" {
			t.Errorf("base.update properties (-want +got):\n%s", diff)
		}
		wantSummary := &report.BaseUpdate{Checked: true, Base: base, Newer: front + "/library/debian:12.6", NewerDigest: d.String(), Findings: 3, Removed: 2}
		if diff := cmp.Diff(wantSummary, r.Image.BaseUpdate); diff != "" {
			t.Errorf("summary (-want +got):\n%s", diff)
		}
		if line := "newer base " + front + "/library/debian:12.6 would remove 2 of 3 base-image findings\n"; !strings.Contains(table, line) {
			t.Errorf("table lacks %q:\n%s", line, table)
		}
		if len(r.Problems) != 0 {
			t.Errorf("problems: %+v", r.Problems)
		}
		if requests.Load() == 0 {
			t.Error("no request reached the base image's registry")
		}
	})

	t.Run("environment", func(t *testing.T) {
		t.Setenv("PALISADE_IMAGE_CHECK_BASE_UPDATE", "true") // as image.check-base-update in palisade.yaml
		r, _, err := scanImage(t, "--image", app(t, base), "--insecure-registry", front)
		if err != nil {
			t.Fatalf("scan: %v", err)
		}
		if bu := r.Image.BaseUpdate; bu == nil || !bu.Checked || bu.Removed != 2 {
			t.Errorf("summary %+v, want the check made", bu)
		}
	})

	for _, tc := range []struct{ name, base, note string }{
		{"no base name", "", "not checked: the image does not name its base image (no org.opencontainers.image.base.name annotation or label)"},
		{"codename tag", front + "/library/debian:bookworm", `not checked: the base image ` + front + `/library/debian:bookworm: tag "bookworm" does not start with a version number: no version order`},
		{"latest implied", front + "/library/debian", "not checked: the base image " + front + "/library/debian names no tag (latest is implied), which has no version order"},
		{"digest only", front + "/library/debian@sha256:" + strings.Repeat("0", 64), "not checked: the base image " + front + "/library/debian@sha256:" + strings.Repeat("0", 64) + " is pinned by digest only, and a digest has no newer version"},
		{"major alone", front + "/library/debian:12", `not checked: the base image ` + front + `/library/debian:12: tag "12" is a major version alone, and a newer major is never chosen: no version order`},
		{"newest already", front + "/library/debian:12.6", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			requests.Store(0)
			r, table, err := scanImage(t, "--image", app(t, tc.base), "--insecure-registry", front, "--check-base-update")
			if err != nil {
				t.Fatalf("scan: %v (a note never fails the gate)", err)
			}
			bu := r.Image.BaseUpdate
			if tc.name == "newest already" {
				want := `no newer tag of the same line as "12.6" among the 6 tags of ` + front + "/library/debian"
				if bu == nil || bu.Checked || bu.Note != want {
					t.Errorf("summary %+v, want the note %q", bu, want)
				}
				return
			}
			if bu == nil || bu.Checked || bu.Note != tc.note {
				t.Errorf("summary %+v, want the note %q", bu, tc.note)
			}
			if !strings.Contains(table, "newer base: "+tc.note+"\n") {
				t.Errorf("table lacks the note:\n%s", table)
			}
			if n := requests.Load(); n != 0 {
				t.Errorf("%d requests for a base that cannot be checked", n)
			}
		})
	}

	t.Run("newer base partly checked", func(t *testing.T) {
		// library/broken:1.1 has a dpkg database with a malformed Source field: its packages
		// cannot all be told, so "fixes it" would be a guess. The answer stands with a problem.
		ok := debianBaseImage(t, arch, base125...)
		broken := imagetest.Image(t, arch, imagetest.Step{Layer: imagetest.Layer(t,
			imagetest.File{Name: "var/lib/dpkg/status", Body: "Package: libssl3\nStatus: install ok installed\nSource: openssl (\nVersion: 3.0.15-1~deb12u1\n\n"},
			imagetest.File{Name: "etc/os-release", Body: "ID=debian\nVERSION_ID=\"12\"\n"}), CreatedBy: "ADD rootfs.tar.xz /"},
			imagetest.Step{CreatedBy: `CMD ["bash"]`})
		for tag, img := range map[string]v1.Image{"1.0": ok, "1.1": broken} {
			r, err := name.ParseReference(reg.Host+"/library/broken:"+tag, name.Insecure)
			if err != nil {
				t.Fatal(err)
			}
			if err := remote.Write(r, img); err != nil {
				t.Fatalf("push %s: %v", r, err)
			}
		}
		r, _, err := scanImage(t, "--image", app(t, front+"/library/broken:1.0"), "--insecure-registry", front, "--check-base-update")
		if ExitCode(err) != 2 {
			t.Fatalf("exit %d (%v), want 2", ExitCode(err), err)
		}
		want := "--check-base-update: newer base " + front + "/library/broken:1.1: parse: "
		if len(r.Problems) != 1 || r.Problems[0].Kind != finding.ProblemBaseUpdate || !strings.HasPrefix(r.Problems[0].Message, want) ||
			r.Problems[0].Path != "var/lib/dpkg/status" {
			t.Errorf("problems %+v, want one base-update-unavailable starting %q", r.Problems, want)
		}
		if bu := r.Image.BaseUpdate; bu == nil || !bu.Checked {
			t.Errorf("summary %+v", bu)
		}
	})

	t.Run("registry down", func(t *testing.T) {
		down := closedPort(t)
		downBase := down + "/library/debian:12.5"
		r, _, err := scanImage(t, "--image", app(t, downBase), "--insecure-registry", down, "--check-base-update")
		if ExitCode(err) != 2 || !strings.Contains(err.Error(), "base-update-unavailable") {
			t.Fatalf("exit %d (%v), want 2 naming base-update-unavailable", ExitCode(err), err)
		}
		if len(r.Problems) != 1 || r.Problems[0].Kind != finding.ProblemBaseUpdate || r.Problems[0].Accepted ||
			!strings.Contains(r.Problems[0].Message, "--check-base-update: list the tags of "+down+"/library/debian") {
			t.Errorf("problems %+v, want one base-update-unavailable naming the repository", r.Problems)
		}
		if bu := r.Image.BaseUpdate; bu == nil || bu.Checked || bu.Findings != 3 {
			t.Errorf("summary %+v", bu)
		}
		r, _, err = scanImage(t, "--image", app(t, downBase), "--insecure-registry", down, "--check-base-update", "--accept-problems", "base-update-unavailable")
		if err != nil {
			t.Fatalf("accepted: %v", err)
		}
		if len(r.Problems) != 1 || !r.Problems[0].Accepted {
			t.Errorf("problems %+v, want it accepted", r.Problems)
		}
	})

	t.Run("plain HTTP only to insecure registries", func(t *testing.T) {
		requests.Store(0)
		r, _, err := scanImage(t, "--image", app(t, base), "--check-base-update")
		if ExitCode(err) != 2 {
			t.Fatalf("exit %d (%v), want 2", ExitCode(err), err)
		}
		if len(r.Problems) != 1 || r.Problems[0].Kind != finding.ProblemBaseUpdate {
			t.Errorf("problems %+v", r.Problems)
		}
		if n := requests.Load(); n != 0 {
			t.Errorf("%d plain-HTTP requests reached a registry not named insecure", n)
		}
	})

	t.Run("directory", func(t *testing.T) {
		_, _, err := scanImage(t, t.TempDir(), "--check-base-update")
		if err == nil || !strings.Contains(err.Error(), "--check-base-update applies to an image") {
			t.Fatalf("scan DIR --check-base-update: %v", err)
		}
	})
}

// closedPort is a loopback host:port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.NotFoundHandler())
	host := strings.TrimPrefix(srv.URL, "http://")
	srv.Close()
	return host
}
