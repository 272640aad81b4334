package vulndb

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-sec/palisade/internal/inventory"
)

// ids returns "ID fixed1,fixed2" per match of the single package matched.
func matchIDs(t *testing.T, db *DB, p inventory.Package) []string {
	t.Helper()
	res, err := db.Match(context.Background(), []inventory.Package{p})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Skipped) > 0 {
		t.Fatalf("skipped: %+v", res.Skipped)
	}
	if len(res.DataProblems) > 0 {
		t.Fatalf("data problems: %v", res.DataProblems)
	}
	var out []string
	for _, m := range res.Matches {
		out = append(out, m.Vulnerability.ID+" "+strings.Join(m.FixedIn, ","))
	}
	slices.Sort(out)
	return out
}

func TestMatchRangeEdges(t *testing.T) {
	_, db := fixtureDB(t)
	for _, tc := range []struct {
		name              string
		eco, pkg, version string
		want              []string
	}{
		// GO-2024-2687: stdlib introduced 0, fixed 1.21.9, introduced 1.22.0-0, fixed 1.22.2.
		{"stdlib below first fix", "Go", "stdlib", "go1.21.8", []string{"GO-2024-2687 1.21.9"}},
		{"stdlib at first fix", "Go", "stdlib", "go1.21.9", nil},
		{"stdlib at second introduced", "Go", "stdlib", "go1.22.0", []string{"GO-2024-2687 1.22.2"}},
		{"stdlib release candidate of second line", "Go", "stdlib", "go1.22rc1", []string{"GO-2024-2687 1.22.2"}},
		{"stdlib just below second fix", "Go", "stdlib", "1.22.1", []string{"GO-2024-2687 1.22.2"}},
		{"stdlib at second fix", "Go", "stdlib", "go1.22.2", nil},
		// GO-2024-2687 also covers golang.org/x/net before 0.23.0.
		{"x/net below fix", "Go", "golang.org/x/net", "v0.22.0", []string{"GO-2024-2687 0.23.0"}},
		{"x/net pseudo-version below fix", "Go", "golang.org/x/net", "v0.22.1-0.20240301000000-abcdefabcdef", []string{"GO-2024-2687 0.23.0"}},
		{"x/net at fix", "Go", "golang.org/x/net", "v0.23.0", nil},
		{"x/net case matters", "Go", "golang.org/X/net", "v0.22.0", nil},
		// GO-2021-0072: github.com/docker/distribution fixed 2.7.0-rc.0+incompatible.
		{"incompatible below fix", "Go", "github.com/docker/distribution", "v2.6.2+incompatible", []string{"GO-2021-0072 2.7.0-rc.0+incompatible"}},
		{"incompatible at fix", "Go", "github.com/docker/distribution", "v2.7.0+incompatible", nil},
		// RUSTSEC-2016-0001: openssl introduced 0.0.0-0, fixed 0.9.0.
		{"crate below fix", "crates.io", "openssl", "0.8.3", []string{"RUSTSEC-2016-0001 0.9.0"}},
		{"crate prerelease of fix", "crates.io", "openssl", "0.9.0-beta.1", []string{"RUSTSEC-2016-0001 0.9.0"}},
		{"crate at fix", "crates.io", "openssl", "0.9.0", nil},
		// RUSTSEC-2017-0002: hyper [0, 0.9.18) and [0.10.0, 0.10.2).
		{"crate gap between ranges", "crates.io", "hyper", "0.9.18", nil},
		{"crate second range", "crates.io", "hyper", "0.10.1", []string{"RUSTSEC-2017-0002 0.10.2"}},
		{"crate above all", "crates.io", "hyper", "0.10.2", nil},
		// RUSTSEC-2019-0031 (spin) is withdrawn.
		{"withdrawn never matches", "crates.io", "spin", "0.0.0", nil},
		// PYSEC-2012-5: tornado fixed 2.2.1; names normalised per PEP 503.
		{"pypi below fix", "PyPI", "tornado", "2.2", []string{"PYSEC-2012-5 2.2.1"}},
		{"pypi name normalised", "PyPI", "Tornado", "2.1.1", []string{"PYSEC-2012-5 2.2.1"}},
		{"pypi at fix", "PyPI", "tornado", "2.2.1", nil},
		{"pypi post release of fix", "PyPI", "tornado", "2.2.1.post1", nil},
		// PYSEC-2022-42969: py introduced 0, last_affected 1.11.0.
		{"last_affected itself", "PyPI", "py", "1.11.0", []string{"PYSEC-2022-42969 "}},
		{"above last_affected", "PyPI", "py", "1.11.1", nil},
		{"pep440 equivalent spelling", "PyPI", "PY", "1.4.32.dev1", []string{"PYSEC-2022-42969 "}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := matchIDs(t, db, inventory.Package{Ecosystem: tc.eco, Name: tc.pkg, Version: tc.version})
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s/%s@%s (-want +got):\n%s", tc.eco, tc.pkg, tc.version, diff)
			}
		})
	}
}

func TestMatchSkipsWhatItCannotCheck(t *testing.T) {
	_, db := fixtureDB(t)
	pkgs := []inventory.Package{
		{Ecosystem: "npm", Name: "lodash", Version: "4.17.20"},
		{Ecosystem: "Cobol", Name: "x", Version: "1"},
		{Ecosystem: "PyPI", Name: "tornado", Version: ""},
		{Ecosystem: "PyPI", Name: "tornado", Version: "2.2"},
	}
	res, err := db.Match(context.Background(), pkgs)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range res.Skipped {
		got = append(got, s.Package.Key())
		if s.Reason == "" {
			t.Errorf("%s skipped without a reason", s.Package.Key())
		}
	}
	want := []string{"npm/lodash@4.17.20", "Cobol/x@1", "PyPI/tornado@"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("skipped (-want +got):\n%s", diff)
	}
	if len(res.Matches) != 1 || res.Matches[0].Index != 3 {
		t.Errorf("matches = %+v, want one for the last package", res.Matches)
	}
}

func TestMatchRepeatsPerEntry(t *testing.T) {
	_, db := fixtureDB(t)
	p := inventory.Package{Ecosystem: "PyPI", Name: "tornado", Version: "2.2"}
	q := p
	q.Location.Path = "other/requirements.txt"
	res, err := db.Match(context.Background(), []inventory.Package{p, q})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Matches) != 2 || res.Matches[1].Package.Location.Path != "other/requirements.txt" || res.Matches[1].Index != 1 {
		t.Errorf("each inventory entry needs its own match: %+v", res.Matches)
	}
	if len(res.Matches[0].Affected) != 1 || res.Matches[0].Affected[0].Package.Name != "tornado" {
		t.Errorf("affected = %+v", res.Matches[0].Affected)
	}
}

func TestGoToolchainSemver(t *testing.T) {
	for in, want := range map[string]string{
		"go1.22.1": "1.22.1", "go1.21": "1.21.0", "go1.23rc1": "1.23.0-rc.1", "go1.20beta2": "1.20.0-beta.2",
		"1.22.3": "1.22.3", "go1": "1.0.0", "devel +abc": "devel +abc",
	} {
		if got := GoToolchainSemver(in); got != want {
			t.Errorf("GoToolchainSemver(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNormalizeName(t *testing.T) {
	for _, tc := range []struct{ eco, in, want string }{
		{"PyPI", "Django_REST.framework", "django-rest-framework"},
		{"PyPI", "zope..interface", "zope-interface"},
		{"NuGet", "Newtonsoft.Json", "newtonsoft.json"},
		{"Packagist", "Symfony/HTTP-Kernel", "symfony/http-kernel"},
		{"npm", "@Scope/Pkg", "@Scope/Pkg"},
		{"Go", "github.com/BurntSushi/toml", "github.com/BurntSushi/toml"},
	} {
		if got := normalizeName(tc.eco, tc.in); got != tc.want {
			t.Errorf("normalizeName(%s, %q) = %q, want %q", tc.eco, tc.in, got, tc.want)
		}
	}
}

// TestRangeAffectsPerEcosystem checks that each ecosystem's own ordering decides range edges,
// where a naive comparison would get them wrong.
func TestRangeAffectsPerEcosystem(t *testing.T) {
	rng := func(events ...event) compactRange { return compactRange{typ: rtEcosystem, events: events} }
	intro := func(v string) event { return event{evIntroduced, v} }
	fixed := func(v string) event { return event{evFixed, v} }
	last := func(v string) event { return event{evLastAffected, v} }
	limit := func(v string) event { return event{evLimit, v} }
	for _, tc := range []struct {
		name, eco, version string
		r                  compactRange
		want               bool
	}{
		{"npm prerelease below fix", "npm", "1.0.0-beta.2", rng(intro("0"), fixed("1.0.0")), true},
		{"npm at fix", "npm", "1.0.0", rng(intro("0"), fixed("1.0.0")), false},
		{"maven snapshot before release", "Maven", "2.0-SNAPSHOT", rng(intro("0"), fixed("2.0")), true},
		{"maven numeric not lexical", "Maven", "2.10", rng(intro("2.9"), fixed("2.11")), true},
		{"maven final qualifier equals release", "Maven", "2.11.Final", rng(intro("2.9"), fixed("2.11")), false},
		{"rubygems pre-release", "RubyGems", "5.2.0.rc1", rng(intro("0"), fixed("5.2.0")), true},
		{"nuget prerelease", "NuGet", "4.0.0-preview1", rng(intro("0"), fixed("4.0.0")), true},
		{"packagist patch", "Packagist", "v5.4.9", rng(intro("5.4.0"), fixed("5.4.10")), true},
		{"debian epoch wins", "Debian", "1:1.0-1", rng(intro("0"), fixed("2.0-1")), false},
		{"debian tilde sorts first", "Debian", "2.0~rc1-1", rng(intro("0"), fixed("2.0-1")), true},
		{"alpine release suffix", "Alpine", "1.2.3-r0", rng(intro("0"), fixed("1.2.3-r1")), true},
		{"rpm release", "Red Hat", "1.0-2.el8", rng(intro("0"), fixed("1.0-10.el8")), true},
		{"pypi post release above fix", "PyPI", "1.0.post1", rng(intro("0"), fixed("1.0")), false},
		{"pypi epoch", "PyPI", "1!0.5", rng(intro("0"), fixed("2.0")), false},
		{"last_affected inclusive", "crates.io", "1.2.0", rng(intro("1.0.0"), last("1.2.0")), true},
		{"last_affected exclusive above", "crates.io", "1.2.1", rng(intro("1.0.0"), last("1.2.0")), false},
		{"limit excludes", "Go", "2.0.0", rng(intro("0"), limit("2.0.0")), false},
		{"below limit", "Go", "1.9.9", rng(intro("0"), limit("2.0.0")), true},
		{"introduced only", "Go", "99.0.0", rng(intro("1.0.0")), true},
		{"below introduced", "Go", "0.9.0", rng(intro("1.0.0")), false},
		{"events out of order", "Go", "1.5.0", rng(fixed("2.0.0"), intro("1.0.0")), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := parseVersion(tc.eco, normalizeVersion(tc.eco, "pkg", tc.version))
			if err != nil {
				t.Fatal(err)
			}
			got, _, err := rangeAffects(tc.eco, v, tc.r)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("%s %s in %+v = %v, want %v", tc.eco, tc.version, tc.r.events, got, tc.want)
			}
		})
	}
	if _, _, err := rangeAffects("CRAN", mustParse(t, "CRAN", "1.0"), rng(intro("0"), fixed("one.two"))); err == nil {
		t.Error("an event version the comparator rejects must be an error")
	}
}

func mustParse(t *testing.T, eco, v string) semanticVersion {
	t.Helper()
	pv, err := parseVersion(eco, v)
	if err != nil {
		t.Fatal(err)
	}
	return pv
}

func TestGet(t *testing.T) {
	_, db := fixtureDB(t)
	v, err := db.Get(context.Background(), "crates.io", "RUSTSEC-2017-0002")
	if err != nil || v.ID != "RUSTSEC-2017-0002" || v.Affected[0].Package.Name != "hyper" {
		t.Fatalf("Get = %+v, %v", v, err)
	}
	raw, err := db.Raw(context.Background(), "crates.io", "RUSTSEC-2017-0002")
	want, _ := os.ReadFile(filepath.Join("testdata", "osv", "crates.io", "RUSTSEC-2017-0002.json"))
	if err != nil || string(raw) != string(want) {
		t.Errorf("Raw must return the record exactly as archived: %v", err)
	}
	for _, tc := range [][2]string{{"crates.io", "RUSTSEC-0000-0000"}, {"npm", "GHSA-x"}} {
		if _, err := db.Get(context.Background(), tc[0], tc[1]); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Get(%s, %s): err = %v, want fs.ErrNotExist", tc[0], tc[1], err)
		}
	}
}

func TestEcosystemListsHaveNoDuplicates(t *testing.T) {
	seen := map[string]bool{}
	for _, e := range MatchableEcosystems() {
		if seen[e] {
			t.Errorf("ecosystem %q listed twice", e)
		}
		seen[e] = true
		if err := CheckEcosystem(e); err != nil {
			t.Errorf("CheckEcosystem(%q) = %v", e, err)
		}
		if _, err := parseVersion(e, "1.0"); err != nil && !strings.Contains(err.Error(), "invalid") {
			t.Errorf("ecosystem %q has no comparator: %v", e, err)
		}
	}
	for _, e := range DefaultEcosystems() {
		if !seen[e] {
			t.Errorf("default ecosystem %q is not matchable", e)
		}
	}
	if err := CheckEcosystem("pypi"); err == nil {
		t.Error("ecosystem names are case-sensitive, as OSV spells them")
	}
}

// TestConcurrentMatch backs the claim that a DB is safe for concurrent use (run with -race).
func TestConcurrentMatch(t *testing.T) {
	dir, _ := fixtureDB(t)
	db, err := Open(dir) // fresh: nothing loaded, so the goroutines race to load indexes and bodies
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	pkgs := []inventory.Package{
		{Ecosystem: "Go", Name: "stdlib", Version: "1.22.1"},
		{Ecosystem: "crates.io", Name: "hyper", Version: "0.10.1"},
		{Ecosystem: "PyPI", Name: "tornado", Version: "2.2"},
	}
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			res, err := db.Match(context.Background(), pkgs)
			if err == nil && len(res.Matches) != 3 {
				err = fmt.Errorf("%d matches, want 3", len(res.Matches))
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
