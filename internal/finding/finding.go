package finding

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"
)

// Rule describes one check: what it looks for and how to fix what it finds. Every analyzer lists
// its rules so reports (SARIF's tool.driver.rules, the table's legend) can describe them.
type Rule struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Severity    Severity `json:"severity"`
	CWE         []string `json:"cwe,omitempty"` // "CWE-798"
	Remediation string   `json:"remediation,omitempty"`
	References  []string `json:"references,omitempty"`
	Tags        []string `json:"tags,omitempty"` // e.g. benchmark controls: "CIS-K8s-5.2.1", "PSS-restricted"
}

// Location is where a finding is. Lines and columns are 1-based; zero means unknown.
type Location struct {
	Path        string `json:"path"` // slash-separated, relative to the scan root
	StartLine   int    `json:"startLine,omitempty"`
	StartColumn int    `json:"startColumn,omitempty"`
	EndLine     int    `json:"endLine,omitempty"`
	EndColumn   int    `json:"endColumn,omitempty"`
	// Snippet is the offending source, with any secret in it already redacted.
	Snippet string `json:"snippet,omitempty"`
	// Commit is set when the finding came from version-control history rather than the work tree.
	Commit *Commit `json:"commit,omitempty"`
	// Layer is set when the finding is in a container image: the layer that put Path there.
	Layer *Layer `json:"layer,omitempty"`
}

// Layer names the container image layer a finding's file came from, and the build step that made
// it, so a report can say which Dockerfile instruction to change and whether the fix belongs to
// the base image or to the image's own layers.
type Layer struct {
	Index     int    `json:"index"`               // 0-based position among the image's layers, bottom first
	Digest    string `json:"digest,omitempty"`    // the layer blob's digest, "sha256:…"; empty for an unpacked root filesystem
	DiffID    string `json:"diffID,omitempty"`    // the digest of the layer's uncompressed tar
	CreatedBy string `json:"createdBy,omitempty"` // the history entry's created_by: the build step that made the layer
	Base      bool   `json:"base"`                // the layer came with the base image, not the image's own build
}

// Commit identifies the commit that introduced a finding found in history.
type Commit struct {
	Hash    string    `json:"hash"`
	Author  string    `json:"author,omitempty"`
	Email   string    `json:"email,omitempty"`
	Date    time.Time `json:"date"`
	Message string    `json:"message,omitempty"`
}

// Suppression records why a finding is not counted, so suppressed findings stay visible with an
// audit trail instead of being dropped.
type Suppression struct {
	Kind    SuppressionKind `json:"kind"`
	Reason  string          `json:"reason"`
	Source  string          `json:"source,omitempty"` // "src/app.go:12", ".palisadeignore.yaml:7", "baseline.json"
	Expires *time.Time      `json:"expires,omitempty"`
}

// SuppressionKind says which layer suppressed a finding.
type SuppressionKind string

// The suppression layers.
const (
	SuppressedInline     SuppressionKind = "inline"
	SuppressedIgnoreFile SuppressionKind = "ignore-file"
	SuppressedBaseline   SuppressionKind = "baseline"
)

// Finding is one thing wrong, found by one rule at one location.
type Finding struct {
	RuleID      string            `json:"ruleId"`
	Title       string            `json:"title"`
	Description string            `json:"description,omitempty"`
	Severity    Severity          `json:"severity"`
	Confidence  Confidence        `json:"confidence"`
	CWE         []string          `json:"cwe,omitempty"`
	Location    Location          `json:"location"`
	Fingerprint string            `json:"fingerprint"`
	Remediation string            `json:"remediation,omitempty"`
	References  []string          `json:"references,omitempty"`
	Scanner     string            `json:"scanner"` // "secret", "deps", "iac", …
	Properties  map[string]string `json:"properties,omitempty"`
	Suppression *Suppression      `json:"suppression,omitempty"`
	// Flow is the path from where untrusted data enters (the first step) to where it is used
	// (the last, the finding's Location), for rules that follow data; empty for the others.
	Flow []Step `json:"flow,omitempty"`
}

// Step is one location on a finding's Flow and what the data does there.
type Step struct {
	Location Location `json:"location"`
	Message  string   `json:"message"`
}

// Suppressed reports whether some layer suppressed the finding.
func (f *Finding) Suppressed() bool { return f.Suppression != nil }

// FingerprintScheme names the way Fingerprint derives its value. Formats that carry fingerprints
// for other tools (SARIF's partialFingerprints) file them under this name, and readers of those
// formats look for it, so a report written by one version is never matched against a baseline
// whose fingerprints were computed differently: the suffix changes if Fingerprint ever does.
const FingerprintScheme = "palisade/v1"

// Fingerprint derives a stable identity for a finding from the rule, the file path and a key that
// the scanner chooses to identify the thing found independent of where in the file it sits — the
// secret value, the package and advisory, the resource and attribute. Line numbers are left out on
// purpose, so that unrelated edits above a finding do not make it "new" against a baseline. The key
// is hashed, so a secret used as key never appears in output.
func Fingerprint(ruleID, path, key string) string {
	h := sha256.New()
	for _, part := range []string{ruleID, path, key} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Sort orders findings by severity (most severe first), then path, line, column and rule, so
// every output is deterministic.
func Sort(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(b.Severity, a.Severity),
			strings.Compare(a.Location.Path, b.Location.Path),
			cmp.Compare(a.Location.StartLine, b.Location.StartLine),
			cmp.Compare(a.Location.StartColumn, b.Location.StartColumn),
			strings.Compare(a.RuleID, b.RuleID),
			strings.Compare(a.Fingerprint, b.Fingerprint),
		)
	})
}

// AtOrAbove counts unsuppressed findings whose severity is at least min: the number a gate acts on.
func AtOrAbove(fs []Finding, min Severity) int {
	n := 0
	for i := range fs {
		if !fs[i].Suppressed() && fs[i].Severity >= min {
			n++
		}
	}
	return n
}
