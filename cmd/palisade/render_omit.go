//go:build palisade_omit_render

package main

import (
	"context"
	"io/fs"
	"path"

	"github.com/palisade-sec/palisade/internal/config"
	"github.com/palisade-sec/palisade/internal/finding"
	iacengine "github.com/palisade-sec/palisade/internal/iac"
)

// renderOmitted is true in builds without Helm and Kustomize rendering (tag palisade_omit_render).
const renderOmitted = true

// iacRenderer, in a build without rendering, renders nothing but names every chart and overlay
// as a problem: their templates are still checked raw, but what they would deploy was not seen,
// and the gate must say so rather than pass.
func iacRenderer(*config.Config) (iacengine.Renderer, error) { return omittedRenderer{}, nil }

type omittedRenderer struct{}

func (omittedRenderer) Render(_ context.Context, _ fs.FS, files []string) ([]iacengine.Rendered, func(string) bool, []finding.Problem, error) {
	var problems []finding.Problem
	for _, f := range files {
		switch path.Base(f) {
		case "Chart.yaml", "kustomization.yaml", "kustomization.yml", "Kustomization":
			problems = append(problems, finding.Problem{Path: f, Scanner: "iac", Kind: finding.ProblemRender,
				Message: "render chart: not rendered: this palisade was built without Helm and Kustomize rendering (build tag palisade_omit_render); only the raw templates were checked"})
		}
	}
	return nil, nil, problems, nil
}
