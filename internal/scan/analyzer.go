// Package scan is the scan engine: it turns a target (a directory as an fs.FS, or version-control
// history) into the files to look at, runs the chosen analyzers over them concurrently, and
// collects findings, skipped paths and per-file problems into one report.Run.
//
// The engine fails closed: every file under the root is analysed, or listed in Run.Skipped with
// a reason a user chose or can see (an exclude, .gitignore for an untracked file, the default skip
// list, a symlink), or reported in Run.Problems, which fail the gate. Size and content never drop
// a file silently: a file too large to read whole goes to analyzers that stream (StreamAnalyzer)
// and is a problem for those that cannot; a binary file goes to analyzers that read binary
// content (BinaryAnalyzer). The engine owns these limits and hands them to tree analyzers in the
// Tree, and they report what they leave out through the same Incomplete as file analyzers.
//
// Analyzers plug in through small interfaces defined here and are listed once, explicitly, by the
// caller (see cmd/palisade); the engine has no registry.
package scan

import (
	"context"
	"fmt"
	"io"
	"io/fs"

	"github.com/palisade-sec/palisade/internal/finding"
)

// File is one file handed to a FileAnalyzer.
type File struct {
	// Path is slash-separated and relative to the scan root; it is what findings report.
	Path string
	// Content is the whole file. Analyzers must not keep it after AnalyzeFile returns.
	Content []byte
	// Commit is set when the content came from history (only the lines a commit added).
	Commit *finding.Commit
	// Layer is set when the file is in a container image: the layer whose copy of the file this
	// is (the same path may be in several layers, and a later one may have deleted it).
	Layer *finding.Layer
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
//
// AnalyzeFile gets text files no larger than Options.MaxFileSize. A larger file goes to the
// analyzer only if it implements StreamAnalyzer, a binary file only if it implements
// BinaryAnalyzer; otherwise the engine reports the file as a problem for it (too large) or lists
// it as skipped (binary, when no analyzer reads binary content).
type FileAnalyzer interface {
	Analyzer
	// AnalyzeFile returns the findings in f. An error is reported against f.Path and the scan goes on.
	AnalyzeFile(ctx context.Context, f *File) ([]finding.Finding, error)
}

// Stream is one file handed to a StreamAnalyzer: a file over the size limit, read in bounded
// memory instead of whole.
type Stream struct {
	// Path is slash-separated and relative to the scan root; it is what findings report.
	Path string
	// Size is the file's size when it was opened; the reader may deliver less or more if the
	// file changes while it is read.
	Size int64
	// R reads the file from its first byte. Analyzers must not keep it after AnalyzeStream returns.
	R io.Reader
	// Binary says the file looked binary (see BinaryAnalyzer); a stream analyzer that does not
	// also implement BinaryAnalyzer never gets a binary stream.
	Binary bool
}

// StreamAnalyzer is an optional capability of a FileAnalyzer: it analyses a file of any size from
// a reader, in memory bounded whatever the file's size or the length of its lines. The engine
// hands it the files over Options.MaxFileSize, which it does not read whole; padding a file past
// the limit therefore hides nothing from such an analyzer.
type StreamAnalyzer interface {
	AnalyzeStream(ctx context.Context, s *Stream) ([]finding.Finding, error)
}

// BinaryAnalyzer is an optional capability of a FileAnalyzer: it looks into binary files (a
// NUL byte in the first 8 KiB, or the signature of a binary format) — for instance at their
// printable runs, as strings(1) does. Analyzers without it never get binary content; a binary
// file that no analyzer looked into is listed as skipped.
type BinaryAnalyzer interface {
	AnalyzeBinary(ctx context.Context, f *File) ([]finding.Finding, error)
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
	// Dir is the scan root on disk, for the few tree analyzers that must hand a directory to an
	// external loader (the Go SAST analyzer runs the go command there); empty when the target is
	// not a directory. Everything else reads through FS, which confines reads to the root.
	Dir string
	// Files are the regular files left after ignore and skip rules, slash-separated, sorted.
	// Files matched only by a file rule of the default skip list (go.sum, package-lock.json) are
	// listed, because tree analyzers such as dependency resolvers need them; files are not read
	// for the tree, so binary files and files over MaxFileSize are listed too. Palisade's own
	// outputs describing this tree (SBOMs, reports) are not listed (see SkipOwnOutput).
	Files []string
	// Installed says the tree is an installed system (a container image's final filesystem), not
	// a source tree: analyzers that read packages read what package managers installed too.
	Installed bool
	// MaxFileSize is the engine's size limit (Options.MaxFileSize): the largest file a tree
	// analyzer may read whole into memory. A listed file over it that the analyzer needs to
	// parse whole must be reported as a problem (in an Incomplete), never dropped; files read
	// through io.ReaderAt without loading them (compiled binaries' build info) are not bound by it.
	MaxFileSize int64

	// reads counts what analyzers read, through FS or, for an external loader, Loaded.
	reads *readCounter
}

// Loaded records that the analyzer read the file path (slash-separated, relative to the root) of
// size bytes by other means than FS — the go command loading packages from Dir — so the run's
// statistics count it as scanned, as they count every file read through FS.
func (t *Tree) Loaded(path string, size int64) {
	if t.reads != nil {
		t.reads.mark(path, size)
	}
}

// TreeAnalyzer needs to see several files at once (a go.mod and its go.sum, a Helm chart, the
// NetworkPolicies of a namespace). It runs once per scan.
//
// Its result contract is the file analyzers': findings, and an *Incomplete error carrying the
// problems (inputs it could not analyse, which fail the gate) and the skipped paths (inputs it
// deliberately left alone, with the reason) beside them. Limits come from the Tree.
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
//
// Skipped lists inputs the analyzer deliberately left alone, with the reason (a Helm template
// that is only checked once rendered); they join the run's skipped list. An Incomplete that holds
// only skips is not a failure: the engine records the skips and keeps the findings.
type Incomplete struct {
	Problems []finding.Problem
	Skipped  []finding.Skip
}

func (e *Incomplete) Error() string {
	switch {
	case len(e.Problems) == 1:
		return e.Problems[0].Message
	case len(e.Problems) == 0:
		return fmt.Sprintf("%d inputs skipped", len(e.Skipped))
	}
	return fmt.Sprintf("%d inputs could not be analysed", len(e.Problems))
}

// WithinLimit splits t's files for a tree analyzer that parses some files whole: those for which
// parsedWhole is true and whose size is over t.MaxFileSize are left out, each as a too-large
// problem of scanner saying why (what, e.g. "a lockfile or manifest is parsed whole"); every
// other file is kept. A file that cannot be stat'ed is kept: the reader that fails next reports
// it. Without a limit every file is kept.
func (t *Tree) WithinLimit(scanner, what string, parsedWhole func(path string) bool) ([]string, []finding.Problem) {
	if t.MaxFileSize <= 0 {
		return t.Files, nil
	}
	var problems []finding.Problem
	kept := make([]string, 0, len(t.Files))
	for _, f := range t.Files {
		if !parsedWhole(f) {
			kept = append(kept, f)
			continue
		}
		info, err := fs.Stat(t.FS, f)
		if err != nil || info.Size() <= t.MaxFileSize {
			kept = append(kept, f)
			continue
		}
		problems = append(problems, finding.Problem{Path: f, Scanner: scanner, Kind: finding.ProblemTooLarge, Message: fmt.Sprintf(
			"not analysed: %d bytes is over the size limit (--max-file-size %d), and %s; raise the limit to check it",
			info.Size(), t.MaxFileSize, what)})
	}
	return kept, problems
}
