package suppress

import (
	"context"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-sec/palisade/internal/finding"
)

// TestNosec: gosec's #nosec suppresses sast findings on its line (or from a comment line above),
// all rules when bare, only the mapped ones when it names gosec or Palisade rule IDs; it never
// suppresses another scanner's finding, and #nosecure is not the directive.
func TestNosec(t *testing.T) {
	fsys := fstest.MapFS{"app/h.go": {Data: []byte(`package app

func h() {
	db.Query(q) // #nosec G201 -- the query is built from constants only
	os.Open(p) // #nosec G201
	os.Open(p) //#nosec
	// #nosec G304
	os.Open(p)
	os.Open(p) // #nosecure
	exec.Command(c) /* #nosec go-command-injection */
	x := "k" // #nosec
}
`)}}
	at := func(rule, scanner string, line int) finding.Finding {
		f := finding2(rule, "app/h.go", line)
		f.Scanner = scanner
		return f
	}
	in := []finding.Finding{
		at("go-sql-injection", "sast", 4),
		at("go-path-traversal", "sast", 5),
		at("go-path-traversal", "sast", 6),
		at("go-path-traversal", "sast", 8),
		at("go-path-traversal", "sast", 9),
		at("go-command-injection", "sast", 10),
		at("generic-api-key", "secret", 11),
	}
	got, problems, err := Apply(context.Background(), in, Options{Lines: FileLines(FSReader(fsys), nil),
		Gosec: map[string][]string{"G201": {"go-sql-injection"}, "G304": {"go-path-traversal"}}})
	if err != nil || len(problems) != 0 {
		t.Fatalf("err %v, problems %v", err, problems)
	}
	want := map[int]*finding.Suppression{
		0: {Kind: finding.SuppressedInline, Reason: "the query is built from constants only", Source: "app/h.go:4"},
		2: {Kind: finding.SuppressedInline, Reason: "gosec #nosec comment, without a justification", Source: "app/h.go:6"},
		3: {Kind: finding.SuppressedInline, Reason: "gosec #nosec comment, without a justification", Source: "app/h.go:7"},
		5: {Kind: finding.SuppressedInline, Reason: "gosec #nosec comment, without a justification", Source: "app/h.go:10"},
	}
	for i := range got {
		if d := cmp.Diff(want[i], got[i].Suppression); d != "" {
			t.Errorf("finding %d (%s line %d) (-want +got):\n%s", i, got[i].RuleID, got[i].Location.StartLine, d)
		}
	}
}
