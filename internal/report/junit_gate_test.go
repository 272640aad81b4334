package report

import (
	"encoding/xml"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-sec/palisade/internal/finding"
)

// With a gate, only findings at or above it fail; the rest are skipped with a message saying
// they are below the gate, and an accepted problem is skipped rather than an error. Without a
// gate (the zero value) every unsuppressed finding fails, as before.
func TestJUnitFailsOnlyAtOrAboveTheGate(t *testing.T) {
	run := func() *Run {
		return &Run{
			Scanners: []string{"s"},
			Findings: []finding.Finding{
				{RuleID: "crit", Severity: finding.SeverityCritical, Scanner: "s", Fingerprint: "1", Location: finding.Location{Path: "a", StartLine: 1}},
				{RuleID: "low", Severity: finding.SeverityLow, Scanner: "s", Fingerprint: "2", Location: finding.Location{Path: "a", StartLine: 2}},
				{RuleID: "info", Severity: finding.SeverityInfo, Scanner: "s", Fingerprint: "3", Location: finding.Location{Path: "b", StartLine: 1}},
			},
			Problems: []finding.Problem{
				{Path: "go.sum", Scanner: "s", Message: "parse go.sum: line 1", Kind: finding.ProblemParse},
				{Scanner: "s", Message: "the vulnerability database is 9d old", Kind: finding.ProblemStaleVulnDB, Accepted: true},
			},
		}
	}
	type outcome struct{ Failures, Errors, Skipped int }
	for _, tc := range []struct {
		name    string
		failOn  finding.Severity
		want    outcome
		skipMsg string
	}{
		{"gate high", finding.SeverityHigh, outcome{Failures: 1, Errors: 1, Skipped: 3}, "below the gate (high)"},
		{"gate low", finding.SeverityLow, outcome{Failures: 2, Errors: 1, Skipped: 2}, "below the gate (low)"},
		{"no gate", finding.SeverityUnknown, outcome{Failures: 3, Errors: 1, Skipped: 1}, "accepted problem (stale-vulndb)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var doc junitSuites
			if err := xml.Unmarshal(write(t, JUnit{FailOn: tc.failOn}, run()), &doc); err != nil {
				t.Fatal(err)
			}
			var got outcome
			var skipped []string
			for _, c := range doc.Suites[0].Cases {
				switch {
				case c.Failure != nil:
					got.Failures++
				case c.Error != nil:
					got.Errors++
				case c.Skipped != nil:
					got.Skipped++
					skipped = append(skipped, c.Skipped.Message)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("outcomes (-want +got):\n%s", diff)
			}
			if !strings.Contains(strings.Join(skipped, "\n"), tc.skipMsg) {
				t.Errorf("skipped messages %q lack %q", skipped, tc.skipMsg)
			}
			if doc.Failures != tc.want.Failures {
				t.Errorf("testsuites failures=%d, want %d", doc.Failures, tc.want.Failures)
			}
		})
	}
}

// The writer New builds for "junit" carries the gate from Options.
func TestNewJUnitTakesTheGate(t *testing.T) {
	w, err := New("junit", Options{FailOn: finding.SeverityHigh})
	if err != nil {
		t.Fatal(err)
	}
	if j, ok := w.(JUnit); !ok || j.FailOn != finding.SeverityHigh {
		t.Errorf("New(junit) = %#v, want JUnit{FailOn: high}", w)
	}
}
