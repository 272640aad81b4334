package image

import (
	"net/http"

	"github.com/google/go-containerregistry/pkg/authn"
)

// Options say how to open an image.
type Options struct {
	// Platform chooses the image from a multi-platform index, as "os/arch[/variant]". Empty means
	// linux on this machine's architecture, and an image that is not an index is then taken as
	// it is; when Platform is set, an image of another platform is refused.
	Platform string
	// InsecureRegistries are the registry hosts ("host" or "host:port") that may be reached over
	// plain HTTP. No other host ever is: the client never falls back from HTTPS to HTTP by itself.
	InsecureRegistries []string
	// Keychain supplies registry credentials; nil means the docker config (DOCKER_CONFIG or
	// ~/.docker/config.json) with its credential helpers.
	Keychain authn.Keychain
	// Transport carries registry requests; nil means a clone of http.DefaultTransport. Tests give
	// one that trusts their CA. It is always wrapped so that plain HTTP reaches only insecure hosts.
	Transport http.RoundTripper
	// TagLimits bound ListTags; zero fields take their defaults.
	TagLimits TagLimits
}

// Limits bound what a walk may read and write. A zero field takes its default: 16 GiB a layer,
// 64 GiB an image, a ratio of 250 past 64 MiB, 8 GiB kept, 4Mi entries, 40 symlinks a path.
type Limits struct {
	LayerBytes int64 // uncompressed bytes of one layer
	ImageBytes int64 // uncompressed bytes of all layers together
	// Ratio is the largest ratio of uncompressed to compressed bytes a layer may reach once it
	// is past RatioFloor uncompressed bytes: real layers compress 2-10x, a gzip bomb ~1000x.
	Ratio      int64
	RatioFloor int64
	KeptBytes  int64 // bytes written to the temporary directory for kept files
	Entries    int   // tar entries in all layers together
	Symlinks   int   // symlinks followed while resolving one path
}

var defaultLimits = Limits{
	LayerBytes: 16 << 30,
	ImageBytes: 64 << 30,
	Ratio:      250,
	RatioFloor: 64 << 20,
	KeptBytes:  8 << 30,
	Entries:    4 << 20,
	Symlinks:   40,
}

func (l Limits) withDefaults() Limits {
	d := defaultLimits
	d.LayerBytes = positiveOr(l.LayerBytes, d.LayerBytes)
	d.ImageBytes = positiveOr(l.ImageBytes, d.ImageBytes)
	d.Ratio = positiveOr(l.Ratio, d.Ratio)
	d.RatioFloor = positiveOr(l.RatioFloor, d.RatioFloor)
	d.KeptBytes = positiveOr(l.KeptBytes, d.KeptBytes)
	d.Entries = positiveOr(l.Entries, d.Entries)
	d.Symlinks = positiveOr(l.Symlinks, d.Symlinks)
	return d
}

// positiveOr is v when it is set (above zero), else the default d.
func positiveOr[T int | int64](v, d T) T {
	if v > 0 {
		return v
	}
	return d
}
