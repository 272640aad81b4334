// Package iac is the scan.TreeAnalyzer for infrastructure as code (`palisade scan --scanners
// iac`): a thin adapter from the scan engine's tree to internal/iac, which holds the parsers,
// typed models and checks. It is a tree analyzer because NetworkPolicy coverage is judged across
// every manifest of a namespace, whichever files they are in.
package iac

import (
	"context"
	"fmt"

	"github.com/palisade-sec/palisade/internal/finding"
	engine "github.com/palisade-sec/palisade/internal/iac"
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

// New builds the analyzer; it fails when a custom policy file does not load.
func New(opts engine.Options) (*Analyzer, error) {
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

// AnalyzeTree implements scan.TreeAnalyzer. When some files could not be parsed it returns the
// findings AND a *scan.Incomplete listing each file's problem with its line. Analyze returns
// the skipped files (Helm templates without a renderer) as well.
func (a *Analyzer) AnalyzeTree(ctx context.Context, t *scan.Tree) ([]finding.Finding, error) {
	res, err := a.Analyze(ctx, t)
	if err != nil {
		return nil, err
	}
	if len(res.Problems) > 0 {
		return res.Findings, &scan.Incomplete{Problems: res.Problems}
	}
	return res.Findings, nil
}

// Analyze scans the tree and returns findings, problems and skipped files.
func (a *Analyzer) Analyze(ctx context.Context, t *scan.Tree) (*engine.Result, error) {
	res, err := a.s.Scan(ctx, t.FS, t.Files)
	if err != nil {
		return nil, fmt.Errorf("iac: %w", err)
	}
	return res, nil
}
