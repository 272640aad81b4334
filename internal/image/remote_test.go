package image_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/palisade-sec/palisade/internal/errkind"
	"github.com/palisade-sec/palisade/internal/image"
	"github.com/palisade-sec/palisade/internal/image/imagetest"
)

func push(t *testing.T, ref string, img v1.Image, auth authn.Authenticator, rt http.RoundTripper) {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, img, remote.WithAuth(auth), remote.WithTransport(rt)); err != nil {
		t.Fatalf("push %s: %v", ref, err)
	}
}

// TestPullTLSBasicAuth pushes the real image to docker-registry over TLS with basic auth and
// pulls it by tag with credentials from a docker config: same digest, same walk.
func TestPullTLSBasicAuth(t *testing.T) {
	reg := imagetest.StartRegistry(t, imagetest.RegistryOptions{TLS: true, Basic: true})
	img, final := realImage(t)
	ref := reg.Host + "/team/app:1.0"
	push(t, ref, img, &authn.Basic{Username: reg.User, Password: reg.Password}, reg.CA.Transport())
	wantDigest, _ := img.Digest()

	t.Run("no credentials", func(t *testing.T) {
		imagetest.DockerConfig(t, "other.example:5000", "x", "y")
		_, err := image.Pull(context.Background(), ref, image.Options{Transport: reg.CA.Transport()})
		if err == nil || errkind.Of(err) != errkind.Denied {
			t.Fatalf("Pull without credentials: %v (kind %v), want a Denied error", err, errkind.Of(err))
		}
	})
	t.Run("docker config", func(t *testing.T) {
		imagetest.DockerConfig(t, reg.Host, reg.User, reg.Password)
		im, err := image.Pull(context.Background(), ref, image.Options{Transport: reg.CA.Transport()})
		if err != nil {
			t.Fatalf("Pull: %v", err)
		}
		defer im.Close()
		if im.Digest != wantDigest.String() || im.Reference != reg.Host+"/team/app@"+wantDigest.String() {
			t.Errorf("Digest %q Reference %q, want %s", im.Digest, im.Reference, wantDigest)
		}
		checkLayers(t, im)
		if diff := cmp.Diff(wantWalk(final), walkImage(t, im)); diff != "" {
			t.Errorf("walk (-want +got):\n%s", diff)
		}
	})
	t.Run("credential helper", func(t *testing.T) {
		// A docker-credential-* helper on PATH, named by credHelpers, as docker login sets up.
		dir := t.TempDir()
		helper := fmt.Sprintf("#!/bin/sh\nread server\nprintf '{\"ServerURL\":\"%%s\",\"Username\":\"%s\",\"Secret\":\"%s\"}' \"$server\"\n", reg.User, reg.Password)
		if err := os.WriteFile(filepath.Join(dir, "docker-credential-palisadetest"), []byte(helper), 0o755); err != nil {
			t.Fatal(err)
		}
		t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
		cfg := t.TempDir()
		os.WriteFile(filepath.Join(cfg, "config.json"), fmt.Appendf(nil, `{"credHelpers": {%q: "palisadetest"}}`, reg.Host), 0o600)
		t.Setenv("DOCKER_CONFIG", cfg)
		im, err := image.Pull(context.Background(), ref, image.Options{Transport: reg.CA.Transport()})
		if err != nil {
			t.Fatalf("Pull with a credential helper: %v", err)
		}
		if im.Digest != wantDigest.String() {
			t.Errorf("Digest = %s, want %s", im.Digest, wantDigest)
		}
	})
	t.Run("untrusted certificate", func(t *testing.T) {
		imagetest.DockerConfig(t, reg.Host, reg.User, reg.Password)
		_, err := image.Pull(context.Background(), ref, image.Options{})
		if err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("Pull with the system roots: %v, want a certificate error", err)
		}
	})
}

// TestPullPlatform pulls from a multi-arch index by platform, and names the platforms the index
// has when the one asked for is not among them.
func TestPullPlatform(t *testing.T) {
	reg := imagetest.StartRegistry(t, imagetest.RegistryOptions{TLS: true, Basic: true})
	amd := imagetest.Image(t, "amd64", imagetest.Step{Layer: imagetest.Layer(t, imagetest.File{Name: "arch", Body: "amd64"}), CreatedBy: "ADD arch"})
	arm := imagetest.Image(t, "arm64", imagetest.Step{Layer: imagetest.Layer(t, imagetest.File{Name: "arch", Body: "arm64"}), CreatedBy: "ADD arch"})
	idx := imagetest.Index(t, amd, arm)
	r, _ := name.ParseReference(reg.Host + "/multi/app:latest")
	if err := remote.WriteIndex(r, idx, remote.WithAuth(&authn.Basic{Username: reg.User, Password: reg.Password}),
		remote.WithTransport(reg.CA.Transport())); err != nil {
		t.Fatal(err)
	}
	imagetest.DockerConfig(t, reg.Host, reg.User, reg.Password)
	idxDigest, _ := idx.Digest()
	armDigest, _ := arm.Digest()
	im, err := image.Pull(context.Background(), r.String(), image.Options{Platform: "linux/arm64", Transport: reg.CA.Transport()})
	if err != nil {
		t.Fatalf("Pull linux/arm64: %v", err)
	}
	if im.Digest != armDigest.String() || im.IndexDigest != idxDigest.String() || im.Platform != "linux/arm64" {
		t.Errorf("got digest %s index %s platform %s, want %s from %s", im.Digest, im.IndexDigest, im.Platform, armDigest, idxDigest)
	}
	_, err = image.Pull(context.Background(), r.String(), image.Options{Platform: "linux/s390x", Transport: reg.CA.Transport()})
	if !errors.Is(err, image.ErrPlatform) || !strings.Contains(err.Error(), "linux/amd64, linux/arm64") {
		t.Errorf("Pull linux/s390x: %v, want the platforms listed", err)
	}
	// The same index as an OCI layout chooses the same way.
	lim, err := image.OpenLayout(imagetest.WriteLayoutIndex(t, idx), image.Options{Platform: "linux/arm64"})
	if err != nil || lim.Digest != armDigest.String() {
		t.Errorf("OpenLayout linux/arm64: %v, digest %v", err, lim)
	}
}

// TestPullToken runs the bearer-token flow against docker-registry configured for token auth,
// with a token server on loopback: credentials go to the token server, the token to the registry.
func TestPullToken(t *testing.T) {
	ca := imagetest.NewCA(t, t.TempDir())
	ts := imagetest.StartTokenServer(t, ca)
	reg := imagetest.StartRegistry(t, imagetest.RegistryOptions{TLS: true, CA: ca,
		Token: &imagetest.TokenAuth{Realm: ts.URL, Service: ts.Service, Issuer: ts.Issuer}})
	img := imagetest.Image(t, "amd64", imagetest.Step{Layer: imagetest.Layer(t, imagetest.File{Name: "etc/hostname", Body: "token\n"}), CreatedBy: "ADD hostname"})
	ref := reg.Host + "/tok/app:v1"
	push(t, ref, img, &authn.Basic{Username: ts.User, Password: ts.Password}, ca.Transport())

	imagetest.DockerConfig(t, reg.Host, ts.User, ts.Password)
	im, err := image.Pull(context.Background(), ref, image.Options{Transport: ca.Transport()})
	if err != nil {
		t.Fatalf("Pull with a token: %v", err)
	}
	want, _ := img.Digest()
	if im.Digest != want.String() {
		t.Errorf("Digest = %s, want %s", im.Digest, want)
	}
	if err := im.Walk(context.Background(), image.WalkOptions{}, func(*image.Tree) error { return nil }); err != nil {
		t.Errorf("Walk: %v", err)
	}
	imagetest.DockerConfig(t, reg.Host, ts.User, "wrong")
	before := ts.Refusals.Load()
	_, err = image.Pull(context.Background(), ref, image.Options{Transport: ca.Transport()})
	if errkind.Of(err) != errkind.Denied || ts.Refusals.Load() == before {
		t.Errorf("Pull with a wrong password: %v (kind %v), want Denied by the token server", err, errkind.Of(err))
	}
}

// TestPlainHTTPOnlyWhenNamed: a registry on loopback over plain HTTP is refused unless its host
// is named insecure, though the registry client itself would try HTTP for loopback.
func TestPlainHTTPOnlyWhenNamed(t *testing.T) {
	reg := imagetest.StartRegistry(t, imagetest.RegistryOptions{})
	img := imagetest.Image(t, "amd64", imagetest.Step{Layer: imagetest.Layer(t, imagetest.File{Name: "a", Body: "a"}), CreatedBy: "ADD a"})
	ref := reg.Host + "/plain/app:1"
	r, _ := name.ParseReference(ref, name.Insecure)
	if err := remote.Write(r, img); err != nil {
		t.Fatal(err)
	}
	imagetest.DockerConfig(t, "none.example", "x", "y")
	_, err := image.Pull(context.Background(), ref, image.Options{})
	if err == nil || !strings.Contains(err.Error(), "refusing plain HTTP") {
		t.Fatalf("Pull over HTTP, host not named: %v, want a refusal", err)
	}
	im, err := image.Pull(context.Background(), ref, image.Options{InsecureRegistries: []string{reg.Host}})
	if err != nil {
		t.Fatalf("Pull over HTTP, host named: %v", err)
	}
	if err := im.Walk(context.Background(), image.WalkOptions{}, func(*image.Tree) error { return nil }); err != nil {
		t.Errorf("Walk: %v", err)
	}
}

// TestRegistryLoops401: a registry that answers 401 to every request, even with a fresh token
// from a token server that always gives one, fails the pull after a bounded number of requests.
func TestRegistryLoops401(t *testing.T) {
	var requests, tokens atomic.Int64
	mux := http.NewServeMux()
	ca := imagetest.NewCA(t, t.TempDir())
	srv := ca.StartTLSServer(t, mux)
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		tokens.Add(1)
		fmt.Fprint(w, `{"token": "t0k3n"}`)
	})
	mux.HandleFunc("/v2/", func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="%s/token",service="loop"`, strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)))
		w.WriteHeader(http.StatusUnauthorized)
	})
	host := strings.TrimPrefix(srv.URL, "https://")
	imagetest.DockerConfig(t, host, "u", "p")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := image.Pull(ctx, host+"/loop/app:1", image.Options{Transport: ca.Transport()})
	if err == nil || errkind.Of(err) != errkind.Denied {
		t.Fatalf("Pull: %v (kind %v), want Denied", err, errkind.Of(err))
	}
	if tokens.Load() == 0 {
		t.Error("no token was asked for: the bearer flow did not run")
	}
	if n := requests.Load(); n > 10 {
		t.Errorf("%d requests: the client looped on 401", n)
	}
}

// TestRegistryStalls: a registry that accepts the connection and never answers fails the pull
// when the caller's deadline passes, instead of hanging.
func TestRegistryStalls(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { <-done; c.Close() }()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	_, err = image.Pull(ctx, l.Addr().String()+"/stall/app:1", image.Options{})
	if err == nil {
		t.Fatal("Pull from a stalling registry succeeded")
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("Pull took %v: not bounded by the context", d)
	}
}

// TestPullBaseAnnotation: an image that names its base by the OCI annotations gets its base
// layers counted exactly from the base fetched from the registry (its history alone has no
// boundary to go by); a named base whose layers are not the image's bottom layers is not believed.
func TestPullBaseAnnotation(t *testing.T) {
	reg := imagetest.StartRegistry(t, imagetest.RegistryOptions{TLS: true, Basic: true})
	auth := &authn.Basic{Username: reg.User, Password: reg.Password}
	l0 := imagetest.Layer(t, imagetest.File{Name: "etc/os-release", Body: "ID=distroless\n"})
	l1 := imagetest.Layer(t, imagetest.File{Name: "etc/ssl/certs/ca.pem", Body: "certs\n"})
	own := imagetest.Layer(t, imagetest.File{Name: "app", Body: "app"})
	baseSteps := []imagetest.Step{{Layer: l0, CreatedBy: "bazel build"}, {Layer: l1, CreatedBy: "bazel build"}}
	base := imagetest.Image(t, "amd64", baseSteps...)
	other := imagetest.Image(t, "amd64", imagetest.Step{Layer: imagetest.Layer(t, imagetest.File{Name: "x", Body: "x"}), CreatedBy: "other"})
	push(t, reg.Host+"/base/static:nonroot", base, auth, reg.CA.Transport())
	push(t, reg.Host+"/base/other:1", other, auth, reg.CA.Transport())
	baseDigest, _ := base.Digest()
	otherDigest, _ := other.Digest()
	cfg := t.TempDir()
	auth64 := base64.StdEncoding.EncodeToString([]byte(reg.User + ":" + reg.Password))
	os.WriteFile(filepath.Join(cfg, "config.json"), fmt.Appendf(nil, `{"auths": {%q: {"auth": %q}, %q: {"auth": %q}}}`,
		reg.Host, auth64, strings.Replace(reg.Host, "127.0.0.1", "localhost", 1), auth64), 0o600)
	t.Setenv("DOCKER_CONFIG", cfg)

	tests := []struct {
		name, baseName, baseDigest string
		wantBy                     string
		wantLayers                 int
	}{
		{"the named base is the image's bottom", reg.Host + "/base/static:nonroot", baseDigest.String(), "annotation", 2},
		{"the named base is another image", reg.Host + "/base/other:1", otherDigest.String(), "", 0},
		// The same registry under another name, with credentials for it: reachable, but not named by the user.
		{"the named base is on another registry", strings.Replace(reg.Host, "127.0.0.1", "localhost", 1) + "/base/static:nonroot", baseDigest.String(), "", 0},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := imagetest.Image(t, "amd64", append(baseSteps, imagetest.Step{Layer: own, CreatedBy: "COPY app /"})...)
			app = mutate.Annotations(app, map[string]string{image.AnnotationBaseName: tt.baseName, image.AnnotationBaseDigest: tt.baseDigest}).(v1.Image)
			ref := fmt.Sprintf("%s/team/app:%d", reg.Host, i)
			push(t, ref, app, auth, reg.CA.Transport())
			im, err := image.Pull(context.Background(), ref, image.Options{Transport: reg.CA.Transport()})
			if err != nil {
				t.Fatal(err)
			}
			var base []bool
			for _, l := range im.Layers {
				base = append(base, l.Base)
			}
			want := []bool{tt.wantLayers > 0, tt.wantLayers > 1, false}
			if im.Base.By != tt.wantBy || im.Base.Layers != tt.wantLayers || !slices.Equal(base, want) || im.Base.Name != tt.baseName {
				t.Errorf("Base %+v, layers base %v; want by %q, %d layers", im.Base, base, tt.wantBy, tt.wantLayers)
			}
		})
	}
}

// TestListTags lists a repository's tags from the real registry over TLS with basic auth, and
// through a front that paginates the same list as the distribution spec says (Debian's
// docker-registry 2.8 answers every tag in one page, whatever n asks): every page followed by
// its Link, a next page on another host refused, and a list over the tag or byte limit refused
// with an error naming the limit.
func TestListTags(t *testing.T) {
	reg := imagetest.StartRegistry(t, imagetest.RegistryOptions{TLS: true, Basic: true})
	img := imagetest.Image(t, "amd64", imagetest.Step{Layer: imagetest.Layer(t, imagetest.File{Name: "a", Body: "a"}), CreatedBy: "ADD a"})
	want := []string{"1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "latest"}
	for _, tag := range want {
		push(t, reg.Host+"/library/debian:"+tag, img, &authn.Basic{Username: reg.User, Password: reg.Password}, reg.CA.Transport())
	}
	imagetest.DockerConfig(t, reg.Host, reg.User, reg.Password)
	opts := func(l image.TagLimits) image.Options {
		return image.Options{Transport: reg.CA.Transport(), TagLimits: l}
	}
	sorted := func(tags []string) []string { slices.Sort(tags); return tags }
	t.Run("one page", func(t *testing.T) {
		got, err := image.ListTags(context.Background(), reg.Host+"/library/debian", opts(image.TagLimits{}))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, sorted(got)); diff != "" {
			t.Errorf("tags (-want +got):\n%s", diff)
		}
	})
	var pages atomic.Int32
	front := imagetest.PaginatingFront(t, reg, &pages, "")
	t.Run("pages", func(t *testing.T) {
		imagetest.DockerConfig(t, front, reg.User, reg.Password)
		got, err := image.ListTags(context.Background(), front+"/library/debian", opts(image.TagLimits{PageSize: 2}))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, sorted(got)); diff != "" {
			t.Errorf("tags (-want +got):\n%s", diff)
		}
		if pages.Load() != 4 {
			t.Errorf("%d pages read, want 4 of 2 tags", pages.Load())
		}
	})
	t.Run("too many tags", func(t *testing.T) {
		imagetest.DockerConfig(t, front, reg.User, reg.Password)
		_, err := image.ListTags(context.Background(), front+"/library/debian", opts(image.TagLimits{PageSize: 2, Tags: 5}))
		if !errors.Is(err, image.ErrTooLarge) || !strings.Contains(err.Error(), "list the tags of "+front+"/library/debian: page 3: more than 5 tags") {
			t.Fatalf("ListTags over the tag limit: %v", err)
		}
	})
	t.Run("too many pages", func(t *testing.T) {
		imagetest.DockerConfig(t, front, reg.User, reg.Password)
		_, err := image.ListTags(context.Background(), front+"/library/debian", opts(image.TagLimits{PageSize: 2, Pages: 3}))
		if !errors.Is(err, image.ErrTooLarge) || !strings.Contains(err.Error(), "list the tags of "+front+"/library/debian: more than 3 pages") {
			t.Fatalf("ListTags over the page limit: %v", err)
		}
	})
	t.Run("too many bytes", func(t *testing.T) {
		_, err := image.ListTags(context.Background(), reg.Host+"/library/debian", opts(image.TagLimits{Bytes: 40}))
		if !errors.Is(err, image.ErrTooLarge) || !strings.Contains(err.Error(), "page 1: the tag list is over 40 bytes") {
			t.Fatalf("ListTags over the byte limit: %v", err)
		}
	})
	t.Run("next page elsewhere", func(t *testing.T) {
		evil := imagetest.PaginatingFront(t, reg, nil, "https://127.0.0.2:1")
		imagetest.DockerConfig(t, evil, reg.User, reg.Password)
		_, err := image.ListTags(context.Background(), evil+"/library/debian", opts(image.TagLimits{PageSize: 2}))
		if err == nil || !strings.Contains(err.Error(), "page 1: link header") || !strings.Contains(err.Error(), "the next page is on 127.0.0.2:1, not on the registry "+evil) {
			t.Fatalf("ListTags with a Link to another host: %v", err)
		}
	})
	t.Run("unknown repository", func(t *testing.T) {
		_, err := image.ListTags(context.Background(), reg.Host+"/library/nothing", opts(image.TagLimits{}))
		if errkind.Of(err) != errkind.NotFound {
			t.Fatalf("ListTags of an unknown repository: %v (kind %v), want NotFound", err, errkind.Of(err))
		}
	})
	t.Run("no credentials", func(t *testing.T) {
		imagetest.DockerConfig(t, "other.example:5000", "x", "y")
		_, err := image.ListTags(context.Background(), reg.Host+"/library/debian", opts(image.TagLimits{}))
		if errkind.Of(err) != errkind.Denied {
			t.Fatalf("ListTags without credentials: %v (kind %v), want Denied", err, errkind.Of(err))
		}
	})
}
