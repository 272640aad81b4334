package scan

import (
	"context"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-sec/palisade/internal/finding"
)

// partialTree finds something in every file it can read and reports the ones it cannot, the way
// a lockfile or manifest analyzer meets one broken file among many.
type partialTree struct{}

func (partialTree) Name() string { return "partial" }

func (partialTree) AnalyzeTree(_ context.Context, t *Tree) ([]finding.Finding, error) {
	var out []finding.Finding
	inc := &Incomplete{}
	for _, p := range t.Files {
		if p == "broken.yaml" {
			inc.Problems = append(inc.Problems, finding.Problem{Path: p, Line: 3, Message: "invalid YAML"})
			continue
		}
		out = append(out, finding.Finding{RuleID: "seen", Severity: finding.SeverityLow, Location: finding.Location{Path: p, StartLine: 1}})
	}
	inc.Problems = append(inc.Problems, finding.Problem{Message: "database is 9 days old"})
	return out, inc
}

func TestTreeAnalyzerIncompleteKeepsFindingsAndEachProblem(t *testing.T) {
	root := writeTree(t, fstest.MapFS{
		"a.yaml":      file("a: 1\n"),
		"broken.yaml": file("a: [\n"),
	})
	run, err := Dir(context.Background(), root, Options{Analyzers: []Analyzer{partialTree{}}})
	if err != nil {
		t.Fatal(err)
	}
	want := []finding.Problem{
		{Scanner: "partial", Message: "database is 9 days old"},
		{Path: "broken.yaml", Line: 3, Scanner: "partial", Message: "invalid YAML"},
	}
	if d := cmp.Diff(want, run.Problems); d != "" {
		t.Errorf("problems (-want +got):\n%s", d)
	}
	if len(run.Findings) != 1 || run.Findings[0].Location.Path != "a.yaml" {
		t.Errorf("findings beside the problems were lost: %+v", run.Findings)
	}
}

// twice reports every finding twice over, once per input that leads to the same line, the way a
// Kustomize base and its overlay both point at the base's line; and one finding of another title
// at the same place, which must survive.
type twice struct{}

func (twice) Name() string { return "twice" }

func (twice) AnalyzeTree(_ context.Context, t *Tree) ([]finding.Finding, error) {
	at := finding.Location{Path: "a.yaml", StartLine: 4}
	return []finding.Finding{
		{RuleID: "probe", Title: "no probe", Severity: finding.SeverityLow, Location: at, Fingerprint: "base"},
		{RuleID: "probe", Title: "no probe", Severity: finding.SeverityLow, Location: at, Fingerprint: "overlay"},
		{RuleID: "probe", Title: "no probe in sidecar", Severity: finding.SeverityLow, Location: at, Fingerprint: "other"},
	}, nil
}

func TestSameFindingAtSamePlaceIsReportedOnce(t *testing.T) {
	root := writeTree(t, fstest.MapFS{"a.yaml": file("a: 1\n")})
	run, err := Dir(context.Background(), root, Options{Analyzers: []Analyzer{twice{}}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range run.Findings {
		got = append(got, f.Title+"/"+f.Fingerprint)
	}
	want := []string{"no probe/base", "no probe in sidecar/other"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("findings (-want +got):\n%s", d)
	}
}
