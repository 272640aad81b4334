// Package check is the one shape of a built-in IaC check, shared by the Kubernetes, Dockerfile,
// Compose and AWS families: a rule, a function over the family's typed model, and the examples
// that prove it (package checktest runs them). Evaluate runs a list of checks over one model and
// turns what they report into findings; a check that panics becomes a Problem naming it, so one
// broken check never silently hides the results of the others, and never crashes a scan.
package check

import (
	"context"
	"fmt"
	"slices"

	"github.com/palisade-sec/palisade/internal/finding"
)

// Check is one built-in check over a model of type M (a Kubernetes object set, a Dockerfile, a
// Compose project, an AWS model). It reports through R, the family's report function, whose
// arguments place the finding exactly: a field path, a line, a resource reference.
type Check[M, R any] struct {
	Rule finding.Rule
	// Run reports what is wrong with m.
	Run func(m M, report R)
	// Across marks a check that compares objects of different files (Kubernetes network
	// segmentation per namespace): it runs once over everything a scan found, not per file.
	Across bool
	// Fail are sources the check must flag on exactly their "# want" lines (a line ending in
	// "# want", or the line after a line that is only "# want"); Pass are sources it must not
	// flag. One table test per family runs them all (package checktest).
	Fail, Pass []string
}

// Rules lists the rules of checks, in order.
func Rules[M, R any](checks []Check[M, R]) []finding.Rule {
	out := make([]finding.Rule, 0, len(checks))
	for _, c := range checks {
		out = append(out, c.Rule)
	}
	return out
}

// Enabled returns the checks whose IDs are not in disable, in order.
func Enabled[M, R any](checks []Check[M, R], disable []string) []Check[M, R] {
	return slices.DeleteFunc(slices.Clone(checks), func(c Check[M, R]) bool { return slices.Contains(disable, c.Rule.ID) })
}

// Reporter makes the report function a check of rule reports through; it calls add with each
// finding, built with the family's exact line and fingerprint.
type Reporter[R any] func(rule *finding.Rule, add func(finding.Finding)) R

// Evaluate runs checks over m and returns their findings in check order. A check that panics is
// a Problem at path (the file or module the model came from) naming the check, and the other
// checks still run. The context is checked between checks; on cancellation Evaluate returns what
// it has with the context's error.
func Evaluate[M, R any](ctx context.Context, checks []Check[M, R], m M, path string, reporter Reporter[R]) ([]finding.Finding, []finding.Problem, error) {
	var out []finding.Finding
	var problems []finding.Problem
	for i := range checks {
		if err := ctx.Err(); err != nil {
			return out, problems, err
		}
		c := &checks[i]
		var got []finding.Finding
		if err := run(c, m, reporter(&c.Rule, func(f finding.Finding) { got = append(got, f) })); err != nil {
			// What a panicking check reported before it panicked is kept: it is true, just not all.
			problems = append(problems, finding.Problem{Path: path, Kind: finding.ProblemOther, Scanner: "iac", Message: err.Error()})
		}
		out = append(out, got...)
	}
	return out, problems, nil
}

// run runs one check, turning a panic into an error naming it.
func run[M, R any](c *Check[M, R], m M, report R) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("check %s failed (not checked): %v", c.Rule.ID, v)
		}
	}()
	c.Run(m, report)
	return nil
}
