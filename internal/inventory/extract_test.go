package inventory

import (
	"context"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/palisade-sec/palisade/internal/finding"
)

// view is what a test checks of a package: identity, place, graph and properties.
type view struct {
	Key       string
	Line      int
	Direct    bool
	DependsOn []string
	Props     map[string]string
}

func views(pkgs []Package) []view {
	out := make([]view, 0, len(pkgs))
	for _, p := range pkgs {
		out = append(out, view{Key: p.Key(), Line: p.Location.StartLine, Direct: p.Direct, DependsOn: p.DependsOn, Props: p.Properties})
	}
	return out
}

var viewOpts = cmp.Options{cmpopts.EquateEmpty(), cmpopts.SortSlices(func(a, b view) bool { return a.Key < b.Key })}

// extractDir inventories a testdata directory the way the CLI does.
func extractDir(t *testing.T, dir string) ([]Package, []finding.Problem) {
	t.Helper()
	pkgs, probs, err := FromFS(context.Background(), os.DirFS(path.Join("testdata", dir)), Options{})
	if err != nil {
		t.Fatalf("FromFS(%s): %v", dir, err)
	}
	return pkgs, probs
}

// extractMap inventories an in-memory tree.
func extractMap(t *testing.T, files map[string]string) ([]Package, []finding.Problem) {
	t.Helper()
	fsys := fstest.MapFS{}
	var names []string
	for name, body := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(body)}
		names = append(names, name)
	}
	pkgs, probs, err := Extract(context.Background(), fsys, names)
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	return pkgs, probs
}

func find(pkgs []Package, key string) (Package, bool) {
	for _, p := range pkgs {
		if p.Key() == key {
			return p, true
		}
	}
	return Package{}, false
}

func TestBuiltinsUniqueAndMatchable(t *testing.T) {
	seenName := map[string]bool{}
	seenPattern := map[string]string{}
	for _, e := range builtins() {
		if seenName[e.name] {
			t.Errorf("duplicate extractor name %q", e.name)
		}
		seenName[e.name] = true
		if e.extract == nil || len(e.patterns) == 0 && !e.byContent {
			t.Errorf("extractor %q has no function or no patterns", e.name)
		}
		for _, p := range e.patterns {
			if other, dup := seenPattern[p]; dup {
				t.Errorf("pattern %q claimed by %q and %q", p, other, e.name)
			}
			seenPattern[p] = e.name
			if _, err := path.Match(p, "x"); err != nil {
				t.Errorf("extractor %q: bad pattern %q: %v", e.name, p, err)
			}
		}
	}
}

func TestWants(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"go.mod", true},
		{"svc/go.sum", false}, // read beside go.mod, not on its own
		{"web/package-lock.json", true},
		{"web/package.json", false},
		{"yarn.lock", true},
		{"pnpm-lock.yaml", true},
		{"requirements.txt", true},
		{"requirements-dev.txt", true},
		{"requirements/base.txt", true},
		{"docs/base.txt", false},
		{"poetry.lock", true},
		{"Pipfile.lock", true},
		{"uv.lock", true},
		{"Cargo.lock", true},
		{"Cargo.toml", false},
		{"pom.xml", true},
		{"gradle.lockfile", true},
		{"Gemfile.lock", true},
		{"composer.lock", true},
		{"src/App/packages.lock.json", true},
		{"bom.json", true},
		{"dist/app.cdx.json", true},
		{"dist/app.spdx.json", true},
		{"main.go", false},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			if got := Wants(tt.path); got != tt.want {
				t.Errorf("Wants(%q) = %v, want %v", tt.path, got, tt.want)
			}
		})
	}
}

func TestExtractReportsUnreadableAndBrokenFiles(t *testing.T) {
	fsys := fstest.MapFS{
		"a/go.mod":            {Data: []byte("module x\n\nrequire (\n\tgithub.com/a/b v1.0.0\n\tthis is not\n)\n")},
		"b/package-lock.json": {Data: []byte("{\n  \"lockfileVersion\": 3,\n  \"packages\": {\n    \"node_modules/a\": {\"version\": 1}\n  }\n}\n")},
		"c/Cargo.lock":        {Data: []byte("[[package]]\nname = \"ok\"\nversion = \"1.0.0\"\nsource = \"registry+x\"\n")},
	}
	pkgs, probs, err := Extract(context.Background(), fsys, []string{"a/go.mod", "b/package-lock.json", "c/Cargo.lock", "gone/yarn.lock"})
	if err != nil {
		t.Fatal(err)
	}
	if got := views(pkgs); len(got) != 1 || got[0].Key != "crates.io/ok@1.0.0" {
		t.Errorf("packages = %v, want only the good Cargo.lock's", got)
	}
	want := []struct {
		path string
		line int
	}{{"a/go.mod", 5}, {"b/package-lock.json", 4}, {"gone/yarn.lock", 0}}
	if len(probs) != len(want) {
		t.Fatalf("problems = %+v, want %d", probs, len(want))
	}
	for i, w := range want {
		if probs[i].Path != w.path || probs[i].Line != w.line || probs[i].Message == "" || probs[i].Scanner != "inventory" {
			t.Errorf("problem %d = %+v, want path %s line %d", i, probs[i], w.path, w.line)
		}
	}
}

func TestExtractHonoursCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := Extract(ctx, fstest.MapFS{"go.mod": {Data: []byte("module x\n")}}, []string{"go.mod"})
	if err == nil {
		t.Fatal("Extract with a cancelled context returned no error")
	}
}

func TestWalkSkipsInstalledTrees(t *testing.T) {
	fsys := fstest.MapFS{
		"go.mod":                                 {Data: []byte("module x\n")},
		"web/package-lock.json":                  {Data: []byte("{}")},
		"web/node_modules/a/package-lock.json":   {Data: []byte("{}")},
		"vendor/github.com/a/b/go.mod":           {Data: []byte("module b\n")},
		".git/config":                            {Data: []byte("")},
		"testdata/fixture/Cargo.lock":            {Data: []byte("")},
		"bin/tool":                               {Data: make([]byte, 2048), Mode: 0o755},
		"scripts/run.sh":                         {Data: make([]byte, 2048), Mode: 0o755},
		"README.md":                              {Data: []byte("")},
		"services/api/requirements/base.txt":     {Data: []byte("")},
		".venv/lib/python3.12/site-packages/x/r": {Data: []byte("")},
	}
	got, probs, err := walk(context.Background(), fsys, false)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"bin/tool", "go.mod", "services/api/requirements/base.txt", "web/package-lock.json"}
	if len(probs) != 0 {
		t.Errorf("problems: %+v", probs)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Walk (-want +got):\n%s", diff)
	}
}

func TestExtractIsSortedAndDeterministic(t *testing.T) {
	a, _ := extractDir(t, "npm/lock-v3")
	b, _ := extractDir(t, "npm/lock-v3")
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("two runs differ:\n%s", diff)
	}
	if !slices.IsSortedFunc(a, func(x, y Package) int { return x.Location.StartLine - y.Location.StartLine }) {
		t.Errorf("packages of one file are not sorted by line")
	}
}

func extractMapWith(t *testing.T, files map[string]string, names []string) ([]Package, []finding.Problem) {
	t.Helper()
	fsys := fstest.MapFS{}
	for name, body := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(body)}
	}
	pkgs, probs, err := Extract(context.Background(), fsys, names)
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	return pkgs, probs
}

func fstestFile(name, body string) fstest.MapFS {
	return fstest.MapFS{name: {Data: []byte(body)}}
}

// unreadableDir is a file system in which one directory cannot be listed, as a directory without
// read permission behaves for a non-root user.
type unreadableDir struct {
	fstest.MapFS
	bad string
}

func (u unreadableDir) ReadDir(name string) ([]fs.DirEntry, error) {
	if name == u.bad {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrPermission}
	}
	return u.MapFS.ReadDir(name)
}

func TestWalkReportsUnreadableDirectories(t *testing.T) {
	fsys := unreadableDir{MapFS: fstest.MapFS{
		"ok/go.mod":        {Data: []byte("module x\n")},
		"locked/yarn.lock": {Data: []byte("")},
	}, bad: "locked"}
	files, probs, err := walk(context.Background(), fsys, false)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"ok/go.mod"}, files); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	if len(probs) != 1 || probs[0].Path != "locked" || !strings.Contains(probs[0].Message, "permission") {
		t.Errorf("problems = %+v, want one for the unreadable directory", probs)
	}
	if _, _, err := walk(context.Background(), unreadableDir{MapFS: fstest.MapFS{}, bad: "."}, false); err == nil {
		t.Error("an unreadable root is not an error")
	}
}

// TestHostileNesting feeds each structured format a file of nothing but opening brackets, deeper
// than any parser should follow: each must end in a problem, not a crash or a hang.
func TestHostileNesting(t *testing.T) {
	deep := strings.Repeat("[", 200000)
	tests := []struct{ file, body string }{
		{"package-lock.json", deep},
		{"composer.lock", "{\"packages\": " + deep},
		{"Cargo.lock", "a = " + deep},
		{"poetry.lock", "[[package]]\nname = " + strings.Repeat("{x = ", 5000)},
		{"pnpm-lock.yaml", "packages: " + deep},
		{"pom.xml", "<project>" + strings.Repeat("<a>", 200000)},
		{"x.cdx.json", "{\"components\": " + strings.Repeat("[{\"components\": ", 50000)},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			pkgs, probs := extractMap(t, map[string]string{tt.file: tt.body})
			if len(pkgs) != 0 || len(probs) != 1 || probs[0].Path != tt.file {
				t.Errorf("got %d packages and problems %+v, want one problem", len(pkgs), probs)
			}
		})
	}
}

func TestMarkDevOnly(t *testing.T) {
	pkg := func(name string, deps ...string) Package {
		p := Package{Name: name, Version: "1", Ecosystem: NPM}
		for _, d := range deps {
			p.DependsOn = append(p.DependsOn, "npm/"+d+"@1")
		}
		return p
	}
	pkgs := []Package{pkg("a", "b"), pkg("b", "c"), pkg("c"), pkg("d", "c", "e"), pkg("e", "e"), pkg("f"), pkg("e")}
	markDevOnly(pkgs, []string{"npm/a@1"}, []string{"npm/d@1"})
	var dev []string
	for _, p := range pkgs {
		if p.Properties[PropScope] == ScopeDev {
			dev = append(dev, p.Name)
		}
	}
	// c is shared with production; f is reachable from nothing; e appears twice and is cyclic.
	if diff := cmp.Diff([]string{"d", "e", "e"}, dev); diff != "" {
		t.Errorf("dev-only (-want +got):\n%s", diff)
	}
}

// TestProblemKinds checks each producer names its problem's kind: the gate accepts problems by kind,
// and a package name or a parser's quote of the file must not be able to choose it.
func TestProblemKinds(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"broken lockfile", map[string]string{"package-lock.json": "{"}, finding.ProblemParse},
		{"unresolvable pom dependency named like a parse error", map[string]string{"pom.xml": `<project><groupId>g</groupId><artifactId>a</artifactId><version>1</version>
<dependencies><dependency><groupId>parse</groupId><artifactId>invalid-syntax</artifactId></dependency></dependencies></project>`}, finding.ProblemOther},
		{"SBOM component without a purl", map[string]string{"app.cdx.json": `{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [{"type": "library", "name": "x", "version": "1"}]}`}, finding.ProblemUnmatched},
		{"SPDX package without a purl", map[string]string{"app.spdx.json": `{"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT", "packages": [{"SPDXID": "SPDXRef-x", "name": "x", "versionInfo": "1"}]}`}, finding.ProblemUnmatched},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, probs := extractMap(t, tt.files)
			if len(probs) != 1 || probs[0].Kind != tt.want {
				t.Errorf("problems = %+v, want one of kind %s", probs, tt.want)
			}
		})
	}
	t.Run("too large", func(t *testing.T) {
		fsys := fstest.MapFS{"package-lock.json": {Data: make([]byte, MaxFileSize+1)}}
		_, probs, err := Extract(context.Background(), fsys, []string{"package-lock.json"})
		if err != nil || len(probs) != 1 || probs[0].Kind != finding.ProblemTooLarge {
			t.Errorf("Extract = %+v, %v; want one problem of kind %s", probs, err, finding.ProblemTooLarge)
		}
	})
}

// A sibling that is not a regular file (a named pipe planted beside go.mod, which a real one
// would make the read block on) is refused without being opened and reported, never read.
func TestExtractRefusesIrregularSibling(t *testing.T) {
	fsys := fstest.MapFS{
		"a/go.mod": {Data: []byte("module x\n\ngo 1.22\n")},
		"a/go.sum": {Mode: fs.ModeNamedPipe},
	}
	_, probs, err := Extract(context.Background(), fsys, []string{"a/go.mod"})
	if err != nil {
		t.Fatal(err)
	}
	want := []finding.Problem{{
		Path: "a/go.sum", Scanner: "inventory", Kind: finding.ProblemRead,
		Message: "read go.sum: read a/go.sum: not a regular file (a named pipe)",
	}}
	if diff := cmp.Diff(want, probs); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}
