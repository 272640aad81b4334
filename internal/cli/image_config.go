package cli

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/palisade-sec/palisade/internal/config"
	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/iac/imageconfig"
	"github.com/palisade-sec/palisade/internal/image"
	"github.com/palisade-sec/palisade/internal/scan"
)

// imageConfigScanner is the `config` scanner of an image scan: the image's config and build
// history through the Dockerfile checks (package imageconfig), under their rule IDs. It is
// built per image, so it is not in cmd/palisade's list of directory scanners.
func imageConfigScanner(img *image.Image) Scanner {
	return Scanner{
		Name:    "config",
		Summary: "the image's configuration and build history: root user, secrets in ENV, labels and RUN lines, sensitive ports, health check, allowed base images",
		New: func(_ context.Context, cfg *config.Config) (scan.Analyzer, error) {
			return &imageConfigAnalyzer{img: img, opts: imageconfig.Options{AllowedBases: cfg.AllowedBases(), Disable: cfg.IaC.Disable}}, nil
		},
	}
}

// imageConfigAnalyzer runs once per scan, as a tree analyzer whose tree is the image itself.
type imageConfigAnalyzer struct {
	img  *image.Image
	opts imageconfig.Options
}

var (
	_ scan.TreeAnalyzer = (*imageConfigAnalyzer)(nil)
	_ scan.RuleLister   = (*imageConfigAnalyzer)(nil)
)

func (a *imageConfigAnalyzer) Name() string { return "config" }

func (a *imageConfigAnalyzer) Rules() []finding.Rule { return imageconfig.Rules() }

// AnalyzeTree checks the image's config. Findings are placed at "history[i]" (with the layer
// the step made, when it made one) or at the config field ("config.User"): paths without the
// image's name or digest, so a rebuilt image keeps its fingerprints and baseline.
func (a *imageConfigAnalyzer) AnalyzeTree(ctx context.Context, _ *scan.Tree) ([]finding.Finding, error) {
	// The config was verified against its digest and decoded by the image package; encoded
	// again, it carries every field the checks read (config, history).
	raw, err := json.Marshal(a.img.Config)
	if err != nil {
		return nil, fmt.Errorf("encode the image config: %w", err)
	}
	layerOf := historyLayers(a.img)
	opts := a.opts
	opts.Annotations = a.img.Annotations
	opts.Locate = func(index int, _ string) finding.Location {
		loc := imageconfig.HistoryLocation("", index)
		if l, ok := layerOf[index]; ok {
			loc.Layer = l.Finding()
		}
		return loc
	}
	found, problems, err := imageconfig.Check(ctx, raw, opts)
	if err != nil {
		return nil, fmt.Errorf("image config: %w", err)
	}
	for i := range found {
		found[i].Scanner = a.Name()
	}
	for i := range problems {
		problems[i].Scanner = a.Name()
	}
	if len(problems) > 0 {
		return found, &scan.Incomplete{Problems: problems}
	}
	return found, nil
}

// historyLayers maps each history entry that made a layer to that layer: the entries without
// empty_layer match the layers in order. When the counts disagree nothing is mapped, as the
// image package's attribution does, rather than a wrong layer.
func historyLayers(img *image.Image) map[int]*image.Layer {
	var made []int
	for i, h := range img.Config.History {
		if !h.EmptyLayer {
			made = append(made, i)
		}
	}
	out := map[int]*image.Layer{}
	if len(made) != len(img.Layers) {
		return out
	}
	for k, i := range made {
		out[i] = &img.Layers[k]
	}
	return out
}
