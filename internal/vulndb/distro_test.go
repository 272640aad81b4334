package vulndb

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-sec/palisade/internal/inventory"
	"github.com/palisade-sec/palisade/internal/vulndb/vulndbtest"
)

// TestMatchDistro matches OS packages against real distro records: by source package where the
// distribution keys advisories so, only within the package's own release, with the
// distribution's version ordering.
func TestMatchDistro(t *testing.T) {
	_, db := fixtureDB(t)
	deb := func(release, name, version, src, srcVersion string) inventory.Package {
		return inventory.Package{Ecosystem: "Debian:" + release, Name: name, Version: version, Source: src, SourceVersion: srcVersion}
	}
	tests := []struct {
		name string
		pkg  inventory.Package
		want []string
	}{
		{"binary package by its source", deb("12", "libssl3", "3.0.19-1~deb12u2", "openssl", "3.0.19-1~deb12u2"), []string{"PALISADE-TEST-DEB12-0001 3.0.99-1~deb12u1"}},
		{"at the fix", deb("12", "libssl3", "3.0.99-1~deb12u1", "openssl", "3.0.99-1~deb12u1"), nil},
		{"a trailing tilde sorts before the fix", deb("12", "libssl3", "3.0.99-1~deb12u1~", "openssl", "3.0.99-1~deb12u1~"), []string{"PALISADE-TEST-DEB12-0001 3.0.99-1~deb12u1"}},
		{"a binNMU of the fixed source", deb("12", "libssl3", "3.0.99-1~deb12u1+b1", "openssl", "3.0.99-1~deb12u1"), nil},
		{"tilde: before the release it precedes", deb("12", "libssl3", "3.0.99-1~deb12u0", "openssl", "3.0.99-1~deb12u0"), []string{"PALISADE-TEST-DEB12-0001 3.0.99-1~deb12u1"}},
		{"the binary's epoch is not the source's", deb("12", "bsdutils", "1:2.38.1-5+deb12u3", "util-linux", "2.38.1-5+deb12u3"), []string{"PALISADE-TEST-DEB12-0002 "}},
		{"another release's entry of the same record", deb("11", "openssl", "1.1.1w-0+deb11u1", "openssl", "1.1.1w-0+deb11u1"), []string{"PALISADE-TEST-DEB12-0001 1.1.1w-0+deb11u9"}},
		{"real DLA on its release", deb("9", "libssl1.1", "1.1.0l-1~deb9u5", "openssl", "1.1.0l-1~deb9u5"), []string{"DLA-3008-1 1.1.0l-1~deb9u6"}},
		{"a Debian 9 record does not match Debian 12", deb("12", "openssl", "1.1.0l-1~deb9u5", "openssl", "1.1.0l-1~deb9u5"), []string{"PALISADE-TEST-DEB12-0001 3.0.99-1~deb12u1"}},
		{"no source: the package's own name", deb("9", "openssl", "1.1.0f-3", "", ""), []string{"DLA-3008-1 1.1.0l-1~deb9u6"}},
		{"binary name alone misses", deb("9", "libssl1.1", "1.1.0f-3", "", ""), nil},
		{"alpine by origin", inventory.Package{Ecosystem: "Alpine:v3.18", Name: "musl-utils", Version: "1.2.4-r0", Source: "musl", SourceVersion: "1.2.4-r0"}, []string{"ALPINE-CVE-2025-26519 1.2.4-r3"}},
		{"alpine fixed", inventory.Package{Ecosystem: "Alpine:v3.18", Name: "musl", Version: "1.2.4-r3", Source: "musl", SourceVersion: "1.2.4-r3"}, nil},
		{"alpine _git suffix", inventory.Package{Ecosystem: "Alpine:v3.19", Name: "musl", Version: "1.2.4_git20230717-r4", Source: "musl", SourceVersion: "1.2.4_git20230717-r4"}, []string{"ALPINE-CVE-2025-26519 1.2.4_git20230717-r5"}},
		{"alpine below introduced", inventory.Package{Ecosystem: "Alpine:v3.18", Name: "musl", Version: "0.9.12-r0", Source: "musl"}, nil},
		{"almalinux by binary name", inventory.Package{Ecosystem: "AlmaLinux:10", Name: "firefox", Version: "128.11.0-1.el10_0", Source: "firefox", SourceVersion: "128.11.0-1.el10_0"}, []string{"ALSA-2025:10073 128.12.0-1.el10_0"}},
		{"almalinux fixed", inventory.Package{Ecosystem: "AlmaLinux:10", Name: "firefox", Version: "128.12.0-1.el10_0"}, nil},
		{"red hat: any repository of the release, an explicit 0 epoch", inventory.Package{Ecosystem: "Red Hat:enterprise_linux:9", Name: "sudo", Version: "1.9.5p2-10.el9_6"}, []string{"PALISADE-TEST-RHSA-0001 0:1.9.5p2-10.el9_6.1"}},
		{"red hat fixed", inventory.Package{Ecosystem: "Red Hat:enterprise_linux:9", Name: "sudo", Version: "1.9.5p2-10.el9_6.1"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, matchIDs(t, db, tt.pkg)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestMatchDistroUnknownRelease: a package of a release the database has no advisories for at
// all — the database predates the release, or the image misstates it — is skipped with a reason
// naming the releases it has, never matched against nothing and reported clean.
func TestMatchDistroUnknownRelease(t *testing.T) {
	_, db := fixtureDB(t)
	for _, p := range []inventory.Package{
		{Ecosystem: "Alpine:v3.15", Name: "musl", Version: "1.2.2-r7", Source: "musl"},
		{Ecosystem: "Red Hat:enterprise_linux:8", Name: "sudo", Version: "1.9.5p2-1.el8"},
		{Ecosystem: "AlmaLinux:9", Name: "firefox", Version: "128.11.0-1.el9_6"},
		{Ecosystem: "Debian:99", Name: "openssl", Version: "1.0-1"},
	} {
		res, err := db.Match(context.Background(), []inventory.Package{p})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Matches) > 0 || len(res.Skipped) != 1 || !strings.Contains(res.Skipped[0].Reason, "has no") {
			t.Errorf("%s: matches %d, skipped %+v", p.Ecosystem, len(res.Matches), res.Skipped)
		}
	}
	// A release the database has, with no advisory for the package: clean, not skipped.
	if got := matchIDs(t, db, inventory.Package{Ecosystem: "Debian:11", Name: "zlib", Version: "1:1.2.11.dfsg-2"}); len(got) != 0 {
		t.Errorf("Debian:11 zlib: %v", got)
	}
}

// TestMatchDistroWithoutRelease: a Debian package whose release is unknown is skipped with a
// reason, not matched against nothing and reported clean.
func TestMatchDistroWithoutRelease(t *testing.T) {
	_, db := fixtureDB(t)
	for _, eco := range []string{"Debian", "Alpine", "AlmaLinux"} {
		res, err := db.Match(context.Background(), []inventory.Package{{Ecosystem: eco, Name: "openssl", Version: "1.1.0f-3"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Skipped) != 1 || !strings.Contains(res.Skipped[0].Reason, "per release") {
			t.Errorf("%s: skipped %+v", eco, res.Skipped)
		}
	}
}

func TestReleaseMatches(t *testing.T) {
	tests := []struct {
		base, want, have string
		ok               bool
	}{
		{"Debian", "12", "12", true},
		{"Debian", "12", "11", false},
		{"Debian", "12", "", false},
		{"Ubuntu", "24.04:LTS", "24.04:LTS", true},
		{"Ubuntu", "24.04:LTS", "Pro:24.04:LTS", false},
		{"Red Hat", "enterprise_linux:9", "enterprise_linux:9::appstream", true},
		{"Red Hat", "enterprise_linux:9", "enterprise_linux:9::baseos", true},
		{"Red Hat", "enterprise_linux:9", "enterprise_linux:9", true},
		{"Red Hat", "enterprise_linux:9", "enterprise_linux:9.2::baseos", false},
		{"Red Hat", "enterprise_linux:9", "enterprise_linux:8::baseos", false},
		{"Red Hat", "", "enterprise_linux:9::baseos", false},
	}
	for _, tt := range tests {
		if got := releaseMatches(tt.base, tt.want, tt.have); got != tt.ok {
			t.Errorf("releaseMatches(%q, %q, %q) = %v", tt.base, tt.want, tt.have, got)
		}
	}
}

// TestDistroVersionOrder holds the orderings distro matching relies on: dpkg epochs and "~",
// apk suffixes and revisions, rpm epochs and releases.
func TestDistroVersionOrder(t *testing.T) {
	tests := []struct {
		eco, lo, hi string
	}{
		{"Debian", "1.0-1", "1:0.1-1"},                  // an epoch outranks any version
		{"Debian", "1.0~rc1-1", "1.0-1"},                // ~ sorts before the release
		{"Debian", "3.0.15-1~deb12u1", "3.0.15-1"},      // a backport before the unstable upload
		{"Debian", "2.36-9+deb12u3", "2.36-9+deb12u10"}, // numeric parts compare as numbers
		{"Debian", "1.2.13.dfsg-1", "1.2.13.dfsg-1+b1"}, // a binNMU after its source
		{"Ubuntu", "2.35-0ubuntu3.9", "2.35-0ubuntu3.14"},
		{"Alpine", "1.2.4-r2", "1.2.4-r3"},
		{"Alpine", "1.2.4_rc1-r0", "1.2.4-r0"},
		{"Alpine", "1.2.4-r10", "1.2.5-r0"},
		{"Alpine", "1.2.4_git20230717-r4", "1.2.4_git20230717-r5"},
		{"AlmaLinux", "3.0.7-27.el9", "1:3.0.7-1.el9"},
		{"AlmaLinux", "128.11.0-1.el10_0", "128.12.0-1.el10_0"},
		{"Rocky Linux", "1.20.4-1.el9", "1.20.4-2.el9"},
		{"Red Hat", "2.9~beta-1.el9", "2.9-1.el9"},
		{"Red Hat", "1.9.5p2-10.el9_6", "0:1.9.5p2-10.el9_6.1"},
		{"Red Hat", "0:1.9.5p2-10.el9_6.1", "1:1.0-1.el9"},
		{"Red Hat", "1:22.23.2-1.module+el9.8.0+24958+80b2ac6e", "1:22.23.2-2.module+el9.8.0+24958+80b2ac6e"},
	}
	for _, tt := range tests {
		lo, err := parseVersion(tt.eco, tt.lo)
		if err != nil {
			t.Fatalf("%s %s: %v", tt.eco, tt.lo, err)
		}
		hi, err := parseVersion(tt.eco, tt.hi)
		if err != nil {
			t.Fatalf("%s %s: %v", tt.eco, tt.hi, err)
		}
		if c, err := lo.Compare(hi); err != nil || c >= 0 {
			t.Errorf("%s: %s vs %s = %d, %v; want lower", tt.eco, tt.lo, tt.hi, c, err)
		}
	}
}

// TestUpdateFetchesDistroEcosystems: `db update --ecosystems` fetches distro archives by OSV's
// names (spaces escaped in the URL, as the export's paths have them) and they match at once.
func TestUpdateFetchesDistroEcosystems(t *testing.T) {
	export := fixtureExport(t, nil)
	// The AlmaLinux record served again as "Rocky Linux", whose name has a space.
	rocky := filepath.Join(export, "Rocky Linux")
	if err := os.MkdirAll(rocky, 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join("testdata", "osv", "AlmaLinux", "ALSA-2025-10073.json"))
	if err != nil {
		t.Fatal(err)
	}
	vulndbtest.WriteZip(t, filepath.Join(rocky, "all.zip"), map[string]string{"RLSA.json": strings.ReplaceAll(strings.ReplaceAll(string(b), "AlmaLinux:10", "Rocky Linux:10"), "ALSA-", "RLSA-")})
	ts := serve(t, export)
	dir := t.TempDir()
	meta, err := Update(context.Background(), UpdateOptions{Dir: dir, Source: ts.URL, Ecosystems: []string{"Debian", "Alpine", "AlmaLinux", "Rocky Linux"}, Client: ts.Client(), Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"AlmaLinux", "Alpine", "Debian", "Rocky Linux"}, meta.EcosystemNames()); diff != "" {
		t.Errorf("ecosystems (-want +got):\n%s", diff)
	}
	if got := meta.Ecosystems["Rocky Linux"].Source; got != ts.URL+"/Rocky%20Linux/all.zip" {
		t.Errorf("Rocky Linux fetched from %s", got)
	}
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got := matchIDs(t, db, inventory.Package{Ecosystem: "Rocky Linux:10", Name: "firefox", Version: "128.11.0-1.el10_0"})
	if diff := cmp.Diff([]string{"RLSA-2025:10073 128.12.0-1.el10_0"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
