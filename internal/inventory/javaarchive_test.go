package inventory

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"github.com/palisade-sec/palisade/internal/finding"
)

// zipEntry is one file of an archive a test builds.
type zipEntry struct {
	name  string
	data  []byte
	store bool // uncompressed, as Spring Boot stores its nested jars
}

func zipOf(t testing.TB, entries ...zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, e := range entries {
		method := zip.Deflate
		if e.store {
			method = zip.Store
		}
		f, err := w.CreateHeader(&zip.FileHeader{Name: e.name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func pomProps(g, a, v string) zipEntry {
	return zipEntry{name: "META-INF/maven/" + g + "/" + a + "/pom.properties",
		data: []byte("#Created by Apache Maven 3.9.6\ngroupId=" + g + "\nartifactId=" + a + "\nversion=" + v + "\n")}
}

// javaView is what a test checks of a package found in an archive.
type javaView struct {
	Key, Archive, Identity string
}

func javaViews(pkgs []Package) []javaView {
	var out []javaView
	for _, p := range pkgs {
		out = append(out, javaView{p.Key(), p.Properties[PropArchivePath], p.Properties[PropIdentity]})
	}
	return out
}

// TestSpringBootFatJar reads a Spring Boot executable jar as the Boot plugin lays it out: the
// application's own pom.properties, libraries stored uncompressed under BOOT-INF/lib/, one of them
// shading another (two pom.properties), one known only by its manifest, one only by its name, and
// one that is not an archive at all.
func TestSpringBootFatJar(t *testing.T) {
	app := zipOf(t,
		zipEntry{name: "META-INF/MANIFEST.MF", data: []byte("Manifest-Version: 1.0\r\nMain-Class: org.springframework.boot.loader.launch.JarLauncher\r\nStart-Class: com.example.App\r\n\r\n")},
		pomProps("com.example", "app", "1.0.0"),
		zipEntry{name: "BOOT-INF/classes/com/example/App.class", data: []byte("\xca\xfe\xba\xbe")},
		zipEntry{name: "BOOT-INF/lib/spring-core-6.1.2.jar", store: true, data: zipOf(t, pomProps("org.springframework", "spring-core", "6.1.2"))},
		zipEntry{name: "BOOT-INF/lib/shaded-1.0.jar", store: true, data: zipOf(t, pomProps("com.acme", "shaded", "1.0"), pomProps("com.google.guava", "guava", "31.1-jre"))},
		zipEntry{name: "BOOT-INF/lib/commons-lang3-3.12.0.jar", store: true, data: zipOf(t, zipEntry{name: "META-INF/MANIFEST.MF",
			data: []byte("Manifest-Version: 1.0\nImplementation-Title: Apache Commons Lang\nImplementation-Version: 3.12.0\nImplementation-Vendor-Id: org.apache.commons\nBundle-SymbolicName: org.apache.commo\n ns.lang3\n\nName: x\n")})},
		zipEntry{name: "BOOT-INF/lib/mystery-2.3.4.jar", store: true, data: zipOf(t, zipEntry{name: "x.class", data: []byte("x")})},
		zipEntry{name: "BOOT-INF/lib/nameless.jar", store: true, data: zipOf(t, zipEntry{name: "x.class", data: []byte("x")})},
		zipEntry{name: "BOOT-INF/lib/broken-1.0.jar", store: true, data: []byte("not a zip")},
		zipEntry{name: "BOOT-INF/lib/forged\nparse ok.jar", store: true, data: []byte("not a zip")},
	)
	pkgs, probs := extractInstalled(t, fstest.MapFS{"app/app.jar": {Data: app}})
	want := []javaView{
		{"Maven/com.acme:shaded@1.0", "BOOT-INF/lib/shaded-1.0.jar", IdentityPomProperties},
		{"Maven/com.example:app@1.0.0", "", IdentityPomProperties},
		{"Maven/com.google.guava:guava@31.1-jre", "BOOT-INF/lib/shaded-1.0.jar", IdentityPomProperties},
		{"Maven/mystery@2.3.4", "BOOT-INF/lib/mystery-2.3.4.jar", IdentityFileName},
		{"Maven/org.apache.commons:commons-lang3@3.12.0", "BOOT-INF/lib/commons-lang3-3.12.0.jar", IdentityManifest},
		{"Maven/org.springframework:spring-core@6.1.2", "BOOT-INF/lib/spring-core-6.1.2.jar", IdentityPomProperties},
	}
	if diff := cmp.Diff(want, javaViews(pkgs)); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
	if p, _ := find(pkgs, "Maven/org.springframework:spring-core@6.1.2"); p.PURL != "pkg:maven/org.springframework/spring-core@6.1.2" || p.Location.Path != "app/app.jar" {
		t.Errorf("spring-core: purl %q, path %q", p.PURL, p.Location.Path)
	}
	wantProbs := []string{
		"identify app/app.jar!/BOOT-INF/lib/mystery-2.3.4.jar: found as mystery 2.3.4 by its file-name only",
		"identify app/app.jar!/BOOT-INF/lib/nameless.jar: no pom.properties",
		"parse app/app.jar!/BOOT-INF/lib/broken-1.0.jar: not a readable zip archive",
		"parse app/app.jar!/BOOT-INF/lib/forged?parse ok.jar: not a readable zip archive", // no line forged in a report
	}
	if len(probs) != len(wantProbs) {
		t.Fatalf("problems %+v, want %d", probs, len(wantProbs))
	}
	for i, w := range wantProbs {
		if !strings.HasPrefix(probs[i].Message, w) || probs[i].Path != "app/app.jar" {
			t.Errorf("problem %d = %+v, want one starting %q", i, probs[i], w)
		}
	}
	if probs[0].Kind != finding.ProblemUnmatched {
		t.Errorf("a package without a group must be reported unmatched, got kind %q", probs[1].Kind)
	}
}

// TestJavaArchivesOnThisMachine builds a WAR in the test from this machine's Debian jars (Apache
// Commons, built by Maven, with their pom.properties) and reads it; skipped without them.
func TestJavaArchivesOnThisMachine(t *testing.T) {
	jars := map[string]string{
		"/usr/share/java/commons-io.jar":    "Maven/commons-io:commons-io@",
		"/usr/share/java/commons-lang3.jar": "Maven/org.apache.commons:commons-lang3@",
		"/usr/share/java/commons-cli.jar":   "Maven/commons-cli:commons-cli@",
	}
	entries := []zipEntry{{name: "WEB-INF/web.xml", data: []byte("<web-app/>")}}
	for p := range jars {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Skipf("no Debian Java libraries: %v", err)
		}
		entries = append(entries, zipEntry{name: "WEB-INF/lib/" + p[len("/usr/share/java/"):], data: data})
	}
	pkgs, probs := extractInstalled(t, fstest.MapFS{"srv/shop.war": {Data: zipOf(t, entries...)}})
	if len(probs) != 0 {
		t.Errorf("problems %+v", probs)
	}
	for _, prefix := range jars {
		n := 0
		for _, p := range pkgs {
			if strings.HasPrefix(p.Key(), prefix) && p.Properties[PropIdentity] == IdentityPomProperties {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s…: found %d times in %v", prefix, n, javaViews(pkgs))
		}
	}
	for _, p := range pkgs {
		// From META-INF/LICENSE.txt; Debian's commons-cli jar carries no licence file or header.
		want := []string{"Apache-2.0"}
		if strings.HasPrefix(p.Key(), "Maven/commons-cli:") {
			want = nil
		}
		if !slices.Equal(p.Licenses, want) {
			t.Errorf("%s: licences %v, want %v", p.Key(), p.Licenses, want)
		}
	}
}

func TestJavaArchiveLicenses(t *testing.T) {
	pomXML := func(lic string) []byte {
		return []byte("<project><groupId>g</groupId><artifactId>a</artifactId><version>1</version><licenses><license><name>" + lic + "</name></license></licenses></project>")
	}
	apache, err := os.ReadFile("license/testdata/Apache-2.0.txt")
	if err != nil {
		apache = []byte("Apache License\nVersion 2.0, January 2004\nhttp://www.apache.org/licenses/\nTERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION")
	}
	tests := []struct {
		name    string
		entries []zipEntry
		want    map[string][]string
	}{
		{"pom.xml beside pom.properties", []zipEntry{pomProps("g", "a", "1"), {name: "META-INF/maven/g/a/pom.xml", data: pomXML("The MIT License")}},
			map[string][]string{"Maven/g:a@1": {"MIT"}}},
		{"Bundle-License", []zipEntry{pomProps("g", "a", "1"), {name: "META-INF/MANIFEST.MF", data: []byte("Bundle-License: \"Apache-2.0\";link=\"https://www.apache.org/licenses/LICENSE-2.0.txt\"\n")}},
			map[string][]string{"Maven/g:a@1": {"Apache-2.0"}}},
		{"Bundle-License URL is not guessed", []zipEntry{pomProps("g", "a", "1"), {name: "META-INF/MANIFEST.MF", data: []byte("Bundle-License: https://example.com/eula\n")}},
			map[string][]string{"Maven/g:a@1": nil}},
		{"LICENSE file", []zipEntry{pomProps("g", "a", "1"), {name: "META-INF/LICENSE.txt", data: apache}},
			map[string][]string{"Maven/g:a@1": {"Apache-2.0"}}},
		{"shaded: the licence file is not its dependencies'", []zipEntry{pomProps("g", "a", "1"), pomProps("h", "b", "2"), {name: "META-INF/LICENSE.txt", data: apache}},
			map[string][]string{"Maven/g:a@1": nil, "Maven/h:b@2": nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkgs, _ := extractInstalled(t, fstest.MapFS{"a.jar": {Data: zipOf(t, tt.entries...)}})
			got := map[string][]string{}
			for _, p := range pkgs {
				got[p.Key()] = p.Licenses
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("licences (-want +got):\n%s", diff)
			}
		})
	}
}

// TestJavaArchiveBounds: what a hostile archive can do is bounded, and each refusal is a problem
// naming the archive and the entry.
func TestJavaArchiveBounds(t *testing.T) {
	zeros := make([]byte, 8<<20) // deflates about a thousandfold
	nest := func(depth int) []byte {
		inner := zipOf(t, pomProps("g", "deep", "1"))
		for range depth {
			inner = zipOf(t, zipEntry{name: "lib/x.jar", data: inner})
		}
		return inner
	}
	tests := []struct {
		name     string
		archive  []byte
		budget   *archiveRead
		wantKeys []string
		problem  string // a problem message must contain it; "" for none
		fails    bool   // the whole archive is refused
	}{
		{"bomb entry", zipOf(t, pomProps("g", "a", "1"), zipEntry{name: "lib/bomb-1.jar", data: zeros}), nil,
			[]string{"Maven/g:a@1"}, "refused as a zip bomb", false},
		{"nested at the limit", nest(3), nil, []string{"Maven/g:deep@1"}, "", false},
		{"nested past the limit", nest(4), nil, nil, "nested deeper than 4 levels", false},
		{"total bytes", zipOf(t, zipEntry{name: "lib/a-1.jar", data: zipOf(t, pomProps("g", "a", "1")), store: true},
			zipEntry{name: "lib/b-1.jar", data: zipOf(t, pomProps("g", "b", "1")), store: true}),
			&archiveRead{left: 600, maxDepth: 4, maxNested: 1 << 20, maxMeta: 1 << 10}, nil, "", true},
		{"one nested archive too large", zipOf(t, zipEntry{name: "lib/a-1.jar", data: zipOf(t, pomProps("g", "a", "1"))}),
			&archiveRead{left: 1 << 20, maxDepth: 4, maxNested: 100, maxMeta: 1 << 10}, nil, "entry larger than the limit", false},
		{"metadata too large", zipOf(t, pomProps("g", "a", strings.Repeat("1", 2000))),
			&archiveRead{left: 1 << 20, maxDepth: 4, maxNested: 1 << 20, maxMeta: 1 << 10}, nil, "entry larger than the limit", false},
		{"not a zip", []byte("PK\x03\x04 truncated"), nil, nil, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &input{fsys: fstest.MapFS{"a.jar": {Data: tt.archive}}, path: "a.jar"}
			var pkgs []Package
			var err error
			if tt.budget == nil {
				pkgs, err = extractJavaArchive(context.Background(), in)
			} else {
				zr, zerr := zip.NewReader(bytes.NewReader(tt.archive), int64(len(tt.archive)))
				if zerr != nil {
					t.Fatal(zerr)
				}
				pkgs, err = javaArchivePackages(context.Background(), in, zr, "a.jar", "", 0, tt.budget)
			}
			if (err != nil) != tt.fails {
				t.Fatalf("error %v, want failure %v", err, tt.fails)
			}
			var keys []string
			for _, p := range pkgs {
				keys = append(keys, p.Key())
			}
			if diff := cmp.Diff(tt.wantKeys, keys); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
			found := tt.problem == ""
			for _, p := range in.problems {
				found = found || strings.Contains(p.Message, tt.problem)
			}
			if !found {
				t.Errorf("no problem containing %q in %+v", tt.problem, in.problems)
			}
		})
	}
}

func TestParseJavaMetadata(t *testing.T) {
	props := parseJavaProperties([]byte("# c\n! c\ngroupId = org.x\nartifactId:y\nversion=1.\\\n  2\n\n"))
	if diff := cmp.Diff(map[string]string{"groupId": "org.x", "artifactId": "y", "version": "1.2"}, props); diff != "" {
		t.Errorf("properties (-want +got):\n%s", diff)
	}
	m := parseManifest([]byte("Manifest-Version: 1.0\r\nBundle-SymbolicName: a.b\r\n .c;singleton:=true\r\n\r\nName: other\r\nImplementation-Version: 9\r\n"))
	if m["Bundle-SymbolicName"] != "a.b.c;singleton:=true" || m["Implementation-Version"] != "" {
		t.Errorf("manifest %v: continuation not joined or a per-entry section read", m)
	}
}

// plainFS hides io.ReaderAt from the files it opens, as a streaming file system (a layer being
// read) might: the archive and binary readers must then read the file, bounded, themselves.
type plainFS struct{ fs.FS }

func (p plainFS) Open(name string) (fs.File, error) {
	f, err := p.FS.Open(name)
	if err != nil {
		return nil, err
	}
	return struct{ fs.File }{f}, nil
}

func TestArchivesWithoutReaderAt(t *testing.T) {
	sec, err := os.ReadFile("testdata/rust-binary/uses_json.dep-v0")
	if err != nil {
		t.Fatal(err)
	}
	jar := zipOf(t, pomProps("com.example", "app", "1.0.0"),
		zipEntry{name: "BOOT-INF/lib/lib-2.0.jar", store: true, data: zipOf(t, pomProps("org.example", "lib", "2.0"))})
	fsys := plainFS{fstest.MapFS{"app.jar": {Data: jar}, "bin/tool": {Data: elfWithSection(t, ".dep-v0", sec, 0)}}}
	if _, ok := any(mustOpen(t, fsys, "app.jar")).(io.ReaderAt); ok {
		t.Fatal("plainFS leaks io.ReaderAt")
	}
	pkgs, probs, err := ExtractWith(context.Background(), fsys, []string{"app.jar", "bin/tool"}, Options{Installed: true})
	if err != nil || len(probs) != 0 {
		t.Fatalf("ExtractWith: %v, problems %+v", err, probs)
	}
	if len(pkgs) != 2+len(usesJSONWant()) {
		t.Errorf("got %v, want the jar's 2 and the binary's %d packages", views(pkgs), len(usesJSONWant()))
	}
}

// TestArchivesFromDisk reads archives through os.DirFS, whose files are read by offset after Open
// returns: the file must stay open while the archive is read.
func TestArchivesFromDisk(t *testing.T) {
	dir := t.TempDir()
	jar := zipOf(t, pomProps("com.example", "app", "1.0.0"),
		zipEntry{name: "BOOT-INF/lib/lib-2.0.jar", store: true, data: zipOf(t, pomProps("org.example", "lib", "2.0"))})
	egg := zipOf(t, zipEntry{name: "EGG-INFO/PKG-INFO", data: []byte("Metadata-Version: 1.1\nName: monotonic\nVersion: 1.6\nLicense: Apache\n")})
	for name, data := range map[string][]byte{"app.jar": jar, "monotonic-1.6-py3.10.egg": egg} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pkgs, probs, err := FromFS(context.Background(), os.DirFS(dir), Options{Installed: true})
	if err != nil || len(probs) != 0 {
		t.Fatalf("FromFS: %v, problems %+v", err, probs)
	}
	var keys []string
	for _, p := range pkgs {
		keys = append(keys, p.Key())
	}
	want := []string{"Maven/com.example:app@1.0.0", "Maven/org.example:lib@2.0", "PyPI/monotonic@1.6"}
	if diff := cmp.Diff(want, keys); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
}

func mustOpen(t *testing.T, fsys fs.FS, name string) fs.File {
	t.Helper()
	f, err := fsys.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}
