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
	Tool   Tool   `json:"tool"`
	Target string `json:"target"`
	// Image names the container image scanned (scan --image); nil for a directory or history.
	Image    *Image    `json:"image,omitempty"`
	Scanners []string  `json:"scanners"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`

	Rules    []finding.Rule    `json:"rules,omitempty"`
	Findings []finding.Finding `json:"findings"`

	Stats    Stats             `json:"stats"`
	Skipped  []finding.Skip    `json:"skipped,omitempty"`
	Problems []finding.Problem `json:"problems,omitempty"`
}

// Image is the container image a run scanned, as the registry or archive named it: the digest
// is what pins it, the reference how the user asked for it.
type Image struct {
	Name         string `json:"name"`                   // what was opened: a path or the reference as written
	Reference    string `json:"reference,omitempty"`    // the registry reference pinned by digest
	Digest       string `json:"digest,omitempty"`       // the manifest digest; empty for a legacy archive or a root filesystem
	ConfigDigest string `json:"configDigest,omitempty"` // the image ID
	Platform     string `json:"platform,omitempty"`     // os/arch[/variant]
	Layers       int    `json:"layers"`
	// BaseName and BaseDigest name the base image as the image's annotations or labels do;
	// BaseLayers is how many of its bottom layers are the base's (0 when it could not be told).
	BaseName   string `json:"baseName,omitempty"`
	BaseDigest string `json:"baseDigest,omitempty"`
	BaseLayers int    `json:"baseLayers,omitempty"`
	// BaseUpdate is what `scan --image --check-base-update` found; nil when it was not asked for.
	BaseUpdate *BaseUpdate `json:"baseUpdate,omitempty"`
}

// BaseUpdate says whether the newest tag of the base image's line would remove the findings in
// packages that came with the base image (docs/images.md, "Would a newer base fix it?").
type BaseUpdate struct {
	// Checked is true when a newer base was found and scanned; Note then says nothing more.
	Checked bool `json:"checked"`
	// Base is the base image as the image names it; Newer the newer tag checked, written the
	// same way ("debian:12.8"), and NewerDigest the manifest digest it resolved to.
	Base        string `json:"base,omitempty"`
	Newer       string `json:"newer,omitempty"`
	NewerDigest string `json:"newerDigest,omitempty"`
	// Findings counts the vulnerability findings in packages of the base image's layers, and
	// Removed how many of them the newer base does not have.
	Findings int `json:"findings"`
	Removed  int `json:"removed"`
	// Note says why the check did not run or found nothing to check against (no base name, a
	// tag without a version order, no newer tag); a failure to reach the registry is a problem.
	Note string `json:"note,omitempty"`
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
