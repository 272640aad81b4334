package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/palisade-sec/palisade/internal/baseupdate"
	"github.com/palisade-sec/palisade/internal/config"
	"github.com/palisade-sec/palisade/internal/errkind"
	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/image"
	"github.com/palisade-sec/palisade/internal/report"
	"github.com/palisade-sec/palisade/internal/scan"
)

// imageScanners are the built-in scanners that apply to a container image: secrets in every
// layer's files and vulnerable packages of the final filesystem; the image's own `config`
// scanner is added per image. The others read source trees (IaC manifests, source code), which
// an image is not.
var imageScanners = []string{"secret", "deps"}

// runImageScan scans the image the flags name: configuration and the ignore file come from the
// current directory (the pipeline's checkout), as for a directory scan of ".".
func runImageScan(cmd *cobra.Command, app *App, f *scanFlags) error {
	ctx := cmd.Context()
	if f.history.enabled() {
		return errkind.Wrap(errkind.Invalid, errors.New("scan: --image/--rootfs and the history flags (--git, --staged, --since) do not go together"))
	}
	const root = "."
	cfg, confined, err := loadScanConfig(cmd, f, root)
	if err != nil {
		return err
	}
	// The image is opened first: the config scanner is built for it.
	img, err := f.image.open(ctx)
	if err != nil {
		return fmt.Errorf("scan: %w", err)
	}
	defer img.Close()
	builtins, err := imageBuiltins(app, cfg, img)
	if err != nil {
		return err
	}
	imgApp := *app
	imgApp.Builtins.Scanners = builtins
	analyzers, err := selectScanners(ctx, &imgApp, cfg)
	if err != nil {
		return err
	}
	defer closeAnalyzers(analyzers)
	if f.listRules {
		return listRules(cmd.OutOrStdout(), analyzers)
	}

	keep, notKept := imageKeep(maxImageExecutable)
	opts := scan.ImageOptions{
		Options: scan.Options{Analyzers: analyzers, MaxFileSize: int64(cfg.Scan.MaxFileSize)},
		Keep:    keep,
	}
	if !f.noProgress && report.IsTerminal(app.Stderr) && !writesJSONToStdout(cfg) {
		opts.Progress = newProgressBar(app.Stderr)
	}
	run, err := scan.Image(ctx, img, opts)
	if err != nil {
		return err // names the image and the layer
	}
	for _, p := range *notKept {
		p.Scanner = "deps"
		run.Problems = append(run.Problems, p)
	}
	run.Tool = report.Tool{Name: "palisade", Version: app.Version, URI: "https://github.com/palisade-sec/palisade"}
	run.Target = imageTarget(img)
	run.Image = imageReport(img)
	if cfg.Image.CheckBaseUpdate {
		if err := checkBaseUpdate(ctx, f, cfg, img, analyzers, run); err != nil {
			return err
		}
	}

	// The ignore file and the baseline apply; palisade:ignore comments inside the image's files
	// do not: they are the image author's, not the team's that gates the image, and the files
	// are not kept to be read again.
	complete := len(analyzers) == len(builtins)
	if err := applySuppressionsFrom(ctx, cfg, f, root, run, knownRules(analyzers), complete, true); err != nil {
		return err
	}
	markProblems(cfg, run)
	if err := writeReports(app, cfg, f, run, confined); err != nil {
		return err
	}
	return gate(cfg, run)
}

// imageBuiltins are the built-in scanners that apply to an image. A scanner the user asked for
// by name that does not apply is an error saying so, not a scan that quietly did less.
func imageBuiltins(app *App, cfg *config.Config, img *image.Image) ([]Scanner, error) {
	var out []Scanner
	var names []string
	for _, s := range app.Builtins.Scanners {
		if slices.Contains(imageScanners, s.Name) {
			out = append(out, s)
			names = append(names, s.Name)
		}
	}
	out = append(out, imageConfigScanner(img))
	names = append(names, "config")
	for _, name := range cfg.Scan.Scanners {
		if slices.Contains(names, name) {
			continue
		}
		if slices.ContainsFunc(app.Builtins.Scanners, func(s Scanner) bool { return s.Name == name }) {
			return nil, cfg.FieldError("scan.scanners", errkind.Wrap(errkind.Invalid, fmt.Errorf(
				"scanner %q does not apply to a container image (it reads source trees); an image is scanned by %s", name, strings.Join(names, ", "))))
		}
	}
	return out, nil
}

// checkBaseUpdate asks whether the newest tag of the base image's line would remove the findings
// in the base image's packages (--check-base-update, opt-in: it sends requests to the base
// image's registry), and records the answer on the findings, in the run's image summary and, for
// what could not be checked, as problems.
func checkBaseUpdate(ctx context.Context, f *scanFlags, cfg *config.Config, img *image.Image, analyzers []scan.Analyzer, run *report.Run) error {
	var depsAnalyzer scan.TreeAnalyzer
	for _, a := range analyzers {
		if ta, ok := a.(scan.TreeAnalyzer); ok && a.Name() == "deps" {
			depsAnalyzer = ta
		}
	}
	keep, notKept := imageKeep(maxImageExecutable)
	bu, problems, err := baseupdate.Check(ctx, img, run.Findings, baseupdate.Options{
		Registry:    image.Options{InsecureRegistries: f.image.Insecure},
		Deps:        depsAnalyzer,
		Keep:        keep,
		MaxFileSize: int64(cfg.Scan.MaxFileSize),
	})
	if err != nil {
		return fmt.Errorf("scan: --check-base-update: %w", err)
	}
	run.Image.BaseUpdate = bu
	run.Problems = append(run.Problems, problems...)
	// An executable of the newer base too large to read leaves its Go packages unchecked: the
	// answer is incomplete, and says so under the check's own kind.
	for _, p := range *notKept {
		p.Scanner, p.Kind = "deps", finding.ProblemBaseUpdate
		p.Message = "--check-base-update: newer base " + bu.Newer + ": " + p.Message
		run.Problems = append(run.Problems, p)
	}
	return nil
}
