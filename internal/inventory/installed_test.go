package inventory

import (
	"context"
	"os"
	"path"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"github.com/palisade-sec/palisade/internal/finding"
)

// extractInstalled inventories a tree the way an image scan does: FromFS with Options.Installed.
func extractInstalled(t *testing.T, fsys fstest.MapFS) ([]Package, []finding.Problem) {
	t.Helper()
	pkgs, probs, err := FromFS(context.Background(), fsys, Options{Installed: true})
	if err != nil {
		t.Fatalf("FromFS: %v", err)
	}
	return pkgs, probs
}

// problemAt is what a test checks of a problem: where and what kind.
type problemAt struct {
	Path, Kind string
	Line       int
}

func problemsAt(probs []finding.Problem) []problemAt {
	var out []problemAt
	for _, p := range probs {
		out = append(out, problemAt{Path: p.Path, Kind: p.Kind, Line: p.Line})
	}
	return out
}

func TestWantsInstalled(t *testing.T) {
	tests := []struct {
		path            string
		repo, installed bool
	}{
		{"app/node_modules/express/package.json", false, true},
		{"node_modules/@babel/code-frame/package.json", false, true},
		{"node_modules/a/node_modules/b/package.json", false, true},
		{"node_modules/.package-lock.json", false, true},
		{"app/package.json", false, false},                                               // the project's manifest
		{"node_modules/a/lib/package.json", false, false},                                // inside a package, not one
		{"node_modules/@scope/package.json", false, false},                               // a scope is not a package
		{"node_modules/.cache/x/package.json", false, false},                             // not an install
		{"app/.package-lock.json", false, false},                                         // only node_modules holds it
		{"node_modules/resolve/test/resolver/node_modules/x/package.json", false, false}, // a fixture inside a package
		{"node_modules/.pnpm/a@1.0.0/node_modules/a/package.json", false, true},          // pnpm's store
		{"node_modules/.pnpm/node_modules/a/package.json", false, false},
		{"node_modules/a/node_modules/.package-lock.json", false, true},
		{"usr/lib/python3/dist-packages/PyYAML-6.0.dist-info/METADATA", false, true},
		{"site-packages/PyJWT-2.6.0.egg-info/PKG-INFO", false, true},
		{"site-packages/pycups-2.0.1.egg-info", false, true},
		{"site-packages/x.dist-info/RECORD", false, false},
		{"site-packages/monotonic-1.6-py3.10.egg", false, true},
		{"site-packages/monotonic-1.6-py3.10.egg/EGG-INFO/PKG-INFO", false, true},
		{"app/app.jar", false, true},
		{"opt/jenkins/plugins/git.hpi", false, true},
		{"usr/local/bundle/specifications/rack-3.1.8.gemspec", false, true},
		{"app/rack.gemspec", false, false}, // a gem's own source, not an installed spec
		{"usr/local/lib/ruby/gems/3.3.0/specifications/default/json-2.7.1.gemspec", false, true},
		{"app/default/x.gemspec", false, false},
		{"app/App.deps.json", false, true},
		{"app/vendor/composer/installed.json", false, true},
		{"app/package-lock.json", true, true},
		{"app/node_modules/a/package-lock.json", true, false},             // its author's build
		{"usr/lib/python3/dist-packages/x/requirements.txt", true, false}, // likewise
		{"app/vendor/github.com/a/b/go.mod", true, false},
		{"root/go/pkg/mod/github.com/a/b@v1.0.0/go.mod", true, false},                  // the Go module cache
		{"usr/local/cargo/registry/src/index/x-1.0.0/Cargo.lock", true, false},         // the rust image's CARGO_HOME
		{"root/.cargo/registry/src/index.crates.io-1/x-1.0.0/Cargo.lock", true, false}, // Cargo's downloads
		{"src/pkg/mod.go", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			if got := Wants(tt.path); got != tt.repo {
				t.Errorf("Wants = %v, want %v", got, tt.repo)
			}
			if got := WantsInstalled(tt.path); got != tt.installed {
				t.Errorf("WantsInstalled = %v, want %v", got, tt.installed)
			}
		})
	}
}

// TestInstalledOnlyWhenAsked: a repository scan (the zero Options) reads none of the installed
// formats and does not enter node_modules; Options.Installed reads them, and in the installed
// walk a lockfile inside an installed package (its author's build) is still left out.
func TestInstalledOnlyWhenAsked(t *testing.T) {
	fsys := fstest.MapFS{
		"app/package.json":                                         {Data: []byte(`{"name": "app", "dependencies": {"a": "^1"}}`)},
		"app/node_modules/a/package.json":                          {Data: []byte(`{"name": "a", "version": "1.0.0"}`)},
		"app/node_modules/a/package-lock.json":                     {Data: []byte(`{"lockfileVersion": 3, "packages": {"node_modules/zz": {"version": "9.9.9"}}}`)},
		"venv/lib/python3.12/site-packages/x-1.dist-info/METADATA": {Data: []byte("Name: X\nVersion: 1\n")},
	}
	repo, probs, err := FromFS(context.Background(), fsys, Options{})
	if err != nil || len(repo) != 0 || len(probs) != 0 {
		t.Errorf("repository mode: %v %+v %v, want nothing", views(repo), probs, err)
	}
	got, probs := extractInstalled(t, fsys)
	keys := []string{}
	for _, p := range got {
		keys = append(keys, p.Key())
	}
	if diff := cmp.Diff([]string{"npm/a@1.0.0", "PyPI/x@1"}, keys); diff != "" || len(probs) != 0 {
		t.Errorf("installed mode (-want +got):\n%s\nproblems %+v", diff, probs)
	}
}

// TestNodeModulesRealNPM reads a tree npm 11 installed (npm install --offline of three packed
// tarballs of the packages npm bundles: debug 4.4.3, ms 2.1.3 (MIT), semver 7.8.5 (ISC)): the
// package.json files give the packages, the hidden lockfile their graph, hashes and direct flag.
func TestNodeModulesRealNPM(t *testing.T) {
	pkgs, probs, err := FromFS(context.Background(), os.DirFS("testdata/installed/npm"), Options{Installed: true})
	if err != nil || len(probs) != 0 {
		t.Fatalf("FromFS: %v, problems %+v", err, probs)
	}
	want := []view{
		{Key: "npm/debug@4.4.3", Line: 1, Direct: true, DependsOn: []string{"npm/ms@2.1.3"}},
		{Key: "npm/ms@2.1.3", Line: 1, Direct: true},
		{Key: "npm/semver@7.8.5", Line: 1, Direct: true},
	}
	if diff := cmp.Diff(want, views(pkgs), viewOpts); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
	for _, p := range pkgs {
		name := strings.TrimPrefix(strings.Split(p.Key(), "@")[0], "npm/")
		if p.Location.Path != "app/node_modules/"+name+"/package.json" || len(p.Hashes["sha512"]) != 128 || len(p.Licenses) != 1 {
			t.Errorf("%s: location %q, hashes %v, licences %v", p.Key(), p.Location.Path, p.Hashes, p.Licenses)
		}
	}
}

func TestNodeModulesLayouts(t *testing.T) {
	fsys := fstest.MapFS{
		"package.json":                               {Data: []byte(`{"name": "root", "version": "1.0.0", "dependencies": {"a": "^1"}, "devDependencies": {"b": "^2", "@s/c": "^3"}}`)},
		"node_modules/a/package.json":                {Data: []byte(`{"name": "a", "version": "1.0.0", "license": "MIT"}`)},
		"node_modules/a/lib/package.json":            {Data: []byte(`{"type": "module"}`)},
		"node_modules/a/node_modules/b/package.json": {Data: []byte(`{"name": "b", "version": "2.0.0", "licenses": [{"type": "Apache-2.0"}]}`)},
		"node_modules/@s/c/package.json":             {Data: []byte("{\n  \"name\": \"@s/c\",\n  \"version\": \"3.0.0\"\n}\n")},
		"node_modules/bom/package.json":              {Data: []byte("\xef\xbb\xbf{\"name\": \"bom\", \"version\": \"1.0.0\"}")},
		"node_modules/alias/package.json":            {Data: []byte(`{"name": "real-name", "version": "4.0.0"}`)},
		"node_modules/noversion/package.json":        {Data: []byte(`{"name": "noversion"}`)},
		"node_modules/broken/package.json":           {Data: []byte("{\n  \"name\": \"broken\",\n  \"version\": 1\n}")},
		"node_modules/.package-lock.json":            {Data: []byte(`{"lockfileVersion": 3, "packages": {"node_modules/a": {"version": "1.0.0"}, "node_modules/gone": {"version": "5.0.0"}}}`)},
	}
	pkgs, probs := extractInstalled(t, fsys)
	want := []view{
		{Key: "npm/@s/c@3.0.0", Line: 1}, // the hidden lockfile decides what is direct, and does not list it
		{Key: "npm/a@1.0.0", Line: 1, Direct: true},
		{Key: "npm/b@2.0.0", Line: 1}, // required by the project, but what is installed is a's nested copy
		{Key: "npm/bom@1.0.0", Line: 1},
		{Key: "npm/gone@5.0.0", Line: 1}, // stale in the hidden lockfile, not installed: still listed
		{Key: "npm/real-name@4.0.0", Line: 1},
	}
	if diff := cmp.Diff(want, views(pkgs), viewOpts); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
	if b, _ := find(pkgs, "npm/b@2.0.0"); !slices.Equal(b.Licenses, []string{"Apache-2.0"}) {
		t.Errorf("b licences %v, want the legacy licenses array's", b.Licenses)
	}
	wantProbs := []problemAt{
		{Path: "node_modules/broken/package.json", Kind: finding.ProblemParse, Line: 3},
		{Path: "node_modules/noversion/package.json", Kind: finding.ProblemParse, Line: 1},
	}
	if diff := cmp.Diff(wantProbs, problemsAt(probs)); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	// Without a hidden lockfile (npm 6, yarn), the project's package.json says what is direct.
	delete(fsys, "node_modules/.package-lock.json")
	pkgs, _ = extractInstalled(t, fsys)
	want = []view{
		{Key: "npm/@s/c@3.0.0", Line: 1, Direct: true, Props: map[string]string{PropScope: ScopeDev}},
		{Key: "npm/a@1.0.0", Line: 1, Direct: true},
		{Key: "npm/b@2.0.0", Line: 1},
		{Key: "npm/bom@1.0.0", Line: 1},
		{Key: "npm/real-name@4.0.0", Line: 1},
	}
	if diff := cmp.Diff(want, views(pkgs), viewOpts); diff != "" {
		t.Errorf("without a hidden lockfile: packages (-want +got):\n%s", diff)
	}
	// A project manifest that does not parse is one problem, and nothing is marked direct.
	fsys["package.json"] = &fstest.MapFile{Data: []byte("{\n  \"dependencies\": [\n}")}
	pkgs, probs = extractInstalled(t, fsys)
	wantProbs = append(wantProbs, problemAt{Path: "package.json", Kind: finding.ProblemParse, Line: 3})
	if diff := cmp.Diff(wantProbs, problemsAt(probs)); diff != "" {
		t.Errorf("broken project manifest: problems (-want +got):\n%s", diff)
	}
	for _, p := range pkgs {
		if p.Direct {
			t.Errorf("%s marked direct without a readable manifest", p.Key())
		}
	}
}

// TestNodeModulesOnThisMachine reads the node_modules tree of the npm installed here, when
// there is one: every installed package.json must parse.
func TestNodeModulesOnThisMachine(t *testing.T) {
	const dir = "/usr/lib/node_modules/npm"
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no npm installation at %s", dir)
	}
	pkgs, probs, err := FromFS(context.Background(), os.DirFS(dir), Options{Installed: true})
	if err != nil {
		t.Fatal(err)
	}
	npm := 0
	for _, p := range pkgs {
		if p.Ecosystem == NPM {
			npm++
		}
	}
	if npm < 50 || len(probs) != 0 {
		t.Errorf("%d npm packages (want dozens), problems %+v", npm, probs)
	}
}

func TestPythonInstalled(t *testing.T) {
	pkgs, probs, err := FromFS(context.Background(), os.DirFS("testdata/installed/python"), Options{Installed: true})
	if err != nil || len(probs) != 0 {
		t.Fatalf("FromFS: %v, problems %+v", err, probs)
	}
	type got struct {
		Key, Path, PURL string
		Line            int
		Licenses        []string
	}
	var all []got
	for _, p := range pkgs {
		all = append(all, got{p.Key(), p.Location.Path, p.PURL, p.Location.StartLine, p.Licenses})
	}
	want := []got{
		{"PyPI/pyjwt@2.6.0", "site-packages/PyJWT-2.6.0.egg-info/PKG-INFO", "pkg:pypi/pyjwt@2.6.0", 2, []string{"MIT"}},
		{"PyPI/pyyaml@6.0", "site-packages/PyYAML-6.0.dist-info/METADATA", "pkg:pypi/pyyaml@6.0", 2, []string{"MIT"}},
		{"PyPI/monotonic@1.6", "site-packages/monotonic-1.6-py3.10.egg", "pkg:pypi/monotonic@1.6", 0, []string{"Apache-2.0"}},
		{"PyPI/pycups@2.0.1", "site-packages/pycups-2.0.1.egg-info", "pkg:pypi/pycups@2.0.1", 2, []string{"GPL-2.0-or-later"}},
	}
	if diff := cmp.Diff(want, all); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
}

func TestPythonInstalledProblems(t *testing.T) {
	tests := []struct {
		name, body string
		want       []problemAt
		keys       []string
	}{
		{"normalised", "Metadata-Version: 2.1\nName: Foo_Bar.baz\nVersion: 1.0\nLicense-Expression: MIT OR Apache-2.0\n\nbody: not a header\n", nil, []string{"PyPI/foo-bar-baz@1.0"}},
		{"no version", "Metadata-Version: 2.1\nName: foo\n", []problemAt{{Path: "x.dist-info/METADATA", Kind: finding.ProblemParse, Line: 2}}, nil},
		{"not metadata", "hello world\nthis is text\n", []problemAt{{Path: "x.dist-info/METADATA", Kind: finding.ProblemParse, Line: 1}}, nil},
		{"untidy but whole", "Name: foo\nVersion: 2\nstray line\n", nil, []string{"PyPI/foo@2"}},
		{"empty", "", []problemAt{{Path: "x.dist-info/METADATA", Kind: finding.ProblemParse, Line: 1}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkgs, probs := extractInstalled(t, fstest.MapFS{"x.dist-info/METADATA": {Data: []byte(tt.body)}})
			var keys []string
			for _, p := range pkgs {
				keys = append(keys, p.Key())
			}
			if diff := cmp.Diff(tt.keys, keys); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, problemsAt(probs)); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPythonInstalledOnce: a distribution installed with both a .dist-info and an .egg-info (as
// Debian ships python3-cryptography) is one package, at its .dist-info; the same version in
// another site directory is another install.
func TestPythonInstalledOnce(t *testing.T) {
	meta := func(lic string) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte("Metadata-Version: 2.1\nName: cryptography\nVersion: 38.0.4\n" + lic)}
	}
	pkgs, probs := extractInstalled(t, fstest.MapFS{
		"usr/lib/python3/dist-packages/cryptography-38.0.4.dist-info/METADATA": meta(""),
		"usr/lib/python3/dist-packages/cryptography.egg-info/PKG-INFO":         meta("License: Apache-2.0 OR BSD-3-Clause\n"),
		"opt/venv/lib/python3.11/site-packages/cryptography.egg-info/PKG-INFO": meta(""),
	})
	var got []string
	for _, p := range pkgs {
		got = append(got, p.Location.Path+" "+strings.Join(p.Licenses, ","))
	}
	want := []string{
		"opt/venv/lib/python3.11/site-packages/cryptography.egg-info/PKG-INFO ",
		"usr/lib/python3/dist-packages/cryptography-38.0.4.dist-info/METADATA Apache-2.0 OR BSD-3-Clause",
	}
	if diff := cmp.Diff(want, got); diff != "" || len(probs) != 0 {
		t.Errorf("packages (-want +got):\n%s\nproblems %+v", diff, probs)
	}
}

// TestPythonInstalledOnThisMachine reads this machine's Debian dist-packages: every dist-info and
// egg-info there must give its distribution, once, and nothing may fail.
func TestPythonInstalledOnThisMachine(t *testing.T) {
	const dir = "/usr/lib/python3/dist-packages"
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Skipf("no Debian Python at %s: %v", dir, err)
	}
	var want []string // distribution names, from the metadata directories' names
	for _, e := range entries {
		base, ok := strings.CutSuffix(e.Name(), ".dist-info")
		if !ok {
			base, ok = strings.CutSuffix(e.Name(), ".egg-info")
		}
		if ok {
			name, _, _ := strings.Cut(base, "-")
			want = append(want, normalizePyPI(name))
		}
	}
	if len(want) == 0 {
		t.Skipf("no dist-info or egg-info in %s", dir)
	}
	slices.Sort(want)
	want = slices.Compact(want)
	pkgs, probs, err := FromFS(context.Background(), os.DirFS(dir), Options{Installed: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range pkgs {
		if p.Ecosystem == PyPI {
			got = append(got, p.Name)
		}
	}
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" || len(probs) != 0 {
		t.Errorf("distributions (-metadata directories +packages):\n%s\nproblems %+v", diff, probs)
	}
}

func TestGemspec(t *testing.T) {
	// rss-0.2.9.gemspec as RubyGems 3.3.7 installed it (from osv-scalibr's test data, Apache-2.0).
	pkgs, probs, err := FromFS(context.Background(), os.DirFS("testdata/installed/ruby"), Options{Installed: true})
	if err != nil || len(probs) != 0 {
		t.Fatalf("FromFS: %v, problems %+v", err, probs)
	}
	if len(pkgs) != 1 || pkgs[0].Key() != "RubyGems/rss@0.2.9" || pkgs[0].Location.StartLine != 5 ||
		!slices.Equal(pkgs[0].Licenses, []string{"BSD-2-Clause"}) || pkgs[0].PURL != "pkg:gem/rss@0.2.9" {
		t.Errorf("got %+v", pkgs)
	}
	tests := []struct {
		name, body string
		key        string
		platform   string
		line       int // of the problem; 0 for none
	}{
		{"single quotes and platform", "Gem::Specification.new do |spec|\n  spec.name = 'nokogiri'\n  spec.version = '1.16.0'\n  spec.platform = \"x86_64-linux\".freeze\n  spec.license = 'MIT'\nend\n", "RubyGems/nokogiri@1.16.0", "x86_64-linux", 0},
		{"constant version", "Gem::Specification.new do |s|\n  s.name = \"x\"\n  s.version = X::VERSION\nend\n", "", "", 3},
		{"interpolation", "Gem::Specification.new do |s|\n  s.name = \"x#{1}\"\nend\n", "", "", 2},
		{"no version", "Gem::Specification.new do |s|\n  s.name = \"x\"\nend\n", "", "", 2},
		{"comparison is not assignment", "Gem::Specification.new do |s|\n  s.name = \"x\"\n  s.version = \"1\"\n  if s.name == \"y\" then end\nend\n", "RubyGems/x@1", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkgs, probs := extractInstalled(t, fstest.MapFS{"gems/specifications/x.gemspec": {Data: []byte(tt.body)}})
			var key, platform string
			if len(pkgs) == 1 {
				key, platform = pkgs[0].Key(), pkgs[0].Properties[PropPlatform]
			}
			line := 0
			if len(probs) == 1 {
				line = probs[0].Line
			}
			if key != tt.key || platform != tt.platform || line != tt.line || len(probs) > 1 {
				t.Errorf("got %q %q, problems %+v; want %q %q, a problem at line %d", key, platform, probs, tt.key, tt.platform, tt.line)
			}
		})
	}
}

func TestDepsJSON(t *testing.T) {
	// App.deps.json: osv-scalibr's depsjson test data (Apache-2.0), in the SDK's layout.
	pkgs, probs, err := FromFS(context.Background(), os.DirFS("testdata/installed/dotnet"), Options{Installed: true})
	if err != nil || len(probs) != 0 {
		t.Fatalf("FromFS: %v, problems %+v", err, probs)
	}
	want := []view{
		{Key: "NuGet/AWSSDK.Core@3.7.10.6", Line: 50},
		{Key: "NuGet/Microsoft.Extensions.DependencyInjection@6.0.0", Line: 57, Direct: true},
	}
	if diff := cmp.Diff(want, views(pkgs), viewOpts); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
	for _, p := range pkgs {
		if len(p.Hashes["sha512"]) != 128 || !strings.HasPrefix(p.PURL, "pkg:nuget/") {
			t.Errorf("%s: hashes %v, purl %q", p.Key(), p.Hashes, p.PURL)
		}
	}
	// A self-contained application carries the runtime as a runtime pack: it is the NuGet package
	// Microsoft.NETCore.App.Runtime.RID, which advisories name.
	pkgs, _ = extractInstalled(t, fstest.MapFS{"app/App.deps.json": {Data: []byte(`{
  "runtimeTarget": {"name": ".NETCoreApp,Version=v8.0/linux-x64"},
  "targets": {".NETCoreApp,Version=v8.0/linux-x64": {
    "App/1.0.0": {"dependencies": {"runtimepack.Microsoft.NETCore.App.Runtime.linux-x64": "8.0.0"}},
    "runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/8.0.0": {}}},
  "libraries": {
    "App/1.0.0": {"type": "project"},
    "runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/8.0.0": {"type": "runtimepack", "serviceable": false, "sha512": ""}}}`)}})
	if diff := cmp.Diff([]view{{Key: "NuGet/Microsoft.NETCore.App.Runtime.linux-x64@8.0.0", Line: 8, Direct: true}}, views(pkgs), viewOpts); diff != "" {
		t.Errorf("runtime pack (-want +got):\n%s", diff)
	}
	_, probs = extractInstalled(t, fstest.MapFS{
		"a/A.deps.json": {Data: []byte("{\n\"libraries\": {\"NoVersion\": {\"type\": \"package\"}}}")},
		"b/B.deps.json": {Data: []byte(`{"targets": {}}`)},
		"c/C.deps.json": {Data: []byte("{\n\"libraries\": [\n]}")},
	})
	wantProbs := []problemAt{
		{Path: "a/A.deps.json", Kind: finding.ProblemParse, Line: 2},
		{Path: "b/B.deps.json", Kind: finding.ProblemParse, Line: 1},
		{Path: "c/C.deps.json", Kind: finding.ProblemParse, Line: 2},
	}
	if diff := cmp.Diff(wantProbs, problemsAt(probs)); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

func TestComposerInstalled(t *testing.T) {
	for _, tt := range []struct {
		dir  string
		want []view
	}{
		{"v2", []view{
			{Key: "Packagist/monolog/monolog@3.5.0", Line: 3, Direct: true, DependsOn: []string{"Packagist/psr/log@3.0.0"}},
			{Key: "Packagist/phpunit/phpunit@10.5.0", Line: 49, Direct: true, Props: map[string]string{PropScope: ScopeDev}},
			{Key: "Packagist/psr/log@3.0.0", Line: 29},
		}},
		{"v1", []view{
			{Key: "Packagist/symfony/polyfill-ctype@1.17.0", Line: 2},
			{Key: "Packagist/twig/twig@2.12.5", Line: 21, Direct: true, DependsOn: []string{"Packagist/symfony/polyfill-ctype@1.17.0"}},
		}},
	} {
		t.Run(tt.dir, func(t *testing.T) {
			pkgs, probs, err := FromFS(context.Background(), os.DirFS(path.Join("testdata/installed/php", tt.dir)), Options{Installed: true})
			if err != nil || len(probs) != 0 {
				t.Fatalf("FromFS: %v, problems %+v", err, probs)
			}
			if diff := cmp.Diff(tt.want, views(pkgs), viewOpts); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
			for _, p := range pkgs {
				if len(p.Licenses) != 1 || !strings.HasPrefix(p.PURL, "pkg:composer/") || p.Location.Path != "vendor/composer/installed.json" {
					t.Errorf("%s: licences %v, purl %q, path %q", p.Key(), p.Licenses, p.PURL, p.Location.Path)
				}
			}
		})
	}
	_, probs := extractInstalled(t, fstest.MapFS{
		"a/vendor/composer/installed.json": {Data: []byte("{\"packages\": [\n{\"name\": \"x/y\"}]}")},
		"b/vendor/composer/installed.json": {Data: []byte(`{"dev": true}`)},
	})
	wantProbs := []problemAt{
		{Path: "a/vendor/composer/installed.json", Kind: finding.ProblemParse, Line: 2},
		{Path: "b/vendor/composer/installed.json", Kind: finding.ProblemParse, Line: 1},
	}
	if diff := cmp.Diff(wantProbs, problemsAt(probs)); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}
