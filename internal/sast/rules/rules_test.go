package rules

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/tools/go/packages"

	"github.com/palisade-sec/palisade/internal/finding"
)

var update = flag.Bool("update", false, "rewrite the generated tables of docs/sast-rules.md")

// twins loads the testdata module once for every test: go list is the slow part.
var twins = sync.OnceValues(func() ([]*packages.Package, error) {
	dir, err := filepath.Abs(filepath.Join("testdata", "src"))
	if err != nil {
		return nil, err
	}
	cfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedSyntax | packages.NeedTypes | packages.NeedTypesInfo | packages.NeedModule,
		Dir:  dir,
		Env:  append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off", "GOTOOLCHAIN=local"),
	}
	pkgs, err := packages.Load(cfg, "./...")
	if err != nil {
		return nil, err
	}
	var errs []error
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		for _, e := range p.Errors {
			errs = append(errs, fmt.Errorf("%s: %s", p.PkgPath, e))
		}
	})
	return pkgs, errors.Join(errs...)
})

// site is one line of a twin and the rule a marker names there.
type site struct {
	File string
	Line int
	Rule string
}

func (s site) String() string { return fmt.Sprintf("%s:%d %s", s.File, s.Line, s.Rule) }

// The markers of the twins. On a vulnerable line, want must be found and miss (a known false
// negative) must not; on a safe line, ok must not be found and fp (a known false positive) must.
// Misses and false positives are kept in the twins so the measured rates say what the rules miss.
var marker = regexp.MustCompile(`// (want|miss|ok|fp) "([^"]+)"`)

// markers reads the markers of every testdata file: want and miss are vulnerable sites, ok and fp
// safe ones.
func markers(t *testing.T, root string) (want, miss, ok, fp []site) {
	t.Helper()
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		rel, _ := filepath.Rel(root, path)
		sc := bufio.NewScanner(f)
		for line := 1; sc.Scan(); line++ {
			for _, m := range marker.FindAllStringSubmatch(sc.Text(), -1) {
				s := site{filepath.ToSlash(rel), line, m[2]}
				switch m[1] {
				case "want":
					want = append(want, s)
				case "miss":
					miss = append(miss, s)
				case "ok":
					ok = append(ok, s)
				case "fp":
					fp = append(fp, s)
				}
			}
		}
		return sc.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return want, miss, ok, fp
}

// TestTwins runs every rule over the twins and asserts the exact findings: every want marker is
// found, nothing else is, and every rule has vulnerable and safe samples.
func TestTwins(t *testing.T) {
	pkgs, err := twins()
	if err != nil {
		t.Fatalf("load twins: %v", err)
	}
	fs, err := Check(context.Background(), pkgs, nil)
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	root, _ := filepath.Abs(filepath.Join("testdata", "src"))
	want, miss, ok, fp := markers(t, root)
	got := map[string][]site{}
	for _, f := range fs {
		rel, err := filepath.Rel(root, f.Location.Path)
		if err != nil {
			t.Fatalf("finding outside the twins: %s", f.Location.Path)
		}
		got[f.RuleID] = append(got[f.RuleID], site{filepath.ToSlash(rel), f.Location.StartLine, f.RuleID})
		if b, _ := json.Marshal(f); strings.Contains(string(b), "mQ2$vL8p") || strings.Contains(string(b), "Pa55w0rd") || strings.Contains(string(b), "T0kenV4lue") {
			t.Errorf("%s at %s:%d: a hardcoded credential leaks in clear: %s", f.RuleID, f.Location.Path, f.Location.StartLine, b)
		}
		if f.Fingerprint == "" || f.Scanner != "sast" || f.Severity == finding.SeverityUnknown || f.Confidence == finding.ConfidenceUnknown {
			t.Errorf("%s: incomplete finding %+v", f.RuleID, f)
		}
	}
	ids := map[string]bool{}
	for _, r := range Rules() {
		ids[r.ID] = true
		t.Run(r.ID, func(t *testing.T) {
			var w []site // what must be found: the wants and the known false positives
			for _, s := range slices.Concat(want, fp) {
				if s.Rule == r.ID {
					w = append(w, s)
				}
			}
			if !slices.ContainsFunc(want, func(s site) bool { return s.Rule == r.ID }) || !slices.ContainsFunc(ok, func(s site) bool { return s.Rule == r.ID }) {
				t.Errorf("rule %s needs vulnerable (want) and safe (ok) twins", r.ID)
			}
			g := got[r.ID]
			sortSites(w)
			sortSites(g)
			if diff := cmp.Diff(w, g); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
	for id := range got {
		if !ids[id] {
			t.Errorf("finding of unlisted rule %s", id)
		}
	}
	for _, s := range slices.Concat(want, miss, ok, fp) {
		if !ids[s.Rule] {
			t.Errorf("%s: marker names no rule", s)
		}
	}
	rates := rateTable(slices.Concat(want, miss), slices.Concat(ok, fp), got)
	t.Logf("TPR − FPR per CWE over the twins:\n%s", rates)
	checkDocs(t, rates)
}

func sortSites(s []site) {
	sort.Slice(s, func(i, j int) bool { return s[i].String() < s[j].String() })
}

// rateTable measures, per CWE, the true-positive rate over the vulnerable sites (want and miss)
// minus the false-positive rate over the safe sites (ok and fp).
func rateTable(vulnerable, safe []site, got map[string][]site) string {
	found := map[site]bool{}
	for _, ss := range got {
		for _, s := range ss {
			found[s] = true
		}
	}
	type count struct{ tp, p, fp, n int }
	byCWE := map[string]*count{}
	cwes := map[string][]string{}
	for _, r := range Rules() {
		cwes[r.ID] = r.CWE
	}
	add := func(s site, pos bool) {
		for _, c := range cwes[s.Rule] {
			if byCWE[c] == nil {
				byCWE[c] = &count{}
			}
			k := byCWE[c]
			switch {
			case pos:
				k.p++
				if found[s] {
					k.tp++
				}
			default:
				k.n++
				if found[s] {
					k.fp++
				}
			}
		}
	}
	for _, s := range vulnerable {
		add(s, true)
	}
	for _, s := range safe {
		add(s, false)
	}
	keys := make([]string, 0, len(byCWE))
	for c := range byCWE {
		keys = append(keys, c)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("| CWE | vulnerable sites found | safe sites flagged | TPR − FPR |\n|---|---|---|---|\n")
	for _, c := range keys {
		k := byCWE[c]
		tpr, fpr := float64(k.tp)/float64(max(k.p, 1)), float64(k.fp)/float64(max(k.n, 1))
		fmt.Fprintf(&b, "| %s | %d/%d | %d/%d | %.2f |\n", c, k.tp, k.p, k.fp, k.n, tpr-fpr)
	}
	return b.String()
}

func ruleTable() string {
	var b strings.Builder
	b.WriteString("| rule | severity | confidence | CWE | gosec | what it finds |\n|---|---|---|---|---|---|\n")
	for _, r := range builtin() {
		g := strings.Join(r.gosec, ", ")
		if g == "" {
			g = "—"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s |\n", r.id, r.severity, r.confidence, strings.Join(r.cwe, ", "), g, r.title)
	}
	return b.String()
}

// checkDocs holds docs/sast-rules.md to the rule list and the measured rates (-update rewrites).
func checkDocs(t *testing.T, rates string) {
	t.Helper()
	path := filepath.Join("..", "..", "..", "docs", "sast-rules.md")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, part := range []struct{ name, body string }{{"rules", ruleTable()}, {"rates", rates}} {
		begin, end := "<!-- begin "+part.name+" (generated by go test -update) -->\n", "<!-- end "+part.name+" -->"
		i, j := strings.Index(doc, begin), strings.Index(doc, end)
		if i < 0 || j < i {
			t.Fatalf("%s: no %q … %q section", path, begin, end)
		}
		doc = doc[:i+len(begin)] + part.body + doc[j:]
	}
	if doc == string(b) {
		return
	}
	if *update {
		if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s is out of date with the rules; run go test ./internal/sast/rules -run TestTwins -update", path)
}
