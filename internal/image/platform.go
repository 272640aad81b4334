package image

import (
	"fmt"
	"runtime"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// maxIndexDepth bounds nested indexes (an index of indexes of …): real ones nest at most once.
const maxIndexDepth = 4

// chooseManifest picks the image manifest for the platform from an index's descriptors,
// expanding nested indexes through load. It returns the digest of the innermost index the
// manifest was chosen from, when there was one with more than one image.
func chooseManifest(ds []v1.Descriptor, platform string, load func(v1.Descriptor) ([]byte, error)) (v1.Descriptor, string, error) {
	type candidate struct {
		d     v1.Descriptor
		index string
	}
	var images []candidate
	var expand func(ds []v1.Descriptor, index string, depth int) error
	expand = func(ds []v1.Descriptor, index string, depth int) error {
		for _, d := range ds {
			switch {
			case isImageManifest(d.MediaType):
				if isAttestation(d) {
					continue
				}
				images = append(images, candidate{d, index})
			case isIndex(d.MediaType):
				if depth >= maxIndexDepth {
					return fmt.Errorf("indexes nested deeper than %d", maxIndexDepth)
				}
				raw, err := load(d)
				if err != nil {
					return fmt.Errorf("index %s: %w", d.Digest, err)
				}
				idx, err := parseIndex(raw, "index "+d.Digest.String())
				if err != nil {
					return err
				}
				if err := expand(idx.Manifests, d.Digest.String(), depth+1); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := expand(ds, "", 0); err != nil {
		return v1.Descriptor{}, "", err
	}
	// The same image listed twice (one entry per tag, as Docker's archives do) is one image.
	images = slices.CompactFunc(images, func(a, b candidate) bool { return a.d.Digest == b.d.Digest })
	if len(images) == 0 {
		return v1.Descriptor{}, "", fmt.Errorf("no image manifest in the index")
	}
	if len(images) == 1 && (platform == "" || images[0].d.Platform == nil) {
		return images[0].d, images[0].index, nil
	}
	if !slices.ContainsFunc(images, func(c candidate) bool { return c.d.Platform != nil }) {
		// Several images, none for a platform: an archive of several images (docker save a b).
		var names []string
		for _, c := range images {
			names = append(names, first(c.d.Annotations["io.containerd.image.name"], c.d.Annotations["org.opencontainers.image.ref.name"], c.d.Digest.String()))
		}
		return v1.Descriptor{}, "", fmt.Errorf("the index holds %d images (%s), not one image for several platforms: save one image per archive",
			len(images), strings.Join(names, ", "))
	}
	want, err := wantPlatform(platform)
	if err != nil {
		return v1.Descriptor{}, "", err
	}
	var match []candidate
	var have []string
	for _, c := range images {
		if c.d.Platform == nil {
			have = append(have, "(no platform) "+c.d.Digest.String())
			continue
		}
		have = append(have, c.d.Platform.String())
		if c.d.Platform.Satisfies(*want) {
			match = append(match, c)
		}
	}
	switch {
	case len(match) == 0:
		return v1.Descriptor{}, "", fmt.Errorf("the index has no image for %s; it has %s: %w", want, strings.Join(have, ", "), ErrPlatform)
	case len(match) > 1 && !slices.ContainsFunc(match, func(c candidate) bool { return c.d.Platform.Equals(*want) }):
		return v1.Descriptor{}, "", fmt.Errorf("the index has %d images for %s (%s): name the variant", len(match), want, strings.Join(have, ", "))
	}
	for _, c := range match {
		if c.d.Platform.Equals(*want) {
			return c.d, c.index, nil
		}
	}
	return match[0].d, match[0].index, nil
}

// isAttestation tells BuildKit's attestation manifests (SBOM, provenance) from images.
func isAttestation(d v1.Descriptor) bool {
	if d.Annotations["vnd.docker.reference.type"] == "attestation-manifest" {
		return true
	}
	return d.Platform != nil && d.Platform.OS == "unknown" && d.Platform.Architecture == "unknown"
}

func wantPlatform(s string) (*v1.Platform, error) {
	if s == "" {
		return &v1.Platform{OS: "linux", Architecture: runtime.GOARCH}, nil
	}
	p, err := v1.ParsePlatform(s)
	if err != nil || p.OS == "" || p.Architecture == "" {
		return nil, fmt.Errorf("platform %q: want os/arch[/variant], e.g. linux/arm64", s)
	}
	return p, nil
}

// checkPlatform records the image's platform from its config, and refuses an image of another
// platform than the one asked for explicitly.
func checkPlatform(img *Image, platform string) error {
	c := img.Config
	p := v1.Platform{OS: c.OS, Architecture: c.Architecture, Variant: c.Variant, OSVersion: c.OSVersion}
	img.Platform = p.String()
	if platform == "" || c.OS == "" {
		return nil
	}
	want, err := wantPlatform(platform)
	if err != nil {
		return err
	}
	if !p.Satisfies(*want) {
		return fmt.Errorf("the image is %s, not the %s asked for: %w", p.String(), want, ErrPlatform)
	}
	return nil
}
