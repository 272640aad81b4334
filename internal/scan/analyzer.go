// Package scan is the scan engine: it turns a target (a directory as an fs.FS, or version-control
// history) into the files to look at, runs the chosen analyzers over them concurrently, and
// collects findings, skipped paths and per-file problems into one report.Run.
//
// Analyzers plug in through small interfaces defined here and are listed once, explicitly, by the
// caller (see cmd/palisade); the engine has no registry.
package scan

import (
	"context"
	"fmt"
	"io/fs"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/report"
)

// File is one file handed to a FileAnalyzer.
type File struct {
	// Path is slash-separated and relative to the scan root; it is what findings report.
	Path string
	// Content is the whole file. Analyzers must not keep it after AnalyzeFile returns.
	Content []byte
	// Commit is set when the content came from history (only the lines a commit added).
	Commit *finding.Commit
	// LineOffset maps Content's line 1 to the file's real line when Content is a fragment
	// (history hunks); findings add it to the lines they report. Zero for whole files.
	LineOffset int
}

// Analyzer is anything the engine can run. Every analyzer also implements FileAnalyzer or
// TreeAnalyzer (or both).
type Analyzer interface {
	// Name is the short ID users pick with --scanners ("secret", "deps", "iac").
	Name() string
}

// FileAnalyzer looks at one file at a time; the engine calls it concurrently for many files.
type FileAnalyzer interface {
	Analyzer
	// AnalyzeFile returns the findings in f. An error is reported against f.Path and the scan goes on.
	AnalyzeFile(ctx context.Context, f *File) ([]finding.Finding, error)
}

// FileFilter is an optional capability of a FileAnalyzer: when present, the engine reads and hands
// over only the files for which Wants returns true (a lockfile analyzer does not need every file).
//
// Wants also overrides the file rules of the default skip list (lock files, minified assets): an
// analyzer without a FileFilter never receives those files, one whose Wants returns true does. So
// return true only for the files the analyzer really needs. Directory rules (node_modules/,
// vendor/, .git/ …) stop the walk itself and are not overridden.
type FileFilter interface {
	Wants(path string) bool
}

// Tree is the whole target handed to a TreeAnalyzer.
type Tree struct {
	// FS is rooted at the scan root; it never resolves a path outside it.
	FS fs.FS
	// Files are the regular files left after ignore and skip rules, slash-separated, sorted.
	// Files matched only by a file rule of the default skip list (go.sum, package-lock.json) are
	// listed, because tree analyzers such as dependency resolvers need them; files are not read
	// for the tree, so binary files are listed too.
	Files []string
}

// TreeAnalyzer needs to see several files at once (a go.mod and its go.sum, a Helm chart, the
// NetworkPolicies of a namespace). It runs once per scan.
type TreeAnalyzer interface {
	Analyzer
	AnalyzeTree(ctx context.Context, t *Tree) ([]finding.Finding, error)
}

// RuleLister is an optional capability: analyzers that list their rules get them described in
// reports (SARIF tool.driver.rules).
type RuleLister interface {
	Rules() []finding.Rule
}

// Incomplete is the error an analyzer returns, beside the findings it did produce, when some of
// its inputs could not be analysed (a lockfile that does not parse, a manifest with a syntax
// error). The engine keeps the findings and records each problem on its own, with its path and
// line, so one bad file neither hides the others' findings nor is lost in one opaque message.
type Incomplete struct {
	Problems []report.Problem
}

func (e *Incomplete) Error() string {
	if len(e.Problems) == 1 {
		return e.Problems[0].Message
	}
	return fmt.Sprintf("%d inputs could not be analysed", len(e.Problems))
}
