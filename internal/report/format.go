package report

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/palisade-sec/palisade/internal/finding"
)

// Options tunes the writers New builds. Only the table writer reads Color and GroupBy; the
// machine formats ignore them, so one Options value can serve every format.
type Options struct {
	// Color turns on ANSI colour for severities in the table. Decide it with IsTerminal (and the
	// NO_COLOR convention) so escape codes never land in a file or a pipe.
	Color bool
	// GroupBy chooses how the table groups findings; the zero value groups by severity.
	GroupBy Grouping
	// FailOn is the gate the run was judged by: JUnit fails only testcases with findings at or
	// above it. The zero value fails every unsuppressed finding.
	FailOn finding.Severity
}

// Grouping is how the table writer groups findings.
type Grouping string

// The table groupings.
const (
	GroupBySeverity Grouping = "severity" // most severe first: what to fix first
	GroupByFile     Grouping = "file"     // path order: what to open in an editor
)

// ParseGrouping reads a grouping name; the empty string means GroupBySeverity.
func ParseGrouping(name string) (Grouping, error) {
	switch g := Grouping(strings.ToLower(strings.TrimSpace(name))); g {
	case "", GroupBySeverity:
		return GroupBySeverity, nil
	case GroupByFile:
		return GroupByFile, nil
	default:
		return "", fmt.Errorf("unknown table grouping %q (want severity or file)", name)
	}
}

// format is one output format: its name as users type it, a one-line description for help text,
// and how to build its writer.
type format struct {
	name        string
	description string
	build       func(Options) Writer
}

// formats is the one list of output formats, in the order help text shows them.
func formats() []format {
	return []format{
		{"table", "human-readable findings grouped by severity or file, with a summary", func(o Options) Writer {
			return &Table{Color: o.Color, GroupBy: o.GroupBy}
		}},
		{"json", "the versioned Palisade JSON report (docs/report-json.md)", func(Options) Writer { return JSON{} }},
		{"sarif", "SARIF 2.1.0 for GitHub code scanning and other SARIF viewers", func(Options) Writer { return SARIF{} }},
		{"junit", "JUnit XML for CI test-report views (Jenkins, GitLab)", func(o Options) Writer { return JUnit{FailOn: o.FailOn} }},
	}
}

// Formats returns the names of the output formats New accepts, in display order.
func Formats() []string {
	var names []string
	for _, f := range formats() {
		names = append(names, f.name)
	}
	return names
}

// New returns the writer for format (case-insensitive). An unknown format is an error naming the
// formats that exist, so a typo in a pipeline fails instead of writing nothing.
func New(name string, opts Options) (Writer, error) {
	want := strings.ToLower(strings.TrimSpace(name))
	for _, f := range formats() {
		if f.name == want {
			if _, err := ParseGrouping(string(opts.GroupBy)); err != nil {
				return nil, fmt.Errorf("new %s writer: %w", f.name, err)
			}
			return f.build(opts), nil
		}
	}
	return nil, fmt.Errorf("unknown report format %q (want one of %s)", name, strings.Join(Formats(), ", "))
}

// SensitivePropertyPrefix marks a Finding.Properties key whose value is for the process only (a
// raw match kept for verification, a token used to check liveness). No writer ever outputs such a
// property, so a scanner that must carry a secret alongside a finding cannot leak it by accident.
const SensitivePropertyPrefix = "sensitive."

// publicProperties returns the properties a writer may show: every key without the sensitive
// prefix. It returns nil when nothing is left, so empty maps are omitted from output.
func publicProperties(props map[string]string) map[string]string {
	var out map[string]string
	for k, v := range props {
		if strings.HasPrefix(strings.ToLower(k), SensitivePropertyPrefix) {
			continue
		}
		if out == nil {
			out = make(map[string]string, len(props))
		}
		out[k] = v
	}
	return out
}

// sortedFindings returns a copy of the run's findings in the canonical order (finding.Sort) with
// sensitive properties removed. Writers work on the copy: they never change the Run they are
// given, and the output does not depend on the order in which concurrent scanners reported.
func sortedFindings(r *Run) []finding.Finding {
	fs := slices.Clone(r.Findings)
	for i := range fs {
		fs[i].Properties = publicProperties(fs[i].Properties)
	}
	finding.Sort(fs)
	return fs
}

// canonical returns a shallow copy of r in the canonical order every writer uses: findings as
// finding.Sort orders them (with sensitive properties removed), rules by ID, skips and problems by
// path. The output then depends only on what the scan found, not on the order in which
// concurrent scanners reported it, and the caller's Run is left untouched.
func canonical(r *Run) *Run {
	c := *r
	c.Findings = sortedFindings(r)
	c.Rules = slices.Clone(r.Rules)
	sortRules(c.Rules)
	c.Skipped = slices.Clone(r.Skipped)
	slices.SortStableFunc(c.Skipped, func(a, b finding.Skip) int {
		return cmp.Or(strings.Compare(a.Path, b.Path), strings.Compare(a.Reason, b.Reason))
	})
	c.Problems = slices.Clone(r.Problems)
	slices.SortStableFunc(c.Problems, func(a, b finding.Problem) int {
		return cmp.Or(strings.Compare(a.Path, b.Path), cmp.Compare(a.Line, b.Line),
			strings.Compare(a.Scanner, b.Scanner), strings.Compare(a.Message, b.Message))
	})
	return &c
}

// suppressionKinds lists the suppression layers in the order reports show them.
func suppressionKinds() []finding.SuppressionKind {
	return []finding.SuppressionKind{finding.SuppressedInline, finding.SuppressedIgnoreFile, finding.SuppressedBaseline}
}

// sortedKeys returns m's keys in order, for deterministic output of maps.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
