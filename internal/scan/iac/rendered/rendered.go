// Package rendered connects the Helm and Kustomize renderer (internal/iac/render) to the IaC
// scanner (internal/iac): charts and overlays are rendered before the checks run, their manifests
// are checked with every finding placed back on the template or manifest line that produced it,
// and the templates, values and patches they consume are not scanned as raw YAML.
//
// It is a package of its own so that the binary carries Helm and Kustomize only when
// cmd/palisade wires it in: iac.Options{Renderer: rendered.From(r)}.
package rendered

import (
	"context"
	"io/fs"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/iac"
	"github.com/palisade-sec/palisade/internal/iac/render"
)

// Adapter makes a render.Renderer an iac.Renderer.
type Adapter struct {
	r *render.Renderer
}

var _ iac.Renderer = Adapter{}

// From wraps r.
func From(r *render.Renderer) Adapter { return Adapter{r: r} }

// Render renders every chart and overlay among files.
func (a Adapter) Render(ctx context.Context, fsys fs.FS, files []string) ([]iac.Rendered, func(string) bool, []finding.Problem, error) {
	plan, res, err := a.r.RenderAll(ctx, fsys, files)
	if err != nil {
		return nil, nil, nil, err
	}
	docs := make([]iac.Rendered, 0, len(res.Documents))
	for i := range res.Documents {
		d := &res.Documents[i]
		docs = append(docs, iac.Rendered{Path: d.Path, Content: d.Content, Locate: d.LineOf})
	}
	return docs, plan.Consumed, res.Problems, nil
}
