package inventory

import (
	"context"
	"database/sql"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-sec/palisade/internal/finding"
)

// osPkg is what the OS tests compare of a package.
type osPkg struct {
	Name, Version, Ecosystem, Source, SourceVersion, PURL string
	Line                                                  int
}

func osPkgs(pkgs []Package) []osPkg {
	var out []osPkg
	for _, p := range pkgs {
		out = append(out, osPkg{p.Name, p.Version, p.Ecosystem, p.Source, p.SourceVersion, p.PURL, p.Location.StartLine})
	}
	return out
}

func TestDpkgStatus(t *testing.T) {
	fsys := os.DirFS("testdata/os/debian")
	pkgs, probs, err := Extract(context.Background(), fsys, []string{"var/lib/dpkg/status"})
	if err != nil || len(probs) > 0 {
		t.Fatalf("Extract: %v %v", err, probs)
	}
	got := osPkgs(pkgs)
	want := []osPkg{
		{"base-files", "12.4+deb12u11", "Debian:12", "base-files", "12.4+deb12u11", "pkg:deb/debian/base-files@12.4%2Bdeb12u11?arch=amd64&distro=debian-12", 1},
		// Source with its own version, and an epoch on the binary's version only.
		{"bsdutils", "1:2.38.1-5+deb12u3", "Debian:12", "util-linux", "2.38.1-5+deb12u3", "pkg:deb/debian/bsdutils@2.38.1-5%2Bdeb12u3?arch=amd64&distro=debian-12&epoch=1&upstream=util-linux%402.38.1-5%2Bdeb12u3", 0},
	}
	got[1].Line = 0
	if diff := cmp.Diff(want, got[:2]); diff != "" {
		t.Errorf("first packages (-want +got):\n%s", diff)
	}
	names := func() []string {
		var n []string
		for _, p := range pkgs {
			n = append(n, p.Name)
		}
		return n
	}()
	if slices.Contains(names, "libfoo-old") {
		t.Errorf("a package removed with its config files kept is listed: %v", names)
	}
	if len(pkgs) != 10 {
		t.Errorf("got %d packages, want 10: %v", len(pkgs), names)
	}
	for _, p := range pkgs {
		if p.Name == "libssl3" && (p.Source != "openssl" || p.SourceVersion != "3.0.19-1~deb12u2" || p.Properties[PropArch] != "amd64") {
			t.Errorf("libssl3: source %s %s arch %s", p.Source, p.SourceVersion, p.Properties[PropArch])
		}
	}
}

// TestDpkgThisMachine reads this machine's own dpkg database with its os-release, as an image
// scan would read the root of a Debian image.
func TestDpkgThisMachine(t *testing.T) {
	if _, err := os.Stat("/var/lib/dpkg/status"); err != nil {
		t.Skipf("no dpkg database on this machine: %v", err)
	}
	d, err := DetectDistro(os.DirFS("/"), ".")
	if err != nil {
		t.Fatal(err)
	}
	pkgs, probs, err := Extract(context.Background(), os.DirFS("/"), []string{"var/lib/dpkg/status"})
	if err != nil {
		t.Fatal(err)
	}
	if d.Unsupported == "" && len(probs) > 0 {
		t.Errorf("problems on a supported distribution %s: %v", d.Ecosystem, probs)
	}
	if len(pkgs) < 50 {
		t.Fatalf("only %d packages from this machine's dpkg status", len(pkgs))
	}
	for _, p := range pkgs {
		if p.Version == "" || p.Source == "" || p.SourceVersion == "" || p.Ecosystem != osEcosystem(d, "Debian") || !strings.HasPrefix(p.PURL, "pkg:deb/") {
			t.Errorf("incomplete package %+v", p)
		}
	}
}

func TestDpkgDistroless(t *testing.T) {
	fsys := os.DirFS("testdata/os/distroless")
	files := []string{"var/lib/dpkg/status.d/foo", "var/lib/dpkg/status.d/foo.md5sums"}
	pkgs, probs, err := Extract(context.Background(), fsys, files)
	if err != nil || len(probs) > 0 {
		t.Fatalf("Extract: %v %v", err, probs)
	}
	want := []osPkg{{"foo", "1.2.3", "Debian:12", "foo", "1.2.3", "pkg:deb/debian/foo@1.2.3?arch=amd64&distro=debian-12", 1}}
	if diff := cmp.Diff(want, osPkgs(pkgs)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestApkInstalled(t *testing.T) {
	fsys := os.DirFS("testdata/os/alpine")
	pkgs, probs, err := Extract(context.Background(), fsys, []string{"lib/apk/db/installed"})
	if err != nil || len(probs) > 0 {
		t.Fatalf("Extract: %v %v", err, probs)
	}
	if len(pkgs) != 15 {
		t.Fatalf("got %d packages, want 15", len(pkgs))
	}
	got := osPkgs(pkgs)[0]
	want := osPkg{"alpine-baselayout", "3.4.3-r1", "Alpine:v3.18", "alpine-baselayout", "3.4.3-r1", "pkg:apk/alpine/alpine-baselayout@3.4.3-r1?arch=x86_64&distro=alpine-3.18.0", 1}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, p := range pkgs {
		if p.Name == "libssl3" && p.Source != "openssl" {
			t.Errorf("libssl3's origin: %q", p.Source)
		}
		if len(p.Licenses) != 1 {
			t.Errorf("%s licences %v", p.Name, p.Licenses)
		}
	}
}

func TestRPMSQLite(t *testing.T) {
	data, err := os.ReadFile("testdata/os/rpm/var/lib/rpm/rpmdb.sqlite")
	if err != nil {
		t.Fatal(err)
	}
	alma := fstest.MapFS{
		"var/lib/rpm/rpmdb.sqlite": {Data: data},
		"etc/os-release":           {Data: []byte("NAME=\"AlmaLinux\"\nVERSION=\"9.4 (Seafoam Ocelot)\"\nID=\"almalinux\"\nVERSION_ID=\"9.4\"\nPRETTY_NAME=\"AlmaLinux 9.4 (Seafoam Ocelot)\"\n")},
	}
	pkgs, probs, err := Extract(context.Background(), alma, []string{"var/lib/rpm/rpmdb.sqlite"})
	if err != nil || len(probs) > 0 {
		t.Fatalf("Extract: %v %v", err, probs)
	}
	if len(pkgs) == 0 || len(pkgs) > 12 {
		t.Fatalf("got %d packages from a 12-record database", len(pkgs))
	}
	for _, p := range pkgs {
		if p.Ecosystem != "AlmaLinux:9" || p.Version == "" || p.Source == "" || p.SourceVersion == "" ||
			!strings.HasPrefix(p.PURL, "pkg:rpm/almalinux/"+p.Name+"@") || !strings.Contains(p.PURL, "distro=almalinux-9.4") {
			t.Errorf("incomplete package %+v", p)
		}
	}

	// The same database under its real distribution, which OSV has no data for: listed, and one
	// problem says they were not checked.
	pkgs, probs, err = Extract(context.Background(), os.DirFS("testdata/os/rpm"), []string{"var/lib/rpm/rpmdb.sqlite"})
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) == 0 || len(probs) != 1 || probs[0].Kind != finding.ProblemUnmatched || !strings.Contains(probs[0].Message, "CBL-Mariner") {
		t.Errorf("mariner: %d packages, problems %v", len(pkgs), probs)
	}
}

func TestRPMHeaderBlob(t *testing.T) {
	blob, err := os.ReadFile("testdata/os/rpm-header.bin")
	if err != nil {
		t.Fatal(err)
	}
	h, err := parseRPMHeader(blob)
	if err != nil {
		t.Fatal(err)
	}
	if h.name == "" || h.version == "" || h.release == "" || h.arch == "" {
		t.Errorf("header %+v", h)
	}
	// Every cut of the blob is an error or a header, never a panic or an out-of-range read.
	for n := range len(blob) {
		_, _ = parseRPMHeader(blob[:n])
	}
}

func TestRPMSourceAndEVR(t *testing.T) {
	tests := []struct {
		name           string
		h              rpmHeader
		evr, src, sver string
	}{
		{"no epoch", rpmHeader{name: "openssl-libs", version: "3.0.7", release: "27.el9", epoch: -1, sourceRPM: "openssl-3.0.7-27.el9.src.rpm"}, "3.0.7-27.el9", "openssl", "3.0.7-27.el9"},
		{"epoch", rpmHeader{name: "openssl-libs", version: "3.0.7", release: "27.el9", epoch: 1, sourceRPM: "openssl-3.0.7-27.el9.src.rpm"}, "1:3.0.7-27.el9", "openssl", "1:3.0.7-27.el9"},
		{"epoch zero", rpmHeader{name: "x", version: "1", release: "2", epoch: 0, sourceRPM: "x-1-2.nosrc.rpm"}, "1-2", "x", "1-2"},
		{"dashes in name", rpmHeader{name: "python3-libs", version: "3.9.18", release: "3.el9", epoch: -1, sourceRPM: "python3.9-3.9.18-3.el9.src.rpm"}, "3.9.18-3.el9", "python3.9", "3.9.18-3.el9"},
		{"no source", rpmHeader{name: "x", version: "1", release: "2", epoch: -1, sourceRPM: "(none)"}, "1-2", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, sver := tt.h.sourceNameVersion()
			if got := tt.h.evr(); got != tt.evr || src != tt.src || sver != tt.sver {
				t.Errorf("evr %q source %q %q, want %q %q %q", got, src, sver, tt.evr, tt.src, tt.sver)
			}
		})
	}
}

func TestDetectDistro(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		eco   string
		unsup bool
	}{
		{"debian", map[string]string{"etc/os-release": "ID=debian\nVERSION_ID=\"12\"\n"}, "Debian:12", false},
		{"debian sid", map[string]string{"etc/os-release": "ID=debian\nPRETTY_NAME=\"Debian GNU/Linux trixie/sid\"\n", "etc/debian_version": "trixie/sid\n"}, "Debian", true},
		{"usr/lib fallback", map[string]string{"usr/lib/os-release": "ID=debian\nVERSION_ID=11\n"}, "Debian:11", false},
		{"ubuntu lts", map[string]string{"etc/os-release": "NAME=\"Ubuntu\"\nVERSION=\"24.04.1 LTS (Noble Numbat)\"\nID=ubuntu\nID_LIKE=debian\nVERSION_ID=\"24.04\"\n"}, "Ubuntu:24.04:LTS", false},
		{"ubuntu interim", map[string]string{"etc/os-release": "VERSION=\"24.10 (Oracular Oriole)\"\nID=ubuntu\nVERSION_ID=\"24.10\"\n"}, "Ubuntu:24.10", false},
		{"ubuntu lts by date", map[string]string{"etc/os-release": "ID=ubuntu\nVERSION_ID=\"22.04\"\n"}, "Ubuntu:22.04:LTS", false},
		{"alpine", map[string]string{"etc/os-release": "ID=alpine\nVERSION_ID=3.20.3\n"}, "Alpine:v3.20", false},
		{"alpine edge", map[string]string{"etc/os-release": "ID=alpine\nVERSION_ID=3.21_alpha20240807\n"}, "Alpine:v3.21", false},
		{"alpine-release", map[string]string{"etc/alpine-release": "3.19.1\n"}, "Alpine:v3.19", false},
		{"rhel", map[string]string{"etc/os-release": "ID=\"rhel\"\nVERSION_ID=\"9.4\"\nCPE_NAME=\"cpe:/o:redhat:enterprise_linux:9::baseos\"\n"}, "Red Hat:enterprise_linux:9", false},
		{"redhat-release", map[string]string{"etc/redhat-release": "Red Hat Enterprise Linux Server release 7.9 (Maipo)\n"}, "Red Hat:enterprise_linux:7", false},
		{"centos 7", map[string]string{"etc/redhat-release": "CentOS Linux release 7.9.2009 (Core)\n"}, "CentOS:7", true},
		{"almalinux", map[string]string{"etc/os-release": "ID=\"almalinux\"\nVERSION_ID=\"9.4\"\n"}, "AlmaLinux:9", false},
		{"rocky", map[string]string{"etc/os-release": "ID=\"rocky\"\nVERSION_ID=\"8.9\"\n"}, "Rocky Linux:8", false},
		{"amazon", map[string]string{"etc/os-release": "ID=\"amzn\"\nVERSION_ID=\"2023\"\n"}, "Amazon Linux:2023", true},
		{"fedora", map[string]string{"etc/os-release": "ID=fedora\nVERSION_ID=40\n"}, "Fedora:40", true},
		{"centos stream", map[string]string{"etc/os-release": "ID=\"centos\"\nVERSION_ID=\"9\"\n"}, "CentOS:9", true},
		{"opensuse leap", map[string]string{"etc/os-release": "ID=\"opensuse-leap\"\nVERSION_ID=\"15.5\"\n"}, "openSUSE:Leap 15.5", false},
		{"opensuse tumbleweed", map[string]string{"etc/os-release": "ID=\"opensuse-tumbleweed\"\nVERSION_ID=\"20240101\"\n"}, "openSUSE:Tumbleweed", false},
		{"sles", map[string]string{"etc/os-release": "ID=\"sles\"\nVERSION_ID=\"15.5\"\n"}, "SUSE:15", true},
		{"wolfi", map[string]string{"etc/os-release": "ID=wolfi\nVERSION_ID=20230201\n"}, "Wolfi", false},
		{"chainguard", map[string]string{"etc/os-release": "ID=chainguard\n"}, "Chainguard", false},
		{"debian_version only", map[string]string{"etc/debian_version": "11.9\n"}, "Debian:11", false},
		{"nothing", map[string]string{}, "", true},
		{"unknown", map[string]string{"etc/os-release": "ID=plan9\nVERSION_ID=4\n"}, "plan9:4", true},
		{"comments and quotes", map[string]string{"etc/os-release": "# c\nID='debian'\nVERSION_ID=\"1\\2\"\nbad line\n"}, "Debian:12", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for k, v := range tt.files {
				fsys[k] = &fstest.MapFile{Data: []byte(v)}
			}
			d, err := DetectDistro(fsys, ".")
			if err != nil {
				t.Fatal(err)
			}
			if d.Ecosystem != tt.eco || (d.Unsupported != "") != tt.unsup {
				t.Errorf("got %q (unsupported %q), want %q unsupported=%v", d.Ecosystem, d.Unsupported, tt.eco, tt.unsup)
			}
		})
	}
}

// TestOSDatabaseOutsideARoot: a dpkg status or apk database found outside its place in a root
// file system (another tool's fixture in a source tree) is not an installed system: not read, no
// problem; under a root at any depth it is.
func TestOSDatabaseOutsideARoot(t *testing.T) {
	status, err := os.ReadFile("testdata/os/debian/var/lib/dpkg/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"backup/dpkg/status", "fixtures/status.d/libc6", "x/db/installed"} {
		pkgs, probs, err := Extract(context.Background(), fstest.MapFS{p: {Data: status}}, []string{p})
		if err != nil || len(pkgs) > 0 || len(probs) > 0 {
			t.Errorf("%s: %d packages, problems %v, %v", p, len(pkgs), probs, err)
		}
	}
	fsys := fstest.MapFS{"images/app/rootfs/var/lib/dpkg/status": {Data: status}}
	pkgs, probs, err := Extract(context.Background(), fsys, []string{"images/app/rootfs/var/lib/dpkg/status"})
	if err != nil {
		t.Fatal(err)
	}
	// No os-release in that root: listed, with the problem that says they cannot be matched.
	if len(pkgs) != 10 || len(probs) != 1 || probs[0].Kind != finding.ProblemUnmatched || pkgs[0].Ecosystem != "Debian" {
		t.Fatalf("got %d packages (%s), problems %v", len(pkgs), pkgs[0].Ecosystem, probs)
	}
}

func TestDpkgErrors(t *testing.T) {
	tests := []struct {
		name, data string
		line       int
	}{
		{"no colon", "Package: a\nVersion 1\n", 2},
		{"continuation first", " orphan\n", 1},
		{"repeated field", "Package: a\nPackage: b\n", 2},
		{"bad source", "Package: a\nVersion: 1\nSource: b (1\n", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{"var/lib/dpkg/status": {Data: []byte(tt.data)}, "etc/os-release": {Data: []byte("ID=debian\nVERSION_ID=12\n")}}
			pkgs, probs, err := Extract(context.Background(), fsys, []string{"var/lib/dpkg/status"})
			if err != nil || len(pkgs) > 0 || len(probs) != 1 || probs[0].Line != tt.line || probs[0].Kind != finding.ProblemParse {
				t.Errorf("got %v %+v %v, want one parse problem at line %d", pkgs, probs, err, tt.line)
			}
		})
	}
}

func TestRPMBerkeleyDB(t *testing.T) {
	pkgs, probs, err := Extract(context.Background(), os.DirFS("testdata/os/rpm-bdb"), []string{"var/lib/rpm/Packages"})
	if err != nil || len(probs) > 0 {
		t.Fatalf("Extract: %v %v", err, probs)
	}
	want := []osPkg{{"libuuid", "2.32.1-42.el8_8", "Red Hat:enterprise_linux:8", "util-linux", "2.32.1-42.el8_8",
		"pkg:rpm/redhat/libuuid@2.32.1-42.el8_8?arch=x86_64&distro=rhel-8.8&upstream=util-linux", 0}}
	if diff := cmp.Diff(want, osPkgs(pkgs)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"BSD-3-Clause"}, pkgs[0].Licenses); diff != "" {
		t.Errorf("licences (-want +got):\n%s", diff)
	}

	// A database outside a root: listed with its epoch, and reported as not matchable.
	pkgs, probs, err = Extract(context.Background(), os.DirFS("testdata/os/rpm-bdb-epoch"), []string{"rpm/Packages"})
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) != 1 || pkgs[0].Version != "1:0.0.1-rls" || !strings.Contains(pkgs[0].PURL, "epoch=1") || len(probs) != 1 || probs[0].Kind != finding.ProblemUnmatched {
		t.Errorf("got %+v, problems %v", pkgs, probs)
	}
}

// TestRPMBerkeleyDBCorrupt: every cut and every flipped byte of a real database is an error or a
// result, never a panic or a read outside the file.
func TestRPMBerkeleyDBCorrupt(t *testing.T) {
	data, err := os.ReadFile("testdata/os/rpm-bdb/var/lib/rpm/Packages")
	if err != nil {
		t.Fatal(err)
	}
	for n := 0; n < len(data); n += 509 {
		_, _ = bdbValues(data[:n])
	}
	for i := 0; i < len(data); i += 97 {
		c := slices.Clone(data)
		c[i] ^= 0xff
		_, _ = bdbValues(c)
	}
	if _, err := bdbValues(make([]byte, 4096)); err == nil {
		t.Error("zeros read as a database")
	}
}

// TestOSPURL reads OS purls as SBOM tools write them back into matchable packages, and round-
// trips the purls the extractors write.
func TestOSPURL(t *testing.T) {
	tests := []struct {
		purl        string
		eco, name   string
		version     string
		src, srcVer string
		unmatchable bool
	}{
		{"pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl", "Debian:12", "libssl3", "3.0.11-1~deb12u2", "openssl", "3.0.11-1~deb12u2", false},
		{"pkg:deb/debian/bsdutils@2.38.1-5%2Bdeb12u3?arch=amd64&distro=debian-12&epoch=1&upstream=util-linux", "Debian:12", "bsdutils", "1:2.38.1-5+deb12u3", "util-linux", "1:2.38.1-5+deb12u3", false},
		{"pkg:deb/debian/libc6@2.36-9+b1?upstream=glibc%402.36-9&distro=debian-12.2", "Debian:12", "libc6", "2.36-9+b1", "glibc", "2.36-9", false},
		{"pkg:deb/ubuntu/libc6@2.35-0ubuntu3.9?distro=ubuntu-22.04", "Ubuntu:22.04:LTS", "libc6", "2.35-0ubuntu3.9", "libc6", "2.35-0ubuntu3.9", false},
		{"pkg:apk/alpine/libssl3@3.0.8-r0?arch=x86_64&upstream=openssl&distro=alpine-3.17.2", "Alpine:v3.17", "libssl3", "3.0.8-r0", "openssl", "3.0.8-r0", false},
		{"pkg:apk/alpine/musl@1.2.4-r2?distro=3.18.4", "Alpine:v3.18", "musl", "1.2.4-r2", "musl", "1.2.4-r2", false},
		{"pkg:rpm/redhat/openssl-libs@3.0.7-27.el9?arch=x86_64&epoch=1&upstream=openssl-3.0.7-27.el9.src.rpm&distro=rhel-9.4", "Red Hat:enterprise_linux:9", "openssl-libs", "1:3.0.7-27.el9", "openssl", "3.0.7-27.el9", false},
		{"pkg:rpm/almalinux/firefox@128.11.0-1.el10_0?distro=almalinux-10.0", "AlmaLinux:10", "firefox", "128.11.0-1.el10_0", "firefox", "128.11.0-1.el10_0", false},
		{"pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64", "Debian", "openssl", "3.0.11-1~deb12u2", "openssl", "3.0.11-1~deb12u2", true},
		{"pkg:deb/debian/curl@7.50.3-1?distro=jessie", "Debian", "curl", "7.50.3-1", "curl", "7.50.3-1", true},
		{"pkg:rpm/fedora/curl@7.50.3-1.fc25?distro=fedora-25", "Fedora:25", "curl", "7.50.3-1.fc25", "curl", "7.50.3-1.fc25", true},
	}
	for _, tt := range tests {
		t.Run(tt.purl, func(t *testing.T) {
			p, why, err := purlPackage(tt.purl)
			if err != nil {
				t.Fatal(err)
			}
			got := []string{p.Ecosystem, p.Name, p.Version, p.Source, p.SourceVersion}
			if diff := cmp.Diff([]string{tt.eco, tt.name, tt.version, tt.src, tt.srcVer}, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if (why != "") != tt.unmatchable {
				t.Errorf("unmatchable %q, want %v", why, tt.unmatchable)
			}
		})
	}
	// What the extractors write reads back as the same package.
	pkgs, _, err := Extract(context.Background(), os.DirFS("testdata/os/debian"), []string{"var/lib/dpkg/status"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range pkgs {
		got, why, err := purlPackage(want.PURL)
		if err != nil || why != "" || got.Ecosystem != want.Ecosystem || got.Name != want.Name || got.Version != want.Version || got.Source != want.Source || got.SourceVersion != want.SourceVersion {
			t.Errorf("%s read back as %+v (%q, %v), want %s %s %s", want.PURL, got, why, err, want.Ecosystem, want.Version, want.Source)
		}
	}
	for _, bad := range []string{"pkg:deb/debian", "pkg:deb/debian/%zz@1", "pkg:deb/debian/@1", "pkg:rpm/redhat/x@1?%zz"} {
		if _, _, err := purlPackage(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// TestRPMSQLiteHostile: an rpmdb.sqlite from a hostile image whose Packages would compute without
// bound when read — a recursive view, a generated column, a virtual table — or that is not rpm's
// at all is refused as a parse problem, quickly.
func TestRPMSQLiteHostile(t *testing.T) {
	tests := []struct {
		name string
		ddl  []string
		want string
	}{
		{"recursive view", []string{"CREATE VIEW Packages AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT x AS hnum, zeroblob(1000000) AS blob FROM c"}, "view"},
		{"generated column", []string{"CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob AS (zeroblob(100000000)))", "INSERT INTO Packages(hnum) VALUES (1),(2),(3)"}, "generated"},
		{"virtual table", []string{"CREATE VIRTUAL TABLE Packages USING fts5(hnum, blob)"}, "VIRTUAL"},
		{"extra column", []string{"CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob BLOB, x)"}, "columns"},
		{"no table", []string{"CREATE TABLE Other (x)"}, "no table Packages"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "rpmdb.sqlite")
			db, err := sql.Open("sqlite", p)
			if err != nil {
				t.Fatal(err)
			}
			for _, q := range tt.ddl {
				if _, err := db.Exec(q); err != nil {
					t.Skipf("%s: %v", q, err)
				}
			}
			db.Close()
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			fsys := fstest.MapFS{"var/lib/rpm/rpmdb.sqlite": {Data: data}, "etc/os-release": {Data: []byte("ID=rocky\nVERSION_ID=9.3\n")}}
			pkgs, probs, err := Extract(context.Background(), fsys, []string{"var/lib/rpm/rpmdb.sqlite"})
			if err != nil || len(pkgs) > 0 || len(probs) != 1 || probs[0].Kind != finding.ProblemParse || !strings.Contains(probs[0].Message, tt.want) {
				t.Errorf("got %v %+v %v, want one parse problem naming %q", pkgs, probs, err, tt.want)
			}
		})
	}
}

// TestDetectDistroSymlinks: a root whose etc/os-release is the usual relative symlink reads its
// target; one whose link points out of the root (refused by os.Root) falls back to
// usr/lib/os-release, and never reads the host's file.
func TestDetectDistroSymlinks(t *testing.T) {
	tests := []struct {
		name, link, want string
	}{
		{"relative", "../usr/lib/os-release", "Alpine:v3.20"},
		{"absolute, out of the root", "/etc/os-release", "Alpine:v3.20"},
		{"dangling", "../nowhere", "Alpine:v3.20"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.MkdirAll(filepath.Join(dir, "usr/lib"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(filepath.Join(dir, "etc"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "usr/lib/os-release"), []byte("ID=alpine\nVERSION_ID=3.20.1\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(tt.link, filepath.Join(dir, "etc/os-release")); err != nil {
				t.Fatal(err)
			}
			root, err := os.OpenRoot(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer root.Close()
			d, err := DetectDistro(root.FS(), ".")
			if err != nil || d.Ecosystem != tt.want {
				t.Errorf("got %q, %v; want %q", d.Ecosystem, err, tt.want)
			}
		})
	}
}

// TestDpkgLicenses reads licences from packages' machine-readable copyright files (real ones of a
// Debian 12 machine) and says nothing for free-text ones or missing ones.
func TestDpkgLicenses(t *testing.T) {
	pkgs, _, err := Extract(context.Background(), os.DirFS("testdata/os/debian"), []string{"var/lib/dpkg/status"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, p := range pkgs {
		got[p.Name] = p.Licenses
	}
	want := map[string][]string{
		"login": {"BSD-3-Clause"}, "tzdata": {"public-domain"}, "zlib1g": {"Zlib"},
		"base-files": nil, // free text
		"libc6":      nil, // no copyright file in the fixture
	}
	for name, w := range want {
		if diff := cmp.Diff(w, got[name]); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
	}
	if len(got["libssl3"]) != 1 {
		t.Errorf("libssl3: %v", got["libssl3"])
	}
}

// writeNDB builds an rpm ndb Packages.db holding the given headers, laid out as rpm lays it out.
func writeNDB(headers ...[]byte) []byte {
	le := binary.LittleEndian
	db := make([]byte, 4096) // one slot page: the 32-byte header, then 254 slots
	le.PutUint32(db[0:], ndbHeaderMagic)
	le.PutUint32(db[12:], 1)
	for i := 32; i < 4096; i += 16 {
		le.PutUint32(db[i:], ndbSlotMagic)
	}
	for i, h := range headers {
		blk := len(db) / 16
		blob := make([]byte, 16+len(h)+(16-len(h)%16))
		le.PutUint32(blob[0:], ndbBlobMagic)
		le.PutUint32(blob[4:], uint32(i+1))
		le.PutUint32(blob[12:], uint32(len(h)))
		copy(blob[16:], h)
		db = append(db, blob...)
		slot := db[32+16*i:]
		le.PutUint32(slot[4:], uint32(i+1))
		le.PutUint32(slot[8:], uint32(blk))
		le.PutUint32(slot[12:], uint32(len(blob)/16))
	}
	return db
}

func TestRPMNDB(t *testing.T) {
	blob, err := os.ReadFile("testdata/os/rpm-header.bin")
	if err != nil {
		t.Fatal(err)
	}
	bdb, err := os.ReadFile("testdata/os/rpm-bdb/var/lib/rpm/Packages")
	if err != nil {
		t.Fatal(err)
	}
	libuuid, err := bdbValues(bdb)
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{
		"usr/lib/sysimage/rpm/Packages.db": {Data: writeNDB(blob, libuuid[0])},
		"etc/os-release":                   {Data: []byte("NAME=\"openSUSE Leap\"\nVERSION=\"15.5\"\nID=\"opensuse-leap\"\nVERSION_ID=\"15.5\"\n")},
	}
	pkgs, probs, err := Extract(context.Background(), fsys, []string{"usr/lib/sysimage/rpm/Packages.db"})
	if err != nil || len(probs) > 0 {
		t.Fatalf("Extract: %v %v", err, probs)
	}
	if len(pkgs) != 2 {
		t.Fatalf("got %d packages, want 2", len(pkgs))
	}
	for _, p := range pkgs {
		if p.Ecosystem != "openSUSE:Leap 15.5" || p.Version == "" || !strings.HasPrefix(p.PURL, "pkg:rpm/opensuse/") {
			t.Errorf("package %+v", p)
		}
	}
	// Every cut and flipped byte is an error or a result, never a panic.
	db := writeNDB(blob, libuuid[0])
	for n := 0; n < len(db); n += 61 {
		_, _ = ndbValues(db[:n])
	}
	for i := 0; i < len(db); i += 7 {
		c := slices.Clone(db)
		c[i] ^= 0xff
		_, _ = ndbValues(c)
	}
}

// TestRPMDatabaseNamesElsewhere: a file named like an rpm database outside a root's rpm directory
// and not in the format (a source tree's rpm/Packages list) is not an input; at a root's own place
// a file with the wrong magic is a parse problem, since a doctored database must not hide what
// is installed.
func TestRPMDatabaseNamesElsewhere(t *testing.T) {
	text := []byte("Packages: hello world\n")
	for _, p := range []string{"tools/rpm/Packages", "tools/rpm/Packages.db", "tools/rpm/rpmdb.sqlite"} {
		pkgs, probs, err := Extract(context.Background(), fstest.MapFS{p: {Data: text}}, []string{p})
		if err != nil || len(pkgs) > 0 || len(probs) > 0 {
			t.Errorf("%s: %v %v %v", p, pkgs, probs, err)
		}
	}
	for _, p := range []string{"var/lib/rpm/Packages", "usr/lib/sysimage/rpm/Packages.db", "var/lib/rpm/rpmdb.sqlite"} {
		pkgs, probs, err := Extract(context.Background(), fstest.MapFS{p: {Data: text}}, []string{p})
		if err != nil || len(pkgs) > 0 || len(probs) != 1 || probs[0].Kind != finding.ProblemParse {
			t.Errorf("%s: %v %v %v", p, pkgs, probs, err)
		}
	}
}

func TestWantsBeside(t *testing.T) {
	for p, want := range map[string]bool{
		"etc/os-release": true, "rootfs/usr/lib/os-release": true, "etc/debian_version": true,
		"usr/share/doc/libssl3/copyright": true, "x/usr/share/doc/zlib1g/copyright": true,
		"var/lib/rpm/rpmdb.sqlite-wal": true,
		"copyright":                    false, "docs/copyright": false, "usr/share/doc/copyright": false, "etc/os-release.bak": false,
		"myetc/os-release": false, "usr/share/doc/a/b/copyright": false,
	} {
		if got := WantsBeside(p); got != want {
			t.Errorf("WantsBeside(%q) = %v", p, got)
		}
	}
}

// TestRPMBadRecordsBounded: a database of many unreadable records gives a bounded number of
// problems, the last counting the rest.
func TestRPMBadRecordsBounded(t *testing.T) {
	in := &input{path: "var/lib/rpm/Packages", fsys: fstest.MapFS{}}
	blobs := make([]rpmBlob, 1000)
	for i := range blobs {
		blobs[i] = rpmBlob{hnum: int64(i + 1), blob: []byte{1, 2, 3}}
	}
	pkgs := rpmPackages(in, Distro{Ecosystem: "AlmaLinux:9"}, blobs)
	if len(pkgs) != 0 || len(in.problems) != maxRecordProblems+1 || !strings.Contains(in.problems[maxRecordProblems].Message, "980 more") {
		t.Errorf("%d packages, %d problems, last %+v", len(pkgs), len(in.problems), in.problems[len(in.problems)-1])
	}
}

// TestNamelessEntriesOneProblem: entries without a name are one problem per database, whatever
// their number, naming the first.
func TestNamelessEntriesOneProblem(t *testing.T) {
	var dpkg, apk strings.Builder
	dpkg.WriteString("Package: a\nVersion: 1\n\n")
	apk.WriteString("P:a\nV:1-r0\n\n")
	for range 5000 {
		dpkg.WriteString("Version: 1\n\n")
		apk.WriteString("V:1-r0\n\n")
	}
	osr := &fstest.MapFile{Data: []byte("ID=debian\nVERSION_ID=12\n")}
	for p, data := range map[string]string{"var/lib/dpkg/status": dpkg.String(), "lib/apk/db/installed": apk.String()} {
		pkgs, probs, err := Extract(context.Background(), fstest.MapFS{p: {Data: []byte(data)}, "etc/os-release": osr}, []string{p})
		if err != nil || len(pkgs) != 1 || len(probs) != 1 || probs[0].Line != 4 || !strings.Contains(probs[0].Message, "5000") {
			t.Errorf("%s: %d packages, problems %+v, %v", p, len(pkgs), probs, err)
		}
	}
}

// TestRPMBerkeleyDBBigEndian reads the same database written in big-endian byte order.
func TestRPMBerkeleyDBBigEndian(t *testing.T) {
	var got [2][]rpmHeader
	for i, f := range []string{"testdata/os/rpm-bdb/var/lib/rpm/Packages", "testdata/os/rpm-bdb-be/Packages"} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		values, err := bdbValues(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, v := range values {
			h, err := parseRPMHeader(v)
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			got[i] = append(got[i], h)
		}
	}
	if len(got[1]) != 1 || got[1][0].name != "libuuid" {
		t.Fatalf("big-endian: %+v", got[1])
	}
	if diff := cmp.Diff(got[0], got[1], cmp.AllowUnexported(rpmHeader{})); diff != "" {
		t.Errorf("(-little +big):\n%s", diff)
	}
}
