// Package report holds the document a scan produces (Run) and the writers that render it: a
// human table, JSON (a documented, versioned schema), SARIF 2.1.0 and JUnit XML.
//
// Writers depend only on the Run they are given, never on CLI flags; they must never print a
// secret in full (findings arrive already redacted; writers add nothing from outside them).
package report

import (
	"time"

	"github.com/palisade-sec/palisade/internal/finding"
)

// Run is the result of one scan: what ran, on what, what it found, and what it could not look at.
type Run struct {
	Tool     Tool      `json:"tool"`
	Target   string    `json:"target"`
	Scanners []string  `json:"scanners"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`

	Rules    []finding.Rule    `json:"rules,omitempty"`
	Findings []finding.Finding `json:"findings"`

	Stats    Stats     `json:"stats"`
	Skipped  []Skip    `json:"skipped,omitempty"`
	Problems []Problem `json:"problems,omitempty"`
}

// Tool names the program that produced the run.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	URI     string `json:"uri,omitempty"`
}

// Stats counts what a scan covered.
type Stats struct {
	FilesScanned int            `json:"filesScanned"`
	BytesScanned int64          `json:"bytesScanned"`
	Commits      int            `json:"commits,omitempty"`
	SkippedBy    map[string]int `json:"skippedBy,omitempty"` // reason → number of paths
}

// Skip is a path the scan deliberately did not look at, and why; reported so users can see it.
type Skip struct {
	Path   string `json:"path"`
	Reason string `json:"reason"` // one of the Skip* reasons below, or an analyzer's own
}

// The engine's skip reasons.
const (
	SkipGitignore = "gitignore"
	SkipDefault   = "default-rule" // vendored code, lock files, test fixtures …: the explicit default list
	SkipBinary    = "binary"
	SkipTooLarge  = "too-large"
	SkipSymlink   = "symlink"
	SkipExcluded  = "excluded" // user --exclude or config
)

// Problem is something that went wrong with one input; the scan went on, and the run reports it
// instead of dropping the file silently.
type Problem struct {
	Path    string `json:"path,omitempty"`
	Line    int    `json:"line,omitempty"`
	Scanner string `json:"scanner,omitempty"`
	Message string `json:"message"`
}

// Unsuppressed returns the findings no layer suppressed.
func (r *Run) Unsuppressed() []finding.Finding {
	var out []finding.Finding
	for _, f := range r.Findings {
		if !f.Suppressed() {
			out = append(out, f)
		}
	}
	return out
}
