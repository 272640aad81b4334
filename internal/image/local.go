package image

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"regexp"
	"strings"
	"sync"
	"syscall"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/palisade-sec/palisade/internal/errkind"
)

// OpenArchive opens a `docker save` archive or an OCI image layout packed in a tar (what
// `skopeo copy … oci-archive:` writes). The archive is read in place, never unpacked. When it
// holds both an OCI index and Docker's manifest.json (Docker 25 and later), the OCI index is used,
// so the image has a manifest digest.
func OpenArchive(file string, opts Options) (*Image, error) {
	t, err := openTarFS(file)
	if err != nil {
		return nil, errkind.Wrap(errkind.Invalid, err)
	}
	var img *Image
	if _, ok := t.files["index.json"]; ok {
		img, err = readLayout(t, opts)
	} else if _, ok := t.files["manifest.json"]; ok {
		img, err = readDockerArchive(t, opts)
	} else {
		err = errors.New("neither a docker save archive (no manifest.json) nor an OCI image layout (no index.json)")
	}
	if err != nil {
		t.Close()
		return nil, errkind.Wrap(errkind.Invalid, fmt.Errorf("open image archive %s: %w", file, err))
	}
	img.Name = file
	img.closer = t
	return img, nil
}

// OpenLayout opens an OCI image layout directory. Its files are read through an os.Root, so a
// symlink in the layout cannot lead outside it.
func OpenLayout(dir string, opts Options) (*Image, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, errkind.Wrap(errkind.NotFound, fmt.Errorf("open image layout: %w", err))
	}
	img, err := readLayout(regularFiles{root}, opts)
	if err != nil {
		root.Close()
		return nil, errkind.Wrap(errkind.Invalid, fmt.Errorf("open image layout %s: %w", dir, err))
	}
	img.Name = dir
	img.closer = root
	return img, nil
}

// readLayout reads an OCI image layout: index.json, the manifest it leads to for the platform,
// the config, and an opener per layer blob. Every blob is verified against its digest.
func readLayout(fsys fs.FS, opts Options) (*Image, error) {
	raw, err := readSmall(fsys, "index.json", maxManifestBytes)
	if err != nil {
		return nil, err
	}
	idx, err := parseIndex(raw, "index.json")
	if err != nil {
		return nil, err
	}
	load := func(d v1.Descriptor) ([]byte, error) { return layoutBlob(fsys, d.Digest.String(), maxManifestBytes) }
	desc, indexDigest, err := chooseManifest(idx.Manifests, opts.Platform, load)
	if err != nil {
		return nil, err
	}
	rawManifest, err := load(desc)
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	img, err := fromManifest(rawManifest, desc.Digest.String(), func(d string) ([]byte, error) {
		return layoutBlob(fsys, d, maxConfigBytes)
	})
	if err != nil {
		return nil, err
	}
	img.IndexDigest = indexDigest
	if err := checkPlatform(img, opts.Platform); err != nil {
		return nil, err
	}
	for i := range img.Layers {
		l := &img.Layers[i]
		h, err := digestHex(l.Digest)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", l, err)
		}
		name := "blobs/sha256/" + h
		img.blobs = append(img.blobs, blobOpener{digestKnown: true, open: func(context.Context) (io.ReadCloser, error) {
			f, err := fsys.Open(name)
			if errors.Is(err, fs.ErrNotExist) {
				return nil, ErrMissingBlob
			}
			return f, err
		}})
	}
	return img, nil
}

func layoutBlob(fsys fs.FS, digest string, max int64) ([]byte, error) {
	h, err := digestHex(digest)
	if err != nil {
		return nil, err
	}
	f, err := fsys.Open("blobs/sha256/" + h)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("blob %s: %w", digest, ErrMissingBlob)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readVerified(f, digest, max)
}

func readSmall(fsys fs.FS, name string, max int64) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s is over %d bytes: %w", name, max, ErrTooLarge)
	}
	return b, nil
}

func parseIndex(raw []byte, what string) (*v1.IndexManifest, error) {
	var idx v1.IndexManifest
	if !looksLikeJSON(raw) {
		return nil, fmt.Errorf("%s: not JSON", what)
	}
	if err := json.Unmarshal(raw, &idx); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return &idx, nil
}

// fromManifest builds an Image from a verified image manifest, reading and verifying its config.
func fromManifest(raw []byte, digest string, blob func(digest string) ([]byte, error)) (*Image, error) {
	if !looksLikeJSON(raw) {
		return nil, fmt.Errorf("manifest %s: not JSON", digest)
	}
	var m v1.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("manifest %s: %w", digest, err)
	}
	mt := m.MediaType
	if mt == "" {
		mt = types.OCIManifestSchema1
	}
	if !isImageManifest(mt) {
		return nil, fmt.Errorf("manifest %s: media type %q is not an image manifest", digest, mt)
	}
	rawConfig, err := blob(m.Config.Digest.String())
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	cfg, err := parseConfig(rawConfig)
	if err != nil {
		return nil, err
	}
	if len(m.Layers) != len(cfg.RootFS.DiffIDs) {
		return nil, fmt.Errorf("manifest %s lists %d layers, its config %d diffIDs", digest, len(m.Layers), len(cfg.RootFS.DiffIDs))
	}
	img := &Image{Digest: digest, ConfigDigest: m.Config.Digest.String(), MediaType: string(mt), Config: *cfg, Annotations: m.Annotations}
	for i, l := range m.Layers {
		img.Layers = append(img.Layers, Layer{
			Index: i, Digest: l.Digest.String(), DiffID: cfg.RootFS.DiffIDs[i].String(),
			Size: l.Size, MediaType: string(l.MediaType),
		})
	}
	attribute(img)
	return img, nil
}

func parseConfig(raw []byte) (*v1.ConfigFile, error) {
	if !looksLikeJSON(raw) {
		return nil, errors.New("config: not JSON")
	}
	var cfg v1.ConfigFile
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	for i, d := range cfg.RootFS.DiffIDs {
		if _, err := digestHex(d.String()); err != nil {
			return nil, fmt.Errorf("config: rootfs.diff_ids[%d]: %w", i, err)
		}
	}
	return &cfg, nil
}

func isImageManifest(mt types.MediaType) bool {
	return mt == types.OCIManifestSchema1 || mt == types.DockerManifestSchema2
}

func isIndex(mt types.MediaType) bool {
	return mt == types.OCIImageIndex || mt == types.DockerManifestList
}

// dockerArchiveEntry is one image in a `docker save` archive's manifest.json.
type dockerArchiveEntry struct {
	Config   string
	RepoTags []string
	Layers   []string
}

// contentAddressed matches member names that carry the sha256 of their content.
var contentAddressed = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(?:blobs/sha256/)?([0-9a-f]{64})(?:\.json|\.tar(?:\.gz)?)?$`)
})

// readDockerArchive reads a legacy `docker save` archive. It has no manifest digest; the config is
// verified when its name carries its digest (it always does in Docker's archives), and every
// layer against its diffID, and against its blob digest too when its name carries one.
func readDockerArchive(t *tarFS, opts Options) (*Image, error) {
	raw, err := readSmall(t, "manifest.json", maxManifestBytes)
	if err != nil {
		return nil, err
	}
	var entries []dockerArchiveEntry
	if !looksLikeJSON(raw) {
		return nil, errors.New("manifest.json: not JSON")
	}
	if err := json.Unmarshal(raw, &entries); err != nil {
		return nil, fmt.Errorf("manifest.json: %w", err)
	}
	switch len(entries) {
	case 0:
		return nil, errors.New("manifest.json lists no image")
	case 1:
	default:
		var names []string
		for _, e := range entries {
			names = append(names, strings.Join(e.RepoTags, ","))
		}
		return nil, fmt.Errorf("the archive holds %d images (%s); save one image per archive", len(entries), strings.Join(names, "; "))
	}
	e := entries[0]
	cfgName, ok := archiveName(e.Config)
	if !ok {
		return nil, fmt.Errorf("manifest.json: config %q is outside the archive", e.Config)
	}
	f, err := t.Open(cfgName)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", e.Config, err)
	}
	rawConfig, err := io.ReadAll(io.LimitReader(f, maxConfigBytes+1))
	f.Close()
	if err != nil || len(rawConfig) > maxConfigBytes {
		return nil, fmt.Errorf("config %s: unreadable or over %d bytes", e.Config, maxConfigBytes)
	}
	configDigest := sha256Digest(rawConfig)
	if m := contentAddressed().FindStringSubmatch(cfgName); m != nil && "sha256:"+m[1] != configDigest {
		return nil, fmt.Errorf("config %s hashes to %s: %w", e.Config, configDigest, ErrDigestMismatch)
	}
	cfg, err := parseConfig(rawConfig)
	if err != nil {
		return nil, err
	}
	if len(e.Layers) != len(cfg.RootFS.DiffIDs) {
		return nil, fmt.Errorf("manifest.json lists %d layers, the config %d diffIDs", len(e.Layers), len(cfg.RootFS.DiffIDs))
	}
	img := &Image{ConfigDigest: configDigest, MediaType: "application/vnd.docker.save", Config: *cfg}
	for i, name := range e.Layers {
		l := Layer{Index: i, DiffID: cfg.RootFS.DiffIDs[i].String(), Size: -1}
		member, ok := archiveName(name)
		if !ok {
			return nil, fmt.Errorf("manifest.json: layer %d %q is outside the archive", i, name)
		}
		known := false
		if m := contentAddressed().FindStringSubmatch(path.Clean(member)); m != nil {
			l.Digest, known = "sha256:"+m[1], true
		} else {
			l.Digest = l.DiffID
		}
		img.Layers = append(img.Layers, l)
		img.blobs = append(img.blobs, blobOpener{digestKnown: known, open: func(context.Context) (io.ReadCloser, error) {
			f, err := t.Open(member)
			if errors.Is(err, fs.ErrNotExist) {
				return nil, ErrMissingBlob
			}
			if err != nil {
				return nil, err
			}
			return f, nil
		}})
	}
	if err := checkPlatform(img, opts.Platform); err != nil {
		return nil, err
	}
	attribute(img)
	return img, nil
}

// regularFiles serves only the regular files of a directory, opened without blocking, so a FIFO
// or device planted in a layout where a blob should be is refused instead of hanging the read.
type regularFiles struct{ root *os.Root }

func (r regularFiles) Open(name string) (fs.File, error) {
	f, err := r.root.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: name, Err: errors.New("not a regular file")}
	}
	return f, nil
}
