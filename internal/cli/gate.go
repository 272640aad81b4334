package cli

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/palisade-sec/palisade/internal/config"
	"github.com/palisade-sec/palisade/internal/errkind"
	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/report"
)

// The gate rule, one place: unsuppressed findings at or above scan.fail-on exit 1; otherwise any
// problem (an input that could not be checked) the user did not accept exits 2. Problems are
// accepted by kind (scan.accept-problems) or all at once (--fail-on-problems=false); accepted
// problems stay in the report, marked, so the summary says what was not checked and why it passed.

// checkAcceptProblems refuses a problem kind the gate does not know: a typo would otherwise
// accept nothing and the user would believe it accepted something (or the reverse).
func checkAcceptProblems(cfg *config.Config) error {
	kinds := finding.ProblemKinds()
	for i, k := range cfg.Scan.AcceptProblems {
		if !slices.Contains(kinds, k) {
			return cfg.FieldError(fmt.Sprintf("scan.accept-problems[%d]", i), errkind.Wrap(errkind.Invalid,
				fmt.Errorf("unknown problem kind %q (known: %s)", k, strings.Join(kinds, ", "))))
		}
	}
	return nil
}

// markProblems gives every problem its kind and says whether the gate accepts it.
func markProblems(cfg *config.Config, run *report.Run) {
	for i := range run.Problems {
		p := &run.Problems[i]
		if p.Kind == "" {
			// Producers say what kind of input went unchecked; one that did not (an analyzer's
			// own error) is "other", which fails the gate unless accepted like any kind.
			p.Kind = finding.ProblemOther
		}
		p.Accepted = !cfg.Scan.FailOnProblems || slices.Contains(cfg.Scan.AcceptProblems, p.Kind)
	}
}

// gate returns ErrGate (exit 1) for findings at or above scan.fail-on, then ErrProblems (exit 2)
// for problems not accepted, or nil. markProblems must have run.
func gate(cfg *config.Config, run *report.Run) error {
	if n := finding.AtOrAbove(run.Findings, cfg.Scan.FailOn); n > 0 {
		return fmt.Errorf("%d %w (%s)", n, ErrGate, cfg.Scan.FailOn)
	}
	var failed []string
	n := 0
	for _, p := range run.Problems {
		if p.Accepted {
			continue
		}
		n++
		if !slices.Contains(failed, p.Kind) {
			failed = append(failed, p.Kind)
		}
	}
	if n > 0 {
		return fmt.Errorf("%w: %d problem(s) of kind %s (see Problems; accept a kind with --accept-problems or scan.accept-problems, every kind with --fail-on-problems=false)",
			ErrProblems, n, strings.Join(failed, ", "))
	}
	return nil
}

// ErrProblems is returned when some input could not be checked and the user did not accept its
// kind; it is exit 2: the report cannot vouch for what it did not see.
var ErrProblems = errors.New("inputs that could not be checked fail the gate")
