package k8s

import (
	"context"
	"slices"

	"github.com/palisade-sec/palisade/internal/finding"
)

// Check is one Kubernetes check, written once against the typed model so the scanner and the
// admission webhook run the same code. A check looks at one object (Object) or at every object
// of a scan together (Tree), never both.
type Check struct {
	Rule finding.Rule
	// Object reports what is wrong with one object.
	Object func(r *Resource, report Report)
	// Tree reports what is wrong across objects: network segmentation per namespace.
	Tree func(rs []*Resource, report TreeReport)
	// Fail are manifests the check must flag, with each flagged line marked "# want"; Pass are
	// manifests it must not flag. One table test runs them all.
	Fail, Pass []string
}

// Report records one problem at the field p of the object being checked.
type Report func(p Path, message string)

// TreeReport records one problem at the field p of object r.
type TreeReport func(r *Resource, p Path, message string)

// Evaluate runs checks over resources and returns their findings, with the line of the offending
// field (or of the object or container it is missing from) and a fingerprint keyed on
// kind/namespace/name/field path so it survives unrelated edits.
func Evaluate(ctx context.Context, checks []Check, rs []*Resource) ([]finding.Finding, error) {
	var out []finding.Finding
	for i := range checks {
		c := &checks[i]
		emit := func(r *Resource, p Path, msg string) {
			out = append(out, NewFinding(&c.Rule, r, p, msg))
		}
		if c.Tree != nil {
			c.Tree(rs, emit)
			continue
		}
		if c.Object == nil {
			continue
		}
		for j, r := range rs {
			if j%256 == 0 {
				if err := ctx.Err(); err != nil {
					return out, err
				}
			}
			c.Object(r, func(p Path, msg string) { emit(r, p, msg) })
		}
	}
	return out, nil
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

// Rules lists the rules of checks, in order.
func Rules(checks []Check) []finding.Rule {
	out := make([]finding.Rule, 0, len(checks))
	for _, c := range checks {
		out = append(out, c.Rule)
	}
	return out
}

// Select returns the checks whose IDs are not in skip.
func Select(checks []Check, skip []string) []Check {
	return slices.DeleteFunc(slices.Clone(checks), func(c Check) bool { return slices.Contains(skip, c.Rule.ID) })
}
