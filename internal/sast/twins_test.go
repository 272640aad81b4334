package sast

import (
	"bufio"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/sast/taint"
	"github.com/palisade-sec/palisade/internal/scan"
)

// marker reads the expectations of the twins: `// want "rule"` on a vulnerable twin's sink line,
// `// ok "rule"` on the safe twin's; `// fp "rule"` on a safe line the engine is known to report and
// `// fn "rule"` on a vulnerable line it is known to miss (its limits, counted in the rates).
var marker = regexp.MustCompile(`// (want|ok|fp|fn) "([a-z0-9-]+)"`)

type mark struct {
	at   string // file:line
	rule string
}

// marks are a tree's expectations by kind.
type marks struct{ want, ok, fp, fn []mark }

func readMarks(t *testing.T, root string) marks {
	t.Helper()
	var ms marks
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		rel, _ := filepath.Rel(root, p)
		sc := bufio.NewScanner(f)
		for line := 1; sc.Scan(); line++ {
			for _, m := range marker.FindAllStringSubmatch(sc.Text(), -1) {
				mk := mark{at: fmt.Sprintf("%s:%d", filepath.ToSlash(rel), line), rule: m[2]}
				switch m[1] {
				case "want":
					ms.want = append(ms.want, mk)
				case "ok":
					ms.ok = append(ms.ok, mk)
				case "fp":
					ms.fp = append(ms.fp, mk)
				case "fn":
					ms.fn = append(ms.fn, mk)
				}
			}
		}
		return sc.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// TestTwins is the one table of the taint rules: every vulnerable twin's sink is found, with the
// right rule, and nothing else is — no finding on a safe twin, none anywhere unmarked. It logs
// TPR − FPR per CWE over the twins (docs/sast.md quotes it).
func TestTwins(t *testing.T) {
	root, err := filepath.Abs("testdata/twins")
	if err != nil {
		t.Fatal(err)
	}
	ms := readMarks(t, root)
	want := append(slices.Clone(ms.want), ms.fp...)
	a := New(Options{})
	found, err := a.AnalyzeTree(context.Background(), &scan.Tree{Dir: root, Files: []string{"go.mod"}})
	if err != nil {
		t.Fatalf("AnalyzeTree: %v", err)
	}
	again, err := a.AnalyzeTree(context.Background(), &scan.Tree{Dir: root, Files: []string{"go.mod"}})
	if err != nil {
		t.Fatalf("AnalyzeTree again: %v", err)
	}
	finding.Sort(found)
	finding.Sort(again)
	if d := cmp.Diff(found, again); d != "" {
		t.Errorf("two runs differ (paths or order must not depend on map order):\n%s", d)
	}
	var got []mark
	for _, f := range found {
		got = append(got, mark{at: fmt.Sprintf("%s:%d", f.Location.Path, f.Location.StartLine), rule: f.RuleID})
		if len(f.Flow) < 2 || f.Flow[len(f.Flow)-1].Location.StartLine != f.Location.StartLine {
			t.Errorf("%s %s: flow %v does not end at the sink", f.RuleID, f.Location.Path, f.Flow)
		}
	}
	less := func(a, b mark) int { return strings.Compare(a.at+a.rule, b.at+b.rule) }
	slices.SortFunc(got, less)
	got = slices.Compact(got)
	slices.SortFunc(want, less)
	if d := cmp.Diff(want, got, cmp.AllowUnexported(mark{})); d != "" {
		t.Errorf("findings (-want +got):\n%s", d)
	}

	// TPR − FPR per CWE over the twins.
	cwe := map[string]string{}
	for _, c := range taint.Classes() {
		cwe[c.RuleID] = c.CWE
	}
	type rate struct{ tp, p, fp, n int }
	rates := map[string]*rate{}
	at := func(r string) *rate {
		if rates[cwe[r]] == nil {
			rates[cwe[r]] = &rate{}
		}
		return rates[cwe[r]]
	}
	for _, w := range append(slices.Clone(ms.want), ms.fn...) {
		at(w.rule).p++
		if slices.Contains(got, w) {
			at(w.rule).tp++
		}
	}
	for _, o := range append(slices.Clone(ms.ok), ms.fp...) {
		at(o.rule).n++
		if slices.Contains(got, o) {
			at(o.rule).fp++
		}
	}
	keys := make([]string, 0, len(rates))
	for k := range rates {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		r := rates[k]
		tpr := float64(r.tp) / float64(max(r.p, 1))
		fpr := float64(r.fp) / float64(max(r.n, 1))
		t.Logf("%-9s TP %d/%d  FP %d/%d  TPR−FPR %.2f", k, r.tp, r.p, r.fp, r.n, tpr-fpr)
	}
}
