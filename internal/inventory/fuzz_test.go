package inventory

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"os"
	"path"
	"strings"
	"testing"
	"testing/fstest"
)

// fuzzExtractor feeds data to one extractor as the file name, with no panic recovery in the way,
// and checks what every extractor promises: a result or an error, never both; every package named,
// in its ecosystem, with a purl, at a line inside the file.
func fuzzExtractor(f *testing.F, name string, seedFiles ...string) {
	f.Helper()
	var ex extractor
	for _, e := range builtins() {
		if e.name == name {
			ex = e
		}
	}
	if ex.extract == nil {
		f.Fatalf("no extractor %q", name)
	}
	for _, s := range seedFiles {
		data, err := os.ReadFile(path.Join("testdata", s))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	file := ex.patterns[0]
	f.Fuzz(func(t *testing.T, data []byte) {
		in := &input{fsys: fstest.MapFS{file: {Data: data}}, path: file, data: data}
		pkgs, err := ex.extract(context.Background(), in)
		if err != nil {
			if errors.Is(err, errNotMine) {
				return
			}
			if len(pkgs) > 0 {
				t.Fatalf("both packages and error %v", err)
			}
			if l := lineOf(err); l < 0 || l > len(newLineIndex(data))+1 {
				t.Fatalf("error line %d outside the file: %v", l, err)
			}
			return
		}
		lines := len(newLineIndex(data)) + 1
		for _, p := range finish(in, pkgs) {
			if p.Name == "" || p.Ecosystem == "" {
				t.Fatalf("package without name or ecosystem: %+v", p)
			}
			if p.PURL == "" {
				t.Fatalf("package without purl: %+v", p)
			}
			if p.Location.StartLine < 0 || p.Location.StartLine > lines {
				t.Fatalf("line %d outside a %d-line file", p.Location.StartLine, lines)
			}
		}
	})
}

func FuzzGoMod(f *testing.F) { fuzzExtractor(f, "go.mod", "go/basic/go.mod", "go/legacy/go.mod") }
func FuzzPackageLock(f *testing.F) {
	fuzzExtractor(f, "package-lock.json", "npm/lock-v3/package-lock.json", "npm/lock-v1/package-lock.json")
}
func FuzzYarnLock(f *testing.F) {
	fuzzExtractor(f, "yarn.lock", "npm/yarn-classic/yarn.lock", "npm/yarn-berry/yarn.lock")
}
func FuzzPnpmLock(f *testing.F) {
	fuzzExtractor(f, "pnpm-lock.yaml", "npm/pnpm-v6/pnpm-lock.yaml", "npm/pnpm-v9/pnpm-lock.yaml")
}
func FuzzRequirements(f *testing.F) {
	fuzzExtractor(f, "requirements.txt", "python/req/requirements.txt", "python/pipcompile/requirements.txt")
}
func FuzzPoetryLock(f *testing.F)  { fuzzExtractor(f, "poetry.lock", "python/poetry/poetry.lock") }
func FuzzPipfileLock(f *testing.F) { fuzzExtractor(f, "Pipfile.lock", "python/pipenv/Pipfile.lock") }
func FuzzUVLock(f *testing.F)      { fuzzExtractor(f, "uv.lock", "python/uv/uv.lock") }
func FuzzCargoLock(f *testing.F)   { fuzzExtractor(f, "Cargo.lock", "rust/Cargo.lock") }
func FuzzPom(f *testing.F) {
	fuzzExtractor(f, "pom.xml", "java/multi/app/pom.xml", "java/multi/pom.xml")
}
func FuzzGradleLock(f *testing.F)  { fuzzExtractor(f, "gradle.lockfile", "java/gradle/gradle.lockfile") }
func FuzzGemfileLock(f *testing.F) { fuzzExtractor(f, "Gemfile.lock", "ruby/Gemfile.lock") }
func FuzzComposerLock(f *testing.F) {
	fuzzExtractor(f, "composer.lock", "php/composer.lock")
}
func FuzzNuGetLock(f *testing.F) {
	fuzzExtractor(f, "packages.lock.json", "dotnet/packages.lock.json")
}
func FuzzCycloneDX(f *testing.F) { fuzzExtractor(f, "cyclonedx", "sbom/app.cdx.json") }
func FuzzSPDX(f *testing.F)      { fuzzExtractor(f, "spdx", "sbom/app.spdx.json") }

func FuzzGoSum(f *testing.F) {
	data, err := os.ReadFile("testdata/go/basic/go.sum")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Fuzz(func(t *testing.T, data []byte) {
		sums, err := parseGoSum("go.sum", data)
		if err == nil {
			for k, e := range sums {
				if e.hash == "" || e.line <= 0 || k != e.path+"@"+e.version {
					t.Fatalf("bad entry %q: %+v", k, e)
				}
			}
		}
	})
}

// FuzzGoBinary feeds arbitrary bytes, starting like an executable, to the Go binary reader.
func FuzzGoBinary(f *testing.F) {
	f.Add([]byte("\x7fELF\x02\x01\x01\x00"))
	f.Add([]byte("MZ\x90\x00\x03"))
	f.Add([]byte("\xcf\xfa\xed\xfe\x07\x00\x00\x01"))
	f.Fuzz(func(t *testing.T, data []byte) {
		in := &input{fsys: fstest.MapFS{"bin": {Data: data}}, path: "bin"}
		pkgs, err := extractGoBinary(context.Background(), in)
		if err != nil && len(pkgs) > 0 {
			t.Fatalf("both packages and error %v", err)
		}
	})
}

func FuzzJSONLines(f *testing.F) {
	f.Add([]byte(`{"a": [1, {"b": {}}], "c": "d"}`))
	f.Add([]byte("[\n{},\n[]\n]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		lines, err := jsonLines(data)
		if err != nil {
			return
		}
		max := len(newLineIndex(data)) + 1
		for k, l := range lines {
			if l < 1 || l > max {
				t.Fatalf("path %v at line %d of %d", k, l, max)
			}
		}
	})
}

func FuzzParsePURL(f *testing.F) {
	for _, s := range []string{"pkg:npm/%40types/node@20.11.30", "pkg:golang/github.com/a/b@v1.2.3", "pkg:maven/g/a@1?type=jar", "pkg:pypi/x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		eco, name, version, err := ParsePURL(s)
		if err != nil {
			return
		}
		if eco == "" || name == "" {
			t.Fatalf("ParsePURL(%q) = %q %q %q without error", s, eco, name, version)
		}
		if PURL(eco, name, version) == "" {
			t.Fatalf("cannot format back %q %q %q", eco, name, version)
		}
	})
}

func FuzzNodeModule(f *testing.F) {
	fuzzExtractor(f, "node_modules", "installed/npm/app/node_modules/debug/package.json", "installed/npm/app/node_modules/semver/package.json")
}
func FuzzHiddenLock(f *testing.F) {
	fuzzExtractor(f, ".package-lock.json", "installed/npm/app/node_modules/.package-lock.json")
}
func FuzzPyInstalled(f *testing.F) {
	fuzzExtractor(f, "python-installed", "installed/python/site-packages/PyYAML-6.0.dist-info/METADATA",
		"installed/python/site-packages/PyJWT-2.6.0.egg-info/PKG-INFO", "installed/python/site-packages/pycups-2.0.1.egg-info")
}
func FuzzGemspec(f *testing.F) {
	fuzzExtractor(f, "gemspec", "installed/ruby/specifications/rss-0.2.9.gemspec")
}
func FuzzDepsJSON(f *testing.F) { fuzzExtractor(f, "deps.json", "installed/dotnet/App.deps.json") }
func FuzzComposerInstalled(f *testing.F) {
	fuzzExtractor(f, "composer-installed", "installed/php/v1/vendor/composer/installed.json", "installed/php/v2/vendor/composer/installed.json")
}

// FuzzJavaArchive feeds arbitrary bytes, seeded with archives that nest, to the Java archive
// reader with small bounds, checking that what it reads stays within them.
func FuzzJavaArchive(f *testing.F) {
	lib := zipOf(f, pomProps("org.example", "lib", "1.0"))
	f.Add(zipOf(f, pomProps("com.example", "app", "1.0.0"), zipEntry{name: "BOOT-INF/lib/lib-1.0.jar", data: lib, store: true}))
	f.Add(zipOf(f, zipEntry{name: "META-INF/MANIFEST.MF", data: []byte("Implementation-Version: 2\nImplementation-Vendor-Id: g\n")},
		zipEntry{name: "WEB-INF/lib/x.jar", data: zipOf(f, zipEntry{name: "lib/y-1.jar", data: lib})}))
	f.Add([]byte("PK\x05\x06" + strings.Repeat("\x00", 18)))
	f.Fuzz(func(t *testing.T, data []byte) {
		in := &input{fsys: fstest.MapFS{"a.jar": {Data: data}}, path: "a.jar"}
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		budget := &archiveRead{left: 1 << 20, maxDepth: 3, maxNested: 256 << 10, maxMeta: 4 << 10}
		pkgs, err := javaArchivePackages(context.Background(), in, zr, "a.jar", "", 0, budget)
		if err != nil && len(pkgs) > 0 {
			t.Fatalf("both packages and error %v", err)
		}
		if budget.left < -1 {
			t.Fatalf("read %d bytes past the budget", -budget.left)
		}
		for _, p := range finish(in, pkgs) {
			if p.Ecosystem != Maven || p.PURL == "" || strings.Count(p.Properties[PropArchivePath], "!/") > 2 {
				t.Fatalf("bad package %+v", p)
			}
		}
	})
}

// FuzzRustDeps feeds arbitrary bytes, seeded with a real section, to the cargo-auditable reader.
func FuzzRustDeps(f *testing.F) {
	data, err := os.ReadFile("testdata/rust-binary/uses_json.dep-v0")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add(deflate(f, []byte(`{"packages":[{"name":"a","version":"1","source":"local","root":true,"dependencies":[0]}]}`)))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, err := parseRustDeps(data)
		if err != nil && len(pkgs) > 0 {
			t.Fatalf("both packages and error %v", err)
		}
		for _, p := range pkgs {
			if p.Name == "" || p.Version == "" || p.Ecosystem != CratesIO {
				t.Fatalf("bad package %+v", p)
			}
		}
	})
}

// FuzzRustBinary feeds arbitrary executables, seeded with a hand-built ELF, to the section finder.
func FuzzRustBinary(f *testing.F) {
	data, err := os.ReadFile("testdata/rust-binary/uses_json.dep-v0")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(elfWithSection(f, ".dep-v0", data, 0))
	f.Add(peWithSection(f, ".dep-v0", data))
	f.Add(machoWithSection(f, "__DATA", ".dep-v0", data))
	f.Add([]byte("MZ\x90\x00\x03"))
	f.Add([]byte("\xcf\xfa\xed\xfe\x07\x00\x00\x01"))
	f.Fuzz(func(t *testing.T, data []byte) {
		in := &input{fsys: fstest.MapFS{"bin": {Data: data}}, path: "bin"}
		pkgs, err := extractRustBinary(context.Background(), in)
		if err != nil && len(pkgs) > 0 {
			t.Fatalf("both packages and error %v", err)
		}
	})
}

// FuzzJavaArchiveEntries fuzzes what lies inside a well-formed archive — pom.properties, the
// manifest, a nested archive and its name — where random bytes would rarely form a zip at all.
func FuzzJavaArchiveEntries(f *testing.F) {
	f.Add([]byte("groupId=g\nartifactId=a\nversion=1\n"), []byte("Implementation-Version: 2\nImplementation-Vendor-Id: v\n"), zipOf(f, pomProps("org.example", "lib", "1.0")), "lib-1.0.jar")
	f.Add([]byte("groupId=g\\\n  x\n"), []byte("Bundle-SymbolicName: a\n b;x\n"), []byte("PK\x03\x04"), "x.war")
	f.Fuzz(func(t *testing.T, props, manifest, nested []byte, name string) {
		var buf bytes.Buffer
		w := zip.NewWriter(&buf)
		for _, e := range []zipEntry{
			{name: "META-INF/maven/g/a/pom.properties", data: props},
			{name: "META-INF/MANIFEST.MF", data: manifest},
			{name: "BOOT-INF/lib/" + name, data: nested},
		} {
			fw, err := w.Create(e.name)
			if err != nil {
				return // a name archive/zip will not write
			}
			fw.Write(e.data)
		}
		if w.Close() != nil {
			return
		}
		in := &input{fsys: fstest.MapFS{"a.jar": {Data: buf.Bytes()}}, path: "a.jar"}
		pkgs, err := extractJavaArchive(context.Background(), in)
		if err != nil && len(pkgs) > 0 {
			t.Fatalf("both packages and error %v", err)
		}
		for _, p := range finish(in, pkgs) {
			if p.Ecosystem != Maven || p.PURL == "" {
				t.Fatalf("bad package %+v", p)
			}
		}
		for _, p := range in.problems {
			if strings.ContainsAny(p.Message, "\n\r") {
				t.Fatalf("problem message with a line break: %q", p.Message)
			}
		}
	})
}
