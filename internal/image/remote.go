package image

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/palisade-sec/palisade/internal/errkind"
)

// responseHeaderTimeout bounds how long a registry may take to start answering one request, so
// a registry that accepts a connection and stalls fails the pull even without a deadline on ctx.
const responseHeaderTimeout = 60 * time.Second

// Pull resolves a registry reference ("host/repo:tag", "host/repo@sha256:…") once and returns
// the image for the platform, fetched by digest from then on. Credentials come from
// opts.Keychain (the docker config by default: basic auth, bearer tokens, credential helpers).
// Layers are not downloaded here but streamed by Walk.
func Pull(ctx context.Context, ref string, opts Options) (*Image, error) {
	r, err := name.ParseReference(ref, name.StrictValidation)
	if err != nil {
		return nil, errkind.Wrap(errkind.Invalid, fmt.Errorf("image reference %q: %w", ref, err))
	}
	host := r.Context().RegistryStr()
	insecure := slices.Contains(opts.InsecureRegistries, host)
	if insecure {
		if r, err = name.ParseReference(ref, name.StrictValidation, name.Insecure); err != nil {
			return nil, errkind.Wrap(errkind.Invalid, fmt.Errorf("image reference %q: %w", ref, err))
		}
	}
	kc, rt := registryClient(opts)
	p, err := remote.NewPuller(remote.WithAuthFromKeychain(kc), remote.WithTransport(rt))
	if err != nil {
		return nil, err
	}
	img, err := pull(ctx, p, r, opts)
	if err != nil {
		return nil, registryError(fmt.Errorf("pull %s: %w", ref, err))
	}
	img.Name = ref
	return img, nil
}

// registryClient is the keychain and transport every registry request goes through: the
// caller's or the defaults, always behind the schemeGuard.
func registryClient(opts Options) (authn.Keychain, http.RoundTripper) {
	kc := opts.Keychain
	if kc == nil {
		kc = authn.DefaultKeychain
	}
	rt := opts.Transport
	if rt == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.ResponseHeaderTimeout = responseHeaderTimeout
		rt = t
	}
	return kc, &schemeGuard{next: rt, insecure: opts.InsecureRegistries}
}

func pull(ctx context.Context, p *remote.Puller, r name.Reference, opts Options) (*Image, error) {
	desc, err := p.Get(ctx, r) // the one resolution of a tag
	if err != nil {
		return nil, err
	}
	repo := r.Context()
	rawTop, err := readVerified(strings.NewReader(string(desc.Manifest)), desc.Digest.String(), maxManifestBytes)
	if err != nil {
		return nil, err
	}
	indexDigest := ""
	manifestDigest, rawManifest := desc.Digest.String(), rawTop
	if isIndex(desc.MediaType) {
		idx, err := parseIndex(rawTop, "index "+desc.Digest.String())
		if err != nil {
			return nil, err
		}
		load := func(d v1.Descriptor) ([]byte, error) { return fetchManifest(ctx, p, repo, d.Digest.String()) }
		chosen, inner, err := chooseManifest(idx.Manifests, opts.Platform, load)
		if err != nil {
			return nil, err
		}
		indexDigest = first(inner, desc.Digest.String())
		manifestDigest = chosen.Digest.String()
		if rawManifest, err = load(chosen); err != nil {
			return nil, err
		}
	}
	img, err := fromManifest(rawManifest, manifestDigest, func(d string) ([]byte, error) {
		return fetchBlob(ctx, p, repo, d, maxConfigBytes)
	})
	if err != nil {
		return nil, err
	}
	img.IndexDigest = indexDigest
	img.Reference = repo.Digest(manifestDigest).String()
	if err := checkPlatform(img, opts.Platform); err != nil {
		return nil, err
	}
	if n, ok := baseFromRegistry(ctx, p, img, repo.Registry, opts); ok {
		markBase(img, n, "annotation")
	}
	for i := range img.Layers {
		d := repo.Digest(img.Layers[i].Digest)
		img.blobs = append(img.blobs, blobOpener{digestKnown: true, open: func(ctx context.Context) (io.ReadCloser, error) {
			l, err := p.Layer(ctx, d)
			if err != nil {
				return nil, registryError(err)
			}
			rc, err := l.Compressed()
			if err != nil {
				var te *transport.Error
				if errors.As(err, &te) && te.StatusCode == http.StatusNotFound {
					err = fmt.Errorf("%w: %w", ErrMissingBlob, err)
				}
				return nil, registryError(err)
			}
			return rc, nil
		}})
	}
	return img, nil
}

func fetchManifest(ctx context.Context, p *remote.Puller, repo name.Repository, digest string) ([]byte, error) {
	if _, err := digestHex(digest); err != nil {
		return nil, err
	}
	d, err := p.Get(ctx, repo.Digest(digest))
	if err != nil {
		return nil, err
	}
	return readVerified(strings.NewReader(string(d.Manifest)), digest, maxManifestBytes)
}

func fetchBlob(ctx context.Context, p *remote.Puller, repo name.Repository, digest string, max int64) ([]byte, error) {
	if _, err := digestHex(digest); err != nil {
		return nil, err
	}
	l, err := p.Layer(ctx, repo.Digest(digest))
	if err != nil {
		return nil, err
	}
	rc, err := l.Compressed()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return readVerified(rc, digest, max)
}

// registryError gives a registry's answer its error kind: refused credentials are Denied, an
// unknown repository, tag or blob NotFound.
func registryError(err error) error {
	var te *transport.Error
	if errors.As(err, &te) {
		switch te.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden:
			return errkind.Wrap(errkind.Denied, err)
		case http.StatusNotFound:
			return errkind.Wrap(errkind.NotFound, err)
		}
	}
	return err
}

// schemeGuard refuses plain-HTTP requests to any host not named insecure. The registry client
// tries plain HTTP by itself for loopback and private addresses; this is where that stops.
type schemeGuard struct {
	next     http.RoundTripper
	insecure []string
}

func (g *schemeGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "https" && !slices.Contains(g.insecure, req.URL.Host) {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, fmt.Errorf("refusing plain HTTP to %s: name it as an insecure registry to allow it", req.URL.Host)
	}
	resp, err := g.next.RoundTrip(req)
	if err == nil {
		resp.Body = newIdleBody(resp.Body, bodyIdleTimeout)
	}
	return resp, err
}

// bodyIdleTimeout bounds how long a registry may keep a response body open without sending a
// byte: a blob download that stalls midway fails instead of hanging a pipeline.
const bodyIdleTimeout = 60 * time.Second

// idleBody closes a response body that sends nothing for idle while it is being read. The clock
// runs only inside Read, so a slow consumer (a long Visit) is never mistaken for a stall.
type idleBody struct {
	rc       io.ReadCloser
	idle     time.Duration
	t        *time.Timer
	timedOut atomic.Bool
}

func newIdleBody(rc io.ReadCloser, idle time.Duration) *idleBody {
	b := &idleBody{rc: rc, idle: idle}
	b.t = time.AfterFunc(idle, func() {
		b.timedOut.Store(true)
		rc.Close()
	})
	b.t.Stop()
	return b
}

func (b *idleBody) Read(p []byte) (int, error) {
	b.t.Reset(b.idle)
	n, err := b.rc.Read(p)
	b.t.Stop()
	if b.timedOut.Load() {
		return n, fmt.Errorf("the registry sent nothing for %v", b.idle)
	}
	return n, err
}

func (b *idleBody) Close() error {
	b.t.Stop()
	return b.rc.Close()
}

// baseFromRegistry counts the base image's layers exactly when the image names its base by the
// OCI annotations: it fetches the base's manifest and config (by digest, for the image's
// platform) and checks that the image's bottom diffIDs are the base's. Anything short of that —
// the base unreachable, refused, or not a prefix of the image — leaves the history's answer.
//
// Only a base on the image's own registry is fetched: an annotation is input from the image, and
// must not make the scanner send requests (with whatever credentials it holds for that host) to a
// host the user did not name.
func baseFromRegistry(ctx context.Context, p *remote.Puller, img *Image, registry name.Registry, opts Options) (int, bool) {
	if img.Base.Name == "" || img.Base.Digest == "" {
		return 0, false
	}
	nameOpts := []name.Option{name.StrictValidation}
	r, err := name.ParseReference(img.Base.Name, nameOpts...)
	if err != nil || r.Context().RegistryStr() != registry.RegistryStr() {
		return 0, false
	}
	if slices.Contains(opts.InsecureRegistries, r.Context().RegistryStr()) {
		if r, err = name.ParseReference(img.Base.Name, append(nameOpts, name.Insecure)...); err != nil {
			return 0, false
		}
	}
	repo := r.Context()
	load := func(d v1.Descriptor) ([]byte, error) { return fetchManifest(ctx, p, repo, d.Digest.String()) }
	raw, err := fetchManifest(ctx, p, repo, img.Base.Digest)
	if err != nil {
		return 0, false
	}
	manifestDigest := img.Base.Digest
	if idx, err := parseIndex(raw, "base"); err == nil && len(idx.Manifests) > 0 {
		d, _, err := chooseManifest(idx.Manifests, img.Platform, load)
		if err != nil {
			return 0, false
		}
		if raw, err = load(d); err != nil {
			return 0, false
		}
		manifestDigest = d.Digest.String()
	}
	base, err := fromManifest(raw, manifestDigest, func(d string) ([]byte, error) { return fetchBlob(ctx, p, repo, d, maxConfigBytes) })
	if err != nil || len(base.Layers) == 0 || len(base.Layers) > len(img.Layers) {
		return 0, false
	}
	for i, l := range base.Layers {
		if l.DiffID != img.Layers[i].DiffID {
			return 0, false
		}
	}
	return len(base.Layers), true
}
