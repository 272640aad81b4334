package k8s

import (
	"context"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/iac/check"
)

// Check is one Kubernetes check, written once against the typed model so the scanner and the
// admission webhook run the same code. Most checks look at one object at a time (written with
// each, onKind, onPod or onContainer); a check marked Across compares the objects of a whole scan
// (network segmentation per namespace) and runs once over all of them.
type Check = check.Check[[]*Resource, TreeReport]

// Report records one problem at the field p of the object being checked.
type Report func(p Path, message string)

// TreeReport records one problem at the field p of object r.
type TreeReport func(r *Resource, p Path, message string)

// Evaluate runs checks over resources and returns their findings, with the line of the offending
// field (or of the object or container it is missing from) and a fingerprint keyed on
// kind/namespace/name/field path so it survives unrelated edits. path names the file (or scan)
// the objects come from, for the Problem of a check that fails.
func Evaluate(ctx context.Context, checks []Check, rs []*Resource, path string) ([]finding.Finding, []finding.Problem, error) {
	return check.Evaluate(ctx, checks, rs, path, func(rule *finding.Rule, add func(finding.Finding)) TreeReport {
		return func(r *Resource, p Path, msg string) { add(NewFinding(rule, r, p, msg)) }
	})
}

// NewFinding builds the finding of rule at field p of r, with the line of the field and a
// fingerprint keyed on kind/namespace/name/field path.
func NewFinding(rule *finding.Rule, r *Resource, p Path, msg string) finding.Finding {
	field := p.String()
	return finding.Finding{
		RuleID:      rule.ID,
		Title:       rule.Title,
		Description: msg,
		Severity:    rule.Severity,
		Confidence:  finding.ConfidenceHigh,
		CWE:         rule.CWE,
		Location:    finding.Location{Path: r.File, StartLine: r.Line(p)},
		Fingerprint: finding.Fingerprint(rule.ID, r.File, r.ID()+"/"+field),
		Remediation: rule.Remediation,
		References:  rule.References,
		Scanner:     "iac",
		Properties:  map[string]string{"resource": r.ID(), "field": field},
	}
}
