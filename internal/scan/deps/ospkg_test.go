package deps

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/inventory"
	"github.com/palisade-sec/palisade/internal/scan"
	"github.com/palisade-sec/palisade/internal/vulndb"
	"github.com/palisade-sec/palisade/internal/vulndb/osv"
	"github.com/palisade-sec/palisade/internal/vulndb/vulndbtest"
)

// debianDB is a database of the Debian fixtures: real records of other releases, and test
// records for Debian 12's openssl (fixed), util-linux (unfixed) and zlib (rated by both NVD and
// the distribution).
func debianDB(t *testing.T) *vulndb.DB {
	t.Helper()
	recs := vulndbtest.Records{}
	recs.Add("Debian", vulndbtest.Fixtures(t)["Debian"])
	recs.Add("Debian", vulndbtest.Files(t, filepath.Join("testdata", "PALISADE-TEST-DEB12-0003.json")))
	export := vulndbtest.Export(t, recs)
	dir := t.TempDir()
	if _, err := vulndb.Import(context.Background(), vulndb.ImportOptions{Dir: dir, Path: export, Now: func() time.Time { return fetched }}); err != nil {
		t.Fatal(err)
	}
	db, err := vulndb.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// debianRoot lays out a directory like a Debian root file system: its dpkg status and os-release.
func debianRoot(t *testing.T, status, osRelease string) string {
	t.Helper()
	root := t.TempDir()
	for src, dst := range map[string]string{status: "var/lib/dpkg/status", osRelease: "etc/os-release"} {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Skipf("%s: %v", src, err)
		}
		if err := os.MkdirAll(filepath.Join(root, filepath.Dir(dst)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, dst), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// TestDebianRootEndToEnd inventories a Debian 12 root — the committed fixture, and this machine's
// own dpkg database when it is a Debian 12 machine — and matches it: binary packages are found
// through their source packages, unfixed advisories are listed at info and do not gate, the
// distribution's severity wins over NVD's, and the fix names the source package's version.
func TestDebianRootEndToEnd(t *testing.T) {
	roots := map[string]string{
		"fixture": filepath.Join("..", "..", "inventory", "testdata", "os", "debian"),
		"machine": "/",
	}
	for name, dir := range roots {
		t.Run(name, func(t *testing.T) {
			if name == "machine" {
				rel, err := os.ReadFile("/etc/os-release")
				if err != nil || !strings.Contains(string(rel), "ID=debian") || !strings.Contains(string(rel), `VERSION_ID="12"`) {
					t.Skip("this machine is not Debian 12, which the test records are for")
				}
			}
			root := debianRoot(t, filepath.Join(dir, "var/lib/dpkg/status"), filepath.Join(dir, "etc/os-release"))
			a := New(debianDB(t), ExtractorFunc(inventory.Extract), Options{Now: func() time.Time { return fetched }})
			res, err := a.Analyze(context.Background(), &scan.Tree{FS: os.DirFS(root), Files: []string{"etc/os-release", "var/lib/dpkg/status"}})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range res.Problems {
				t.Errorf("problem: %+v", p)
			}
			byPkg := map[string]finding.Finding{}
			for _, f := range res.Findings {
				byPkg[f.Properties[PropPackage]+" "+f.RuleID] = f
			}
			type view struct {
				Sev                                  finding.Severity
				Source, Fixed, FixState, Orig, SevBy string
			}
			see := func(k string) view {
				f, ok := byPkg[k]
				if !ok {
					t.Fatalf("no finding %q; have %v", k, keys(byPkg))
				}
				return view{f.Severity, f.Properties[PropSourcePackage], f.Properties[PropFixedIn], f.Properties[PropFixState], f.Properties[PropOrigSeverity], f.Properties[PropSeveritySource]}
			}
			want := map[string]view{
				"libssl3 PALISADE-TEST-DEB12-0001":  {finding.SeverityMedium, "openssl", "3.0.99-1~deb12u1", FixStateFixed, "", "default"},
				"openssl PALISADE-TEST-DEB12-0001":  {finding.SeverityMedium, "", "3.0.99-1~deb12u1", FixStateFixed, "", "default"},
				"bsdutils PALISADE-TEST-DEB12-0002": {finding.SeverityInfo, "util-linux", "", FixStateUnfixed, "low", "distro"},
				"zlib1g PALISADE-TEST-DEB12-0003":   {finding.SeverityMedium, "zlib", "1:1.2.13.dfsg-99", FixStateFixed, "", "distro"},
			}
			for k, w := range want {
				if diff := cmp.Diff(w, see(k)); diff != "" {
					t.Errorf("%s (-want +got):\n%s", k, diff)
				}
			}
			if f := byPkg["libssl3 PALISADE-TEST-DEB12-0001"]; !strings.Contains(f.Remediation, "source package openssl 3.0.99-1~deb12u1") {
				t.Errorf("remediation %q", f.Remediation)
			}
			for k, f := range byPkg {
				if strings.HasPrefix(f.RuleID, "DLA-") {
					t.Errorf("a Debian 9 advisory matched a Debian 12 root: %s", k)
				}
			}
			if n := finding.AtOrAbove(res.Findings, finding.SeverityLow); n == 0 {
				t.Error("nothing gates at low")
			}
			for _, f := range res.Findings {
				if f.Properties[PropFixState] == FixStateUnfixed && f.Severity != finding.SeverityInfo {
					t.Errorf("an unfixed finding gates by default: %s %s", f.Properties[PropPackage], f.RuleID)
				}
			}

			// With deps.gate-unfixed the unfixed finding keeps its severity.
			a = New(debianDB(t), ExtractorFunc(inventory.Extract), Options{GateUnfixed: true, Now: func() time.Time { return fetched }})
			res, err = a.Analyze(context.Background(), &scan.Tree{FS: os.DirFS(root), Files: []string{"var/lib/dpkg/status"}})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range res.Findings {
				if f.Properties[PropPackage] == "bsdutils" && (f.Severity != finding.SeverityLow || f.Properties[PropOrigSeverity] != "") {
					t.Errorf("gate-unfixed: bsdutils at %v (original %q)", f.Severity, f.Properties[PropOrigSeverity])
				}
			}
		})
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestDistroRating(t *testing.T) {
	tests := []struct {
		in   string
		want finding.Severity
		ok   bool
	}{
		{"Critical", finding.SeverityCritical, true},
		{"Important", finding.SeverityHigh, true},
		{"moderate", finding.SeverityMedium, true},
		{"medium", finding.SeverityMedium, true},
		{"negligible", finding.SeverityLow, true},
		{"unimportant", finding.SeverityLow, true},
		{"not yet assigned", 0, false},
		{"openssl - security update", 0, false},
	}
	for _, tt := range tests {
		got, ok := distroRating(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("distroRating(%q) = %v %v", tt.in, got, ok)
		}
	}
}

// TestDistroSeverity reads each place distributions put their rating, the highest winning.
func TestDistroSeverity(t *testing.T) {
	rec := func(summary string, sev []osv.Severity, eco, db string) vulndb.Match {
		af := osv.Affected{}
		if eco != "" {
			af.EcosystemSpecific = json.RawMessage(eco)
		}
		if db != "" {
			af.DatabaseSpecific = json.RawMessage(db)
		}
		return vulndb.Match{Vulnerability: &osv.Vulnerability{ID: "X", Summary: summary, Severity: sev}, Affected: []osv.Affected{af}}
	}
	tests := []struct {
		name  string
		group []vulndb.Match
		want  finding.Severity
		ok    bool
	}{
		{"ubuntu top level", []vulndb.Match{rec("", []osv.Severity{{Type: "Ubuntu", Score: "medium"}}, "", "")}, finding.SeverityMedium, true},
		{"ubuntu notice per CVE", []vulndb.Match{rec("glibc vulnerabilities", nil, "", `{"cves_map":{"cves":[{"id":"CVE-1","severity":[{"type":"CVSS_V3","score":"x"},{"type":"Ubuntu","score":"low"}]},{"id":"CVE-2","severity":[{"type":"Ubuntu","score":"high"}]}]}}`)}, finding.SeverityHigh, true},
		{"red hat ecosystem_specific", []vulndb.Match{rec("", nil, `{"severity":"Important"}`, "")}, finding.SeverityHigh, true},
		{"debian urgency", []vulndb.Match{rec("", nil, `{"urgency":"unimportant"}`, "")}, finding.SeverityLow, true},
		{"alma summary", []vulndb.Match{rec("Moderate: sudo security update", nil, "", "")}, finding.SeverityMedium, true},
		{"highest of the group", []vulndb.Match{rec("Low: a", nil, "", ""), rec("Critical: b", nil, "", "")}, finding.SeverityCritical, true},
		{"none", []vulndb.Match{rec("openssl - security update", nil, `{"urgency":"not yet assigned"}`, `{"source":"x"}`)}, 0, false},
		{"not JSON", []vulndb.Match{rec("", nil, `[`, `{"severity":7}`)}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := distroSeverity(tt.group)
			if got != tt.want || ok != tt.ok {
				t.Errorf("got %v %v, want %v %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

// TestSkippedOSPackagesGrouped: the packages of a distribution without OSV data are one problem
// per database and reason, counting them, while a language package skipped keeps its own.
func TestSkippedOSPackagesGrouped(t *testing.T) {
	var pkgs []inventory.Package
	for i := range 7 {
		name := fmt.Sprintf("pkg%d", i)
		pkgs = append(pkgs, inventory.Package{Name: name, Version: "1.0-1.el7", Ecosystem: "CentOS:7",
			PURL: "pkg:rpm/centos/" + name + "@1.0-1.el7", Location: finding.Location{Path: "var/lib/rpm/Packages"}})
	}
	pkgs = append(pkgs, inventory.Package{Name: "x", Version: "1", Ecosystem: "Cobol", Location: finding.Location{Path: "x.lock", StartLine: 3}})
	a := New(debianDB(t), fakeExtractor(pkgs), Options{Now: func() time.Time { return fetched }})
	res, err := a.Analyze(context.Background(), &scan.Tree{FS: fstest.MapFS{}, Files: nil})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range res.Problems {
		got = append(got, p.Path+": "+p.Message)
	}
	want := []string{
		`var/lib/rpm/Packages: 7 CentOS:7 packages not checked for vulnerabilities (pkg0@1.0-1.el7, pkg1@1.0-1.el7, pkg2@1.0-1.el7, pkg3@1.0-1.el7, pkg4@1.0-1.el7 and 2 more): ecosystem "CentOS:7" has no version comparator`,
		`x.lock: Cobol/x@1 not checked for vulnerabilities: ecosystem "Cobol" has no version comparator`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
