package deps

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/inventory"
)

func TestLicenseExpressions(t *testing.T) {
	lp := newLicensePolicy([]string{"MIT", "Apache-2.0", "BSD-3-Clause", "GPL-2.0-only"}, []string{"AGPL-3.0-only", "GPL-2.0-only"})
	for _, tc := range []struct {
		name, expr string
		rule       string
		offending  []string
	}{
		{"allowed", "MIT", "", nil},
		{"case-insensitive", "apache-2.0", "", nil},
		{"not allowed", "MPL-2.0", RuleLicenseNotAllowed, []string{"MPL-2.0"}},
		{"denied wins over allowed", "GPL-2.0-only", RuleLicenseDenied, []string{"GPL-2.0-only"}},
		{"or with an allowed side", "AGPL-3.0-only OR MIT", "", nil},
		{"or of denied and not allowed", "AGPL-3.0-only OR MPL-2.0", RuleLicenseNotAllowed, []string{"MPL-2.0"}},
		{"and needs both", "MIT AND AGPL-3.0-only", RuleLicenseDenied, []string{"AGPL-3.0-only"}},
		{"parentheses", "(MIT OR AGPL-3.0-only) AND BSD-3-Clause", "", nil},
		{"with exception", "Apache-2.0 WITH LLVM-exception", "", nil},
		{"or-later suffix", "AGPL-3.0-only+", RuleLicenseDenied, []string{"AGPL-3.0-only"}},
		{"lowercase operators", "mpl-2.0 or mit", "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rule, off, err := lp.evaluate(tc.expr)
			if err != nil {
				t.Fatal(err)
			}
			if rule != tc.rule || !cmp.Equal(off, tc.offending) {
				t.Errorf("evaluate(%q) = %q %v, want %q %v", tc.expr, rule, off, tc.rule, tc.offending)
			}
		})
	}
	for _, bad := range []string{"", "MIT AND", "(MIT", "MIT)", "AND MIT", "MIT OR OR MIT", "MIT WITH", "MIT\x00"} {
		if _, _, err := lp.evaluate(bad); err == nil {
			t.Errorf("evaluate(%q): want an error", bad)
		}
	}
}

func TestLicenseFindings(t *testing.T) {
	db := testDB(t)
	loc := finding.Location{Path: "package-lock.json", StartLine: 4}
	pkgs := []inventory.Package{
		{Ecosystem: "npm", Name: "ok", Version: "1.0.0", Licenses: []string{"MIT"}, Location: loc},
		{Ecosystem: "npm", Name: "copyleft", Version: "2.0.0", Licenses: []string{"AGPL-3.0-only"}, Location: loc},
		{Ecosystem: "npm", Name: "dual", Version: "3.0.0", Licenses: []string{"MIT", "MPL-2.0"}, Location: loc},
		{Ecosystem: "npm", Name: "unknown", Version: "4.0.0", Location: loc},
		{Ecosystem: "npm", Name: "garbled", Version: "5.0.0", Licenses: []string{"MIT AND ("}, Location: loc},
	}
	a := New(db, fakeExtractor(pkgs), Options{LicenseAllow: []string{"MIT"}, LicenseDeny: []string{"AGPL-3.0-only"}, MaxAge: -1})
	res, err := a.Analyze(context.Background(), tree(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range res.Findings {
		got = append(got, f.RuleID+" "+f.Properties[PropPackage]+" "+f.Properties["offendingLicenses"])
	}
	want := []string{"license-denied copyleft AGPL-3.0-only", "license-not-allowed dual MPL-2.0"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("licence findings (-want +got):\n%s", diff)
	}
	garbled := false
	for _, p := range res.Problems {
		garbled = garbled || (p.Path == "package-lock.json" && p.Line == 4 && strings.Contains(p.Message, "npm/garbled@5.0.0"))
	}
	if !garbled {
		t.Errorf("an unparseable licence must be a problem: %+v", res.Problems)
	}
	noPolicy := New(db, fakeExtractor(pkgs), Options{Now: func() time.Time { return fetched }})
	if fs, _ := noPolicy.licenseFindings(pkgs); len(fs) != 0 {
		t.Errorf("without a policy: %d licence findings", len(fs))
	}
}

func TestRulesHaveUniqueIDs(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range New(nil, nil, Options{}).Rules() {
		if seen[r.ID] || r.ID == "" || r.Title == "" || r.Severity == finding.SeverityUnknown {
			t.Errorf("rule %+v: duplicate or incomplete", r)
		}
		seen[r.ID] = true
	}
}
