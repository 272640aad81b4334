//go:build !palisade_omit_render

package main

import (
	"time"

	"github.com/palisade-sec/palisade/internal/boundedread"
	"github.com/palisade-sec/palisade/internal/config"
	iacengine "github.com/palisade-sec/palisade/internal/iac"
	"github.com/palisade-sec/palisade/internal/iac/render"
	"github.com/palisade-sec/palisade/internal/scan/iac/rendered"
)

// renderOmitted is true in builds without Helm and Kustomize rendering (tag palisade_omit_render).
const renderOmitted = false

// iacRenderer is the renderer the IaC scanner runs before its checks.
func iacRenderer(cfg *config.Config) (iacengine.Renderer, error) {
	r, err := newRenderer(cfg)
	if err != nil {
		return nil, err
	}
	return rendered.From(r), nil
}

// maxValuesFile bounds one values file, as rendering bounds each file of a chart (8 MiB).
const maxValuesFile = 8 << 20

// newRenderer builds the Helm and Kustomize renderer with the user's values files and --set
// expressions; a values file that cannot be read (or is over maxValuesFile) or parsed fails
// the scan.
func newRenderer(cfg *config.Config) (*render.Renderer, error) {
	var values []render.ValueSource
	for _, path := range cfg.IaC.HelmValues {
		data, err := boundedread.Path(path, maxValuesFile)
		if err != nil {
			return nil, cfg.FieldError("iac.helm-values", err)
		}
		values = append(values, render.ValueSource{Name: path, Data: data})
	}
	for _, set := range cfg.IaC.HelmSet {
		values = append(values, render.ValueSource{Name: "--set " + set, Set: set})
	}
	r, err := render.New(render.Options{
		Values:         values,
		MaxRenderTime:  time.Duration(cfg.IaC.RenderTimeout),
		MaxRenderBytes: int64(cfg.IaC.RenderMaxBytes),
	})
	if err != nil {
		return nil, cfg.FieldError("iac.helm-values", err)
	}
	return r, nil
}
