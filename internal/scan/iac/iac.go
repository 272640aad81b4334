// Package iac is the scan.TreeAnalyzer for infrastructure as code (`palisade scan --scanners
// iac`): a thin adapter from the scan engine's tree to internal/iac, which holds the parsers,
// typed models and checks. It is a tree analyzer because NetworkPolicy coverage is judged across
// every manifest of a namespace, whichever files they are in.
package iac

import (
	"context"
	"fmt"
	"math"
	"path"
	"strings"

	"github.com/palisade-sec/palisade/internal/finding"
	engine "github.com/palisade-sec/palisade/internal/iac"
	"github.com/palisade-sec/palisade/internal/iac/dockerfile"
	"github.com/palisade-sec/palisade/internal/iac/terraform"
	"github.com/palisade-sec/palisade/internal/scan"
)

// Name is the scanner's ID for --scanners.
const Name = "iac"

// Analyzer runs the IaC checks over a scan tree.
type Analyzer struct {
	s *engine.Scanner
}

var (
	_ scan.TreeAnalyzer = (*Analyzer)(nil)
	_ scan.RuleLister   = (*Analyzer)(nil)
)

// New builds the analyzer; it fails when a custom policy file does not load. Unless
// opts.MaxFileSize says otherwise, the IaC scanner's own size cap is lifted: the engine's limit,
// carried by each scan's Tree, decides, and the analyzer reports the files it leaves out.
func New(opts engine.Options) (*Analyzer, error) {
	if opts.MaxFileSize == 0 {
		opts.MaxFileSize = math.MaxInt64
	}
	s, err := engine.New(opts)
	if err != nil {
		return nil, err
	}
	return &Analyzer{s: s}, nil
}

// Name returns "iac".
func (a *Analyzer) Name() string { return Name }

// Rules lists every check the analyzer runs, custom policies included.
func (a *Analyzer) Rules() []finding.Rule { return a.s.Rules() }

// AnalyzeTree implements scan.TreeAnalyzer. Beside the findings it returns a *scan.Incomplete
// with each file's problem and line (unparseable files, files over the size limit) and the files
// it skipped on purpose (Helm templates without a renderer), so the run lists both.
func (a *Analyzer) AnalyzeTree(ctx context.Context, t *scan.Tree) ([]finding.Finding, error) {
	res, err := a.Analyze(ctx, t)
	if err != nil {
		return nil, err
	}
	if len(res.Problems) > 0 || len(res.Skipped) > 0 {
		return res.Findings, &scan.Incomplete{Problems: res.Problems, Skipped: res.Skipped}
	}
	return res.Findings, nil
}

// Analyze scans the tree and returns findings, problems and skipped files. A file the scanner
// would parse whole that is over t.MaxFileSize is not read; it is a problem, which fails the
// gate — as is any file the scanner itself skipped for its size.
func (a *Analyzer) Analyze(ctx context.Context, t *scan.Tree) (*engine.Result, error) {
	files, tooLarge := t.WithinLimit(Name, "IaC files are parsed whole", parsedWhole)
	res, err := a.s.Scan(ctx, t.FS, files)
	if err != nil {
		return nil, fmt.Errorf("iac: %w", err)
	}
	res.Problems = append(res.Problems, tooLarge...)
	kept := res.Skipped[:0]
	for _, sk := range res.Skipped {
		if sk.Reason == finding.SkipTooLarge {
			res.Problems = append(res.Problems, finding.Problem{Path: sk.Path, Scanner: Name,
				Message: "not analysed as IaC: the file is over the IaC scanner's size limit", Kind: finding.ProblemTooLarge})
			continue
		}
		kept = append(kept, sk)
	}
	res.Skipped = kept
	return res, nil
}

// parsedWhole reports whether the IaC scanner reads the file at p whole: manifests (YAML, JSON),
// Dockerfiles and Terraform.
func parsedWhole(p string) bool {
	switch strings.ToLower(path.Ext(p)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return dockerfile.Wants(p) || terraform.Wants(p)
}
