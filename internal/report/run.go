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

	Stats    Stats             `json:"stats"`
	Skipped  []finding.Skip    `json:"skipped,omitempty"`
	Problems []finding.Problem `json:"problems,omitempty"`
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
