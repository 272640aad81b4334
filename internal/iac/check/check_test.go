package check_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/iac/check"
)

// A toy family: the model is a list of words, a check reports a word by its index (its line).
type words []string

type wordReport func(i int, msg string)

type wordCheck = check.Check[words, wordReport]

func flag(id, word string) wordCheck {
	return wordCheck{
		Rule: finding.Rule{ID: id, Severity: finding.SeverityHigh},
		Run: func(m words, report wordReport) {
			for i, w := range m {
				if w == word {
					report(i+1, "found "+w)
				}
			}
		},
	}
}

func boom() wordCheck {
	return wordCheck{
		Rule: finding.Rule{ID: "boom"},
		Run: func(m words, report wordReport) {
			report(1, "before the panic")
			_ = m[len(m)] // index out of range
		},
	}
}

func evaluate(ctx context.Context, checks []wordCheck, m words) ([]finding.Finding, []finding.Problem, error) {
	return check.Evaluate(ctx, checks, m, "w.txt", func(r *finding.Rule, add func(finding.Finding)) wordReport {
		return func(i int, msg string) {
			add(finding.Finding{RuleID: r.ID, Description: msg, Location: finding.Location{Path: "w.txt", StartLine: i}})
		}
	})
}

type hit struct {
	Rule string
	Line int
}

func hits(fs []finding.Finding) []hit {
	var out []hit
	for _, f := range fs {
		out = append(out, hit{f.RuleID, f.Location.StartLine})
	}
	return out
}

func TestEvaluate(t *testing.T) {
	m := words{"a", "b", "a"}
	for _, tc := range []struct {
		name         string
		checks       []wordCheck
		want         []hit
		wantProblems []finding.Problem
	}{
		{"in check order, exact lines", []wordCheck{flag("x-b", "b"), flag("x-a", "a")}, []hit{{"x-b", 2}, {"x-a", 1}, {"x-a", 3}}, nil},
		{
			// A panicking check is named as a problem; what it reported stays, and the others run.
			"panic is a problem", []wordCheck{boom(), flag("x-a", "a")}, []hit{{"boom", 1}, {"x-a", 1}, {"x-a", 3}},
			[]finding.Problem{{Path: "w.txt", Scanner: "iac", Kind: finding.ProblemOther, Message: "check boom failed (not checked): runtime error: index out of range [3] with length 3"}},
		},
		{"no checks", nil, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs, problems, err := evaluate(context.Background(), tc.checks, m)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, hits(fs)); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantProblems, problems); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEvaluateStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	fs, _, err := evaluate(ctx, []wordCheck{flag("x-a", "a")}, words{"a"})
	if err != context.Canceled || len(fs) != 0 {
		t.Errorf("findings %v, err %v; want none and context.Canceled", fs, err)
	}
}

func TestEnabledAndRules(t *testing.T) {
	all := []wordCheck{flag("x-a", "a"), flag("x-b", "b"), flag("x-c", "c")}
	got := check.Rules(check.Enabled(all, []string{"x-b", "unknown"}))
	var ids []string
	for _, r := range got {
		ids = append(ids, r.ID)
	}
	if diff := cmp.Diff([]string{"x-a", "x-c"}, ids); diff != "" {
		t.Errorf("enabled (-want +got):\n%s", diff)
	}
	if len(all) != 3 {
		t.Error("Enabled changed its argument")
	}
}
