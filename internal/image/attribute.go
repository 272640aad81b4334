package image

import (
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// The OCI annotations (also read as config labels) that name an image's base image.
const (
	AnnotationBaseName   = "org.opencontainers.image.base.name"
	AnnotationBaseDigest = "org.opencontainers.image.base.digest"
)

// Base is what an image says about the image it was built on.
type Base struct {
	// Name and Digest come from the OCI base-image annotations of the manifest, or the config
	// labels of the same names; empty when the image does not carry them.
	Name, Digest string
	// Layers is how many of the image's bottom layers came with the base image.
	Layers int
	// By says how Layers was found: "annotation" (the base the annotations name was fetched
	// from the registry and its layers are the image's bottom layers), "history" (the last CMD
	// or ENTRYPOINT step before the image's own layers, see docs/images.md), or "" when it could
	// not be told, and then no layer is marked as the base's.
	By string
}

// attribute gives every layer the history entry that made it, and marks the base image's layers.
// History entries with empty_layer made no layer; the others match the layers in order. When the
// counts disagree no entry is matched rather than a wrong one.
func attribute(img *Image) {
	h := img.Config.History
	var made []int // indexes in h of the entries that made a layer
	for i, e := range h {
		if !e.EmptyLayer {
			made = append(made, i)
		}
	}
	if len(made) == len(img.Layers) {
		for i := range img.Layers {
			img.Layers[i].CreatedBy = redactCreatedBy(h[made[i]].CreatedBy)
			img.Layers[i].Comment = h[made[i]].Comment
		}
	} else {
		made = nil
	}
	img.Base.Name = first(img.Annotations[AnnotationBaseName], img.Config.Config.Labels[AnnotationBaseName])
	img.Base.Digest = first(img.Annotations[AnnotationBaseDigest], img.Config.Config.Labels[AnnotationBaseDigest])
	if made != nil {
		if n, ok := baseLayers(h); ok {
			markBase(img, n, "history")
		}
	}
}

// markBase marks the bottom n layers as the base image's, found the way by says.
func markBase(img *Image, n int, by string) {
	img.Base.Layers, img.Base.By = n, by
	for i := range img.Layers {
		img.Layers[i].Base = i < n
	}
}

// baseLayers finds the base image's layers in a history: the base image's build ends with a
// step that sets CMD or ENTRYPOINT and makes no layer, and the image's own build starts after
// it. The last such step that has a layer-making step after it is the boundary.
func baseLayers(h []v1.History) (int, bool) {
	boundary := -1
	layers, before := 0, 0
	for i, e := range h {
		if !e.EmptyLayer {
			layers++
			continue
		}
		if isCmdStep(e.CreatedBy) && hasLayerAfter(h[i+1:]) {
			boundary, before = i, layers
		}
	}
	if boundary < 0 {
		return 0, false
	}
	return before, true
}

func hasLayerAfter(h []v1.History) bool {
	for _, e := range h {
		if !e.EmptyLayer {
			return true
		}
	}
	return false
}

// isCmdStep recognises a CMD or ENTRYPOINT step as the classic builder ("/bin/sh -c #(nop)  CMD
// [...]") and BuildKit ("CMD [...]") record it.
func isCmdStep(createdBy string) bool {
	s := strings.TrimSpace(createdBy)
	s = strings.TrimSpace(strings.TrimPrefix(s, "/bin/sh -c #(nop)"))
	return strings.HasPrefix(s, "CMD ") || strings.HasPrefix(s, "CMD[") || strings.HasPrefix(s, "ENTRYPOINT ") || strings.HasPrefix(s, "ENTRYPOINT[")
}

func first(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
