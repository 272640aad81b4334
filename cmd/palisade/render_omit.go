//go:build palisade_omit_render

package main

import (
	"context"
	"io/fs"
	"path"

	"github.com/palisade-sec/palisade/internal/config"
	iacengine "github.com/palisade-sec/palisade/internal/iac"
	"github.com/palisade-sec/palisade/internal/report"
)

// renderOmitted is true in builds without Helm and Kustomize rendering (tag palisade_omit_render).
const renderOmitted = true

// iacRenderer, in a build without rendering, renders nothing but names every chart and overlay
// as a problem: their templates are still checked raw, but what they would deploy was not seen,
// and the gate must say so rather than pass.
func iacRenderer(*config.Config) (iacengine.Renderer, error) { return omittedRenderer{}, nil }

type omittedRenderer struct{}

func (omittedRenderer) Render(_ context.Context, _ fs.FS, files []string) ([]iacengine.Rendered, func(string) bool, []report.Problem, error) {
	var problems []report.Problem
	for _, f := range files {
		switch path.Base(f) {
		case "Chart.yaml", "kustomization.yaml", "kustomization.yml", "Kustomization":
			problems = append(problems, report.Problem{Path: f, Scanner: "iac", Kind: report.ProblemRender,
				Message: "render chart: not rendered: this palisade was built without Helm and Kustomize rendering (build tag palisade_omit_render); only the raw templates were checked"})
		}
	}
	return nil, nil, problems, nil
}
