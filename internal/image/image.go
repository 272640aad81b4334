// Package image reads container images — a `docker save` archive, an OCI image layout (directory
// or tar), an unpacked root filesystem, or a registry reference pulled over the OCI distribution
// protocol — into one Image value, and walks its layers once each to give analyzers the files they
// ask for and the layer that put each one there.
//
// Invariants, each held by a test:
//   - Digests are verified. A manifest, config or layer blob whose bytes do not hash to the digest
//     that names it is refused; a layer's uncompressed tar must hash to its diffID. A layer is
//     streamed, so its digest can only be checked at its end: when Walk returns an error, nothing
//     it produced may be used, including what Visit saw.
//   - Decompression is bounded: per layer and per image in uncompressed bytes, and per layer in
//     the ratio of uncompressed to compressed bytes (gzip bombs), with errors naming the layer.
//   - Nothing is written outside the walk's private temporary directory, and that directory is
//     removed when Walk returns. Kept files are stored there under generated names through an
//     os.Root; no name from the image becomes a name on disk, and no link is created on disk.
//   - Nothing is followed outside the image root: symlinks in the image are resolved in memory
//     against the image's own tree, with ".." clamped at the image root as a chroot would; entry
//     names that are absolute or contain "..", and hardlinks that point outside the image, are
//     refused and named.
//   - Plain HTTP is used only for registries the caller names in Options.InsecureRegistries; a
//     request over HTTP to any other host is refused, however the registry client came to try it.
//   - A tag is resolved once; the Image carries the digest it resolved to, and everything after
//     is fetched by digest.
package image

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/palisade-sec/palisade/internal/finding"
)

// Image is one container image for one platform: what it is called, its config with the build
// history, and its layers bottom first. It is opened by Open (or OpenArchive, OpenLayout,
// OpenRootFS, Pull) and must be closed.
type Image struct {
	// Name is what was opened: the path, or the registry reference as the user wrote it.
	Name string
	// Reference is the registry reference pinned by digest ("host/repo@sha256:…"); empty for local sources.
	Reference string
	// Digest is the image manifest's digest. It is empty when the source has no manifest (a legacy
	// `docker save` archive, an unpacked root filesystem).
	Digest string
	// IndexDigest is the digest of the index (multi-platform list) the manifest was chosen from, if any.
	IndexDigest string
	// ConfigDigest is the digest of the image config blob (Docker's image ID).
	ConfigDigest string
	// MediaType is the manifest's media type; "application/vnd.docker.save" for a legacy
	// `docker save` archive (which has no manifest) and "rootfs" for a root filesystem.
	MediaType string
	// Platform is the image's os/architecture[/variant], from its config.
	Platform string
	// Config is the image config: environment, user, entrypoint, labels and the build history.
	Config v1.ConfigFile
	// Annotations are the manifest's annotations (OCI base-image annotations among them).
	Annotations map[string]string
	// Base says which base image the image was built on, as far as the image tells.
	Base Base
	// Layers are the image's filesystem layers, bottom first.
	Layers []Layer

	blobs  []blobOpener // one per layer
	rootfs string       // set for an unpacked root filesystem instead of blobs
	closer io.Closer
}

// Layer is one filesystem layer of an image and the build step that made it.
type Layer struct {
	Index     int    // 0-based, bottom first
	Digest    string // the blob's digest; for a legacy `docker save` layer whose blob digest is unknown, the diffID
	DiffID    string // the digest of the uncompressed tar
	Size      int64  // the blob's size in bytes; -1 when the source does not say
	MediaType string
	CreatedBy string // the history entry's created_by, with what looks like a secret in it redacted
	Comment   string // the history entry's comment
	Base      bool   // the layer came with the base image
}

// Finding returns the layer as the finding vocabulary names it, for a finding.Location.
func (l *Layer) Finding() *finding.Layer {
	fl := &finding.Layer{Index: l.Index, DiffID: l.DiffID, CreatedBy: l.CreatedBy, Base: l.Base}
	if strings.HasPrefix(l.Digest, "sha256:") {
		fl.Digest = l.Digest
	}
	return fl
}

// String names the layer in errors and messages: "layer 2 (sha256:0123456789ab)".
func (l *Layer) String() string {
	d := l.Digest
	if d == "" {
		return fmt.Sprintf("layer %d", l.Index)
	}
	if len(d) > len("sha256:")+12 {
		d = d[:len("sha256:")+12]
	}
	return fmt.Sprintf("layer %d (%s)", l.Index, d)
}

// Close releases what the image holds open (an archive file). It is safe to call more than once.
func (img *Image) Close() error {
	if img.closer == nil {
		return nil
	}
	c := img.closer
	img.closer = nil
	return c.Close()
}

// blobOpener opens a layer's blob as stored (usually compressed). digestKnown says whether the
// blob's own digest is known and must be verified; the diffID is verified in every case.
type blobOpener struct {
	open        func(ctx context.Context) (io.ReadCloser, error)
	digestKnown bool
}

// Errors a caller may test for with errors.Is.
var (
	// ErrDigestMismatch: bytes did not hash to the digest that names them.
	ErrDigestMismatch = errors.New("digest mismatch")
	// ErrTooLarge: a decompression or size limit was reached (a gzip bomb, or an image over the limits).
	ErrTooLarge = errors.New("over the size limit")
	// ErrUnsafeEntry: a layer entry's name or link would reach outside the image root.
	ErrUnsafeEntry = errors.New("unsafe entry")
	// ErrMissingBlob: a blob the manifest names is not in the source.
	ErrMissingBlob = errors.New("missing blob")
	// ErrPlatform: the index has no image for the platform asked for, or the image is of another platform.
	ErrPlatform = errors.New("platform not in image")
)

// LayerError is an error in one layer, and in one entry of it when Entry is set.
type LayerError struct {
	Layer *Layer
	Entry string // the entry's name as the tar spells it, if the error is about one entry
	Err   error
}

// Error names the layer, the entry if any, and what went wrong.
func (e *LayerError) Error() string {
	if e.Entry != "" {
		return fmt.Sprintf("%s: entry %q: %v", e.Layer, e.Entry, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Layer, e.Err)
}

// Unwrap gives the cause, so errors.Is finds ErrDigestMismatch, ErrTooLarge and the others.
func (e *LayerError) Unwrap() error { return e.Err }
