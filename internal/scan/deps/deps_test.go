package deps

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/inventory"
	"github.com/palisade-sec/palisade/internal/scan"
	"github.com/palisade-sec/palisade/internal/vulndb"
	"github.com/palisade-sec/palisade/internal/vulndb/vulndbtest"
)

var fetched = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// testDB imports the real fixture advisories of internal/vulndb plus this package's synthetic
// alias record into a fresh database.
func testDB(t *testing.T) *vulndb.DB {
	t.Helper()
	recs := vulndbtest.Fixtures(t)
	recs.Add("PyPI", vulndbtest.Files(t, filepath.Join("testdata", "GHSA-palisade-test-0001.json")))
	recs.Add("crates.io", vulndbtest.Files(t, filepath.Join("testdata", "PALISADE-TEST-V4-0001.json"), filepath.Join("testdata", "PALISADE-TEST-INFO-0001.json")))
	dir := t.TempDir()
	if _, err := vulndb.Import(context.Background(), vulndb.ImportOptions{Dir: dir, Path: vulndbtest.Export(t, recs), Now: func() time.Time { return fetched }}); err != nil {
		t.Fatal(err)
	}
	db, err := vulndb.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// fakeExtractor returns a fixed inventory, as the real extractor would for the tree.
func fakeExtractor(pkgs []inventory.Package, problems ...finding.Problem) Extractor {
	return ExtractorFunc(func(ctx context.Context, fsys fs.FS, files []string) ([]inventory.Package, []finding.Problem, error) {
		return pkgs, problems, nil
	})
}

func tree(t *testing.T, files map[string]string) *scan.Tree {
	t.Helper()
	m := fstest.MapFS{}
	var names []string
	for name, content := range files {
		m[name] = &fstest.MapFile{Data: []byte(content)}
		names = append(names, name)
	}
	slices.Sort(names)
	return &scan.Tree{FS: m, Files: names}
}

const goMod = `module example.com/app

go 1.22
toolchain go1.22.1

require (
	golang.org/x/net v0.22.0
	github.com/docker/distribution v2.6.2+incompatible // indirect
	example.com/lib v1.0.0
)
`

const mainGo = `package main

import (
	"fmt"
	"net/http"

	"golang.org/x/net/http2"
)

func main() { fmt.Println(http.StatusOK, http2.ClientPreface) }
`

func goInventory() []inventory.Package {
	loc := func(line int) finding.Location { return finding.Location{Path: "go.mod", StartLine: line} }
	return []inventory.Package{
		{Ecosystem: "Go", Name: "golang.org/x/net", Version: "v0.22.0", Direct: true, Location: loc(7)},
		{Ecosystem: "Go", Name: "example.com/lib", Version: "v1.0.0", Direct: true, Location: loc(9),
			DependsOn: []string{"Go/github.com/docker/distribution@v2.6.2+incompatible"}},
		{Ecosystem: "Go", Name: "github.com/docker/distribution", Version: "v2.6.2+incompatible", Location: loc(8)},
		// The extractor's own view of the standard library, from the go line: replaced by the
		// analyzer's toolchain rule.
		{Ecosystem: "Go", Name: "stdlib", Version: "1.22.0", Direct: true, Location: loc(3)},
	}
}

type got struct {
	Rule, Path string
	Line       int
	Severity   string
	Confidence string
	Props      map[string]string
}

func summarize(fs []finding.Finding, keys ...string) []got {
	var out []got
	for _, f := range fs {
		g := got{Rule: f.RuleID, Path: f.Location.Path, Line: f.Location.StartLine, Severity: f.Severity.String(), Confidence: f.Confidence.String(), Props: map[string]string{}}
		for _, k := range keys {
			if v, ok := f.Properties[k]; ok {
				g.Props[k] = v
			}
		}
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b got) int { return strings.Compare(a.Rule+a.Props[PropPackage], b.Rule+b.Props[PropPackage]) })
	return out
}

func TestGoModule(t *testing.T) {
	db := testDB(t)
	tr := tree(t, map[string]string{"go.mod": goMod, "main.go": mainGo, "internal/x/x_test.go": "package x\nimport _ \"github.com/docker/distribution/registry/handlers\"\n"})
	a := New(db, fakeExtractor(goInventory()), Options{Now: func() time.Time { return fetched }})
	res, err := a.Analyze(context.Background(), tr)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Problems) != 0 {
		t.Errorf("problems: %+v", res.Problems)
	}
	want := []got{
		{"GO-2021-0072", "go.mod", 8, "medium", "low", map[string]string{
			PropPackage: "github.com/docker/distribution", PropImported: "false", PropFixedIn: "2.7.0-rc.0+incompatible",
			PropDependencyPath: "example.com/lib@v1.0.0 > github.com/docker/distribution@v2.6.2+incompatible",
			PropSeveritySource: "default", PropAliases: "CVE-2017-11468,GHSA-h62f-wm92-2cmw",
		}},
		{"GO-2024-2687", "go.mod", 7, "medium", "high", map[string]string{
			PropPackage: "golang.org/x/net", PropImported: "true", PropFixedIn: "0.23.0", PropSeveritySource: "default",
			PropAliases: "CVE-2023-45288,GHSA-4v7x-pqxf-cx7m",
		}},
		{"GO-2024-2687", "go.mod", 4, "medium", "high", map[string]string{
			PropPackage: "stdlib", PropImported: "true", PropFixedIn: "1.22.2", PropSeveritySource: "default",
			PropAliases: "CVE-2023-45288,GHSA-4v7x-pqxf-cx7m",
		}},
	}
	keys := []string{PropPackage, PropImported, PropFixedIn, PropDependencyPath, PropSeveritySource, PropAliases}
	if diff := cmp.Diff(want, summarize(res.Findings, keys...)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	for _, f := range res.Findings {
		key := "Go/" + f.Properties[PropPackage] + "@" + f.Properties[PropVersion]
		if f.Fingerprint != finding.Fingerprint(f.RuleID, f.Location.Path, key) {
			t.Errorf("%s: fingerprint not derived from (id, path, %s)", f.RuleID, key)
		}
		wantFix := "Upgrade " + f.Properties[PropPackage] + " to " + f.Properties[PropFixedIn] + " or later."
		if f.Properties[PropPackage] == "stdlib" {
			wantFix = "Build with Go " + f.Properties[PropFixedIn] + " or later"
		}
		if f.Scanner != Name || !strings.HasPrefix(f.Remediation, wantFix) || f.References[0] != "https://osv.dev/vulnerability/"+f.RuleID {
			t.Errorf("%s: scanner %q, remediation %q, references %v", f.RuleID, f.Scanner, f.Remediation, f.References)
		}
	}

	t.Run("tests count when asked", func(t *testing.T) {
		a := New(db, fakeExtractor(goInventory()), Options{IncludeTests: true, Now: func() time.Time { return fetched }})
		res, err := a.Analyze(context.Background(), tr)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range res.Findings {
			if f.RuleID == "GO-2021-0072" && f.Properties[PropImported] != "true" {
				t.Errorf("imported = %s with tests included", f.Properties[PropImported])
			}
		}
	})
	t.Run("demote not imported", func(t *testing.T) {
		a := New(db, fakeExtractor(goInventory()), Options{DemoteNotImported: true, Now: func() time.Time { return fetched }})
		res, err := a.Analyze(context.Background(), tr)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range res.Findings {
			wantSev := finding.SeverityMedium
			if f.RuleID == "GO-2021-0072" {
				wantSev = finding.SeverityInfo
				if f.Properties[PropOrigSeverity] != "medium" {
					t.Errorf("original severity = %q", f.Properties[PropOrigSeverity])
				}
			}
			if f.Severity != wantSev {
				t.Errorf("%s %s: severity %v, want %v", f.RuleID, f.Properties[PropPackage], f.Severity, wantSev)
			}
		}
	})
}

func TestStdlibRule(t *testing.T) {
	db := testDB(t)
	noToolchain := strings.Replace(goMod, "toolchain go1.22.1\n", "", 1)
	binStd := inventory.Package{Ecosystem: "Go", Name: "stdlib", Version: "1.21.8", Direct: true, Location: finding.Location{Path: "bin/app"}}
	for _, tc := range []struct {
		name      string
		gomod     string
		opts      Options
		extra     []inventory.Package
		wantLines []string // path:line of stdlib findings
		problem   string
	}{
		{"toolchain line", goMod, Options{}, nil, []string{"go.mod:4"}, ""},
		{"toolchain at fixed version", strings.Replace(goMod, "go1.22.1", "go1.22.2", 1), Options{}, nil, nil, ""},
		{"go line only", noToolchain, Options{}, nil, nil, "no toolchain line"},
		{"go line when asked", noToolchain, Options{StdlibFromGoDirective: true}, nil, []string{"go.mod:3"}, ""},
		{"toolchain default", strings.Replace(goMod, "go1.22.1", "default", 1), Options{}, nil, nil, "no toolchain line"},
		{"binary build info kept", goMod, Options{}, []inventory.Package{binStd}, []string{"bin/app:0", "go.mod:4"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Now = func() time.Time { return fetched }
			pkgs := append(goInventory(), tc.extra...)
			res, err := New(db, fakeExtractor(pkgs), tc.opts).Analyze(context.Background(), tree(t, map[string]string{"go.mod": tc.gomod, "main.go": mainGo}))
			if err != nil {
				t.Fatal(err)
			}
			var lines []string
			for _, f := range res.Findings {
				if f.Properties[PropPackage] == "stdlib" {
					lines = append(lines, f.Location.Path+":"+strconv.Itoa(f.Location.StartLine))
				}
			}
			slices.Sort(lines)
			if diff := cmp.Diff(tc.wantLines, lines); diff != "" {
				t.Errorf("stdlib findings (-want +got):\n%s", diff)
			}
			var msgs []string
			for _, p := range res.Problems {
				msgs = append(msgs, p.Message)
			}
			if has := strings.Contains(strings.Join(msgs, "\n"), tc.problem); tc.problem != "" && !has || tc.problem == "" && len(msgs) > 0 {
				t.Errorf("problems = %q, want one containing %q", msgs, tc.problem)
			}
		})
	}
}

func TestAliasesMergeIntoOneFinding(t *testing.T) {
	db := testDB(t)
	pkgs := []inventory.Package{{Ecosystem: "PyPI", Name: "Tornado", Version: "2.1", Direct: true, Location: finding.Location{Path: "requirements.txt", StartLine: 3}}}
	res, err := New(db, fakeExtractor(pkgs), Options{Now: func() time.Time { return fetched }}).Analyze(context.Background(), tree(t, map[string]string{"requirements.txt": "tornado==2.1\n"}))
	if err != nil {
		t.Fatal(err)
	}
	want := []got{{"PYSEC-2012-5", "requirements.txt", 3, "medium", "high", map[string]string{
		PropAliases: "CVE-2012-2374,GHSA-pali-sade-test", PropCVSS: "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N",
		PropCVSSScore: "6.1", PropSeveritySource: "cvss-v3", PropFixedIn: "2.2.1",
	}}}
	if diff := cmp.Diff(want, summarize(res.Findings, PropAliases, PropCVSS, PropCVSSScore, PropSeveritySource, PropFixedIn)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

func TestSeverityWithoutCVSSv3(t *testing.T) {
	db := testDB(t)
	pkgs := []inventory.Package{
		{Ecosystem: "crates.io", Name: "palisade-test-crate", Version: "0.9.0", Direct: true, Location: finding.Location{Path: "Cargo.lock", StartLine: 9}},
		{Ecosystem: "crates.io", Name: "palisade-test-unmaintained", Version: "3.0.0", Direct: true, Location: finding.Location{Path: "Cargo.lock", StartLine: 20}},
	}
	res, err := New(db, fakeExtractor(pkgs), Options{MaxAge: -1}).Analyze(context.Background(), tree(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	want := []got{
		{"PALISADE-TEST-INFO-0001", "Cargo.lock", 20, "low", "high", map[string]string{PropSeveritySource: "informational-unmaintained"}},
		{"PALISADE-TEST-V4-0001", "Cargo.lock", 9, "high", "high", map[string]string{
			PropSeveritySource: "cvss-v4", PropCVSSScore: "8.7",
		}},
	}
	if diff := cmp.Diff(want, summarize(res.Findings, PropSeveritySource, PropCVSSScore)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

func TestProblemsAreReported(t *testing.T) {
	db := testDB(t)
	pkgs := []inventory.Package{
		{Ecosystem: "npm", Name: "lodash", Version: "4.17.20", Location: finding.Location{Path: "package-lock.json", StartLine: 12}},
		{Ecosystem: "crates.io", Name: "openssl", Version: "0.8.0", Location: finding.Location{Path: "Cargo.lock", StartLine: 40}},
	}
	x := fakeExtractor(pkgs, finding.Problem{Path: "poetry.lock", Line: 7, Message: "bad TOML"})
	a := New(db, x, Options{Now: func() time.Time { return fetched.Add(10 * 24 * time.Hour) }})
	fs, err := a.AnalyzeTree(context.Background(), tree(t, map[string]string{"Cargo.lock": ""}))
	var inc *Incomplete
	if !errors.As(err, &inc) {
		t.Fatalf("err = %v, want *Incomplete", err)
	}
	if len(fs) != 1 || fs[0].RuleID != "RUSTSEC-2016-0001" {
		t.Errorf("findings must survive problems: %+v", fs)
	}
	var msgs []string
	for _, p := range inc.Problems {
		msgs = append(msgs, problemString(p))
	}
	for _, want := range []string{"old", "poetry.lock:7: bad TOML", "package-lock.json:12: npm/lodash@4.17.20 not checked"} {
		if !strings.Contains(strings.Join(msgs, "\n"), want) {
			t.Errorf("problems %q lack %q", msgs, want)
		}
	}

	fresh := New(db, fakeExtractor(pkgs[1:]), Options{Now: func() time.Time { return fetched.Add(24 * time.Hour) }})
	if _, err := fresh.AnalyzeTree(context.Background(), tree(t, nil)); err != nil {
		t.Errorf("a fresh database and a clean inventory: err = %v", err)
	}
}

func TestStdlibNotDemotedWhenNotImportedDirectly(t *testing.T) {
	db := testDB(t)
	// The module imports only fmt: GO-2024-2687's net/http is not imported directly, but the
	// standard library is exempt from the confidence and demotion rules.
	src := "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println() }\n"
	a := New(db, fakeExtractor(goInventory()), Options{DemoteNotImported: true, MaxAge: -1})
	res, err := a.Analyze(context.Background(), tree(t, map[string]string{"go.mod": goMod, "main.go": src}))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Findings {
		pkg := f.Properties[PropPackage]
		if f.Properties[PropImported] != "false" {
			t.Errorf("%s %s: imported = %q, want false", f.RuleID, pkg, f.Properties[PropImported])
		}
		wantSev, wantConf := finding.SeverityInfo, finding.ConfidenceLow
		if pkg == "stdlib" {
			wantSev, wantConf = finding.SeverityMedium, finding.ConfidenceHigh
		}
		if f.Severity != wantSev || f.Confidence != wantConf {
			t.Errorf("%s %s: severity %v confidence %v, want %v %v", f.RuleID, pkg, f.Severity, f.Confidence, wantSev, wantConf)
		}
	}
}

// failingDB is a Matcher that cannot match at all, as when no database is installed.
type failingDB struct{ err error }

func (f failingDB) Match(context.Context, []inventory.Package) (*vulndb.Result, error) {
	return nil, f.err
}

// TestUnmatchableDatabaseKeepsOtherProblems: without a database, an unparseable lockfile must
// still be named. The match error used to end the analysis and drop every problem gathered
// before it, so the lockfile passed unnamed behind the database's one problem.
func TestUnmatchableDatabaseKeepsOtherProblems(t *testing.T) {
	x := fakeExtractor(nil, finding.Problem{Path: "web/package-lock.json", Message: "parse package-lock.json: invalid character"})
	a := New(failingDB{fmt.Errorf("open /nowhere: %w", vulndb.ErrNoDatabase)}, x, Options{MaxAge: -1})
	_, err := a.AnalyzeTree(context.Background(), tree(t, map[string]string{"web/package-lock.json": "{"}))
	var inc *Incomplete
	if !errors.As(err, &inc) {
		t.Fatalf("err = %v, want *Incomplete", err)
	}
	var kinds, paths []string
	for _, p := range inc.Problems {
		kinds = append(kinds, p.Kind)
		paths = append(paths, p.Path)
	}
	if !slices.Contains(paths, "web/package-lock.json") {
		t.Errorf("the unparseable lockfile is not among the problems: %+v", inc.Problems)
	}
	if !slices.Contains(kinds, finding.ProblemNoVulnDB) {
		t.Errorf("the missing database is not a %s problem: %+v", finding.ProblemNoVulnDB, inc.Problems)
	}
}
