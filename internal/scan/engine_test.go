package scan

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-sec/palisade/internal/errkind"
	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/report"
)

// sampleTree exercises every path rule at once.
func sampleTree(outside string) fstest.MapFS {
	return fstest.MapFS{
		".gitignore":           file("*.log\n!keep.log\n/build/\nbad[\n"),
		".git/info/exclude":    file("info-excluded.txt\n"),
		".git/HEAD":            file("ref: refs/heads/main\n"),
		"info-excluded.txt":    file("SECRET\n"),
		"app.log":              file("SECRET\n"),
		"keep.log":             file("one\nSECRET\n"),
		"build/out.txt":        file("SECRET\n"),
		"src/build/gen.txt":    file("SECRET\n"), // /build/ is anchored: this one is scanned
		"sub/.gitignore":       file("!debug.log\nlocal.env\n"),
		"sub/debug.log":        file("SECRET\n"),
		"sub/local.env":        file("SECRET\n"),
		"sub/deeper/x.env":     file("a\nb\nSECRET\n"),
		"node_modules/m/a.js":  file("SECRET\n"),
		"go.sum":               file("example.com/m v1.0.0 h1:SECRET=\n"),
		"package-lock.json":    file("{\"SECRET\": 1}\n"),
		"web/app.min.js":       file("SECRET\n"),
		"docs/readme.md":       file("SECRET\n"),
		"bin.dat":              file("SECRET\x00\x01\x02"),
		"big.txt":              file(strings.Repeat("SECRET\n", 40)),
		"latin1.txt":           file("caf\xe9 SECRET\n"),
		"link-out":             symlink(outside),
		"link-in":              symlink("keep.log"),
		"link-dir":             symlink("sub"),
		"link-ignored.log":     symlink("keep.log"),
		"empty/.keep":          file(""),
		"sub/deeper/.gitkeep":  file(""),
		"src/main.go":          file("package main\n"),
		"src/testdata/fix.txt": file("SECRET\n"),
	}
}

func TestDirPathRules(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "outside-secret.txt")
	if err := os.WriteFile(outside, []byte("SECRET outside the root\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	root := writeTree(t, sampleTree(outside))
	var treeFiles []string
	run, err := Dir(context.Background(), root, Options{
		Analyzers:   []Analyzer{markerFinder{}, sumReader{}, treeLister{got: &treeFiles}},
		Exclude:     []string{"docs/"},
		MaxFileSize: 100,
	})
	if err != nil {
		t.Fatal(err)
	}

	wantFindings := []where{
		{"marker", "keep.log", 2},
		{"marker", "latin1.txt", 1},
		{"marker", "src/build/gen.txt", 1},
		{"marker", "sub/debug.log", 1},
		{"marker", "sub/deeper/x.env", 3},
		{"sum-seen", "go.sum", 0},
	}
	if d := cmp.Diff(wantFindings, wheres(run.Findings)); d != "" {
		t.Errorf("findings (-want +got):\n%s", d)
	}
	wantSkipped := []finding.Skip{
		{Path: ".git", Reason: finding.SkipDefault},
		{Path: "app.log", Reason: finding.SkipGitignore},
		{Path: "bin.dat", Reason: finding.SkipBinary},
		{Path: "build", Reason: finding.SkipGitignore},
		{Path: "docs", Reason: finding.SkipExcluded},
		{Path: "info-excluded.txt", Reason: finding.SkipGitignore},
		{Path: "link-dir", Reason: finding.SkipSymlink},
		{Path: "link-ignored.log", Reason: finding.SkipGitignore},
		{Path: "link-in", Reason: finding.SkipSymlink},
		{Path: "link-out", Reason: finding.SkipSymlink},
		{Path: "node_modules", Reason: finding.SkipDefault},
		{Path: "package-lock.json", Reason: finding.SkipDefault},
		{Path: "src/testdata", Reason: finding.SkipDefault},
		{Path: "sub/local.env", Reason: finding.SkipGitignore},
		{Path: "web/app.min.js", Reason: finding.SkipDefault},
	}
	if d := cmp.Diff(wantSkipped, run.Skipped); d != "" {
		t.Errorf("skipped (-want +got):\n%s", d)
	}
	wantStats := report.Stats{
		FilesScanned: 11, // every candidate but bin.dat; go.sum by sums only
		BytesScanned: run.Stats.BytesScanned,
		SkippedBy: map[string]int{
			finding.SkipDefault: 5, finding.SkipGitignore: 5,
			finding.SkipBinary: 1, finding.SkipExcluded: 1, finding.SkipSymlink: 3,
		},
	}
	if d := cmp.Diff(wantStats, run.Stats); d != "" {
		t.Errorf("stats (-want +got):\n%s", d)
	}
	// big.txt is over the limit, and markerFinder cannot stream: a problem, not a quiet skip.
	wantProblems := []finding.Problem{{Path: ".gitignore", Line: 4,
		Message: `ignore file: line 4: pattern "bad[": unclosed character class '[' (git never matches this line)`,
		Kind:    finding.ProblemParse},
		{Path: "big.txt", Scanner: "marker",
			Message: "not analysed: 280 bytes is over the size limit (--max-file-size 100), and this analyzer reads only whole files", Kind: finding.ProblemTooLarge}}
	if d := cmp.Diff(wantProblems, run.Problems); d != "" {
		t.Errorf("problems (-want +got):\n%s", d)
	}
	wantTree := []string{".gitignore", "big.txt", "bin.dat", "empty/.keep", "go.sum", "keep.log", "latin1.txt",
		"package-lock.json", "src/build/gen.txt", "src/main.go", "sub/.gitignore", "sub/debug.log",
		"sub/deeper/.gitkeep", "sub/deeper/x.env", "web/app.min.js"}
	if d := cmp.Diff(wantTree, treeFiles); d != "" {
		t.Errorf("tree files (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"marker", "sums", "tree"}, run.Scanners); d != "" {
		t.Errorf("scanners (-want +got):\n%s", d)
	}
	if len(run.Rules) != 2 || run.Rules[0].ID != "marker" || run.Rules[1].ID != "sum-seen" {
		t.Errorf("rules = %+v, want marker then sum-seen", run.Rules)
	}
	if run.Started.IsZero() || run.Finished.Before(run.Started) {
		t.Errorf("started %v finished %v", run.Started, run.Finished)
	}
}

func TestDirSwitches(t *testing.T) {
	root := writeTree(t, fstest.MapFS{
		".gitignore":          file("ignored.txt\n"),
		"ignored.txt":         file("SECRET\n"),
		"node_modules/a.js":   file("SECRET\n"),
		"vendor/v.go":         file("SECRET\n"),
		"go.sum":              file("SECRET\n"),
		"lib.min.js":          file("SECRET\n"),
		"keys/prod.pem":       file("SECRET\n"),
		"keys/notes.txt":      file("SECRET\n"),
		"deep/a/b/c/skip.pem": file("SECRET\n"),
	})
	tests := []struct {
		name string
		opts Options
		want []string // paths with findings
	}{
		{name: "defaults", want: []string{"deep/a/b/c/skip.pem", "keys/notes.txt", "keys/prod.pem"}},
		{name: "no gitignore", opts: Options{NoGitignore: true},
			want: []string{"deep/a/b/c/skip.pem", "ignored.txt", "keys/notes.txt", "keys/prod.pem"}},
		{name: "no default skips", opts: Options{NoDefaultSkips: true},
			want: []string{"deep/a/b/c/skip.pem", "go.sum", "keys/notes.txt", "keys/prod.pem", "lib.min.js", "node_modules/a.js", "vendor/v.go"}},
		{name: "exclude glob at any depth", opts: Options{Exclude: []string{"*.pem"}}, want: []string{"keys/notes.txt"}},
		{name: "exclude anchored", opts: Options{Exclude: []string{"/keys/*.pem"}}, want: []string{"deep/a/b/c/skip.pem", "keys/notes.txt"}},
		{name: "exclude double star", opts: Options{Exclude: []string{"deep/**/*.pem", "keys/"}}, want: []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Analyzers = []Analyzer{markerFinder{}}
			run, err := Dir(context.Background(), root, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			got := []string{}
			for _, f := range run.Findings {
				got = append(got, f.Location.Path)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("paths with findings (-want +got):\n%s", d)
			}
		})
	}
}

func TestDirProblems(t *testing.T) {
	root := writeTree(t, fstest.MapFS{
		"boom.txt":  file("x\n"),
		"fail.txt":  file("x\n"),
		"ok.txt":    file("SECRET\n"),
		"other.txt": file("SECRET\n"),
	})
	run, err := Dir(context.Background(), root, Options{Analyzers: []Analyzer{markerFinder{}, troublemaker{}}})
	if err != nil {
		t.Fatal(err)
	}
	want := []finding.Problem{
		{Path: "boom.txt", Scanner: "trouble", Message: "analyzer panicked: runtime error: index out of range [7] with length 2"},
		{Path: "fail.txt", Scanner: "trouble", Message: "cannot parse fail.txt: line 1: unexpected token"},
	}
	if d := cmp.Diff(want, run.Problems); d != "" {
		t.Errorf("problems (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]where{{"marker", "ok.txt", 1}, {"marker", "other.txt", 1}}, wheres(run.Findings)); d != "" {
		t.Errorf("the scan did not go on past the failures (-want +got):\n%s", d)
	}
}

func TestDirUnreadable(t *testing.T) {
	root := writeTree(t, fstest.MapFS{
		"locked.txt":     file("SECRET\n"),
		"lockeddir/a.md": file("SECRET\n"),
		"open.txt":       file("SECRET\n"),
	})
	locked := filepath.Join(root, "locked.txt")
	lockedDir := filepath.Join(root, "lockeddir")
	for _, p := range []string{locked, lockedDir} {
		if err := os.Chmod(p, 0); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { _ = os.Chmod(lockedDir, 0o755) })
	if f, err := os.Open(locked); err == nil {
		f.Close()
		t.Skip("running with privileges that ignore file modes (root?): chmod 000 does not stop reads, so there is nothing to test")
	}
	run, err := Dir(context.Background(), root, Options{Analyzers: []Analyzer{markerFinder{}}})
	if err != nil {
		t.Fatal(err)
	}
	// The syscall in the message differs by platform (open, openat); the rest does not.
	var got []string
	for _, p := range run.Problems {
		msg, _, _ := strings.Cut(p.Message, ":")
		if !strings.HasSuffix(p.Message, "permission denied") {
			msg = p.Message
		}
		got = append(got, p.Path+" → "+msg+" ("+p.Kind+")")
	}
	want := []string{"locked.txt → read (read)", "lockeddir → read directory (read)"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("problems (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]where{{"marker", "open.txt", 1}}, wheres(run.Findings)); d != "" {
		t.Errorf("findings (-want +got):\n%s", d)
	}
}

func TestDirCancel(t *testing.T) {
	tree := fstest.MapFS{}
	for i := range 50 {
		tree[fmt.Sprintf("d%d/f%d.txt", i%5, i)] = file("SECRET\n")
	}
	root := writeTree(t, tree)
	t.Run("before the scan", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := Dir(ctx, root, Options{Analyzers: []Analyzer{markerFinder{}}})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})
	t.Run("during analysis", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		run, err := Dir(ctx, root, Options{Analyzers: []Analyzer{cancelOnFirst{cancel}}, Concurrency: 2})
		if !errors.Is(err, context.Canceled) || run != nil {
			t.Fatalf("run = %v, err = %v; want no run and context.Canceled", run, err)
		}
	})
}

func TestDirDeterministic(t *testing.T) {
	tree := fstest.MapFS{}
	for i := range 300 {
		tree[fmt.Sprintf("d%d/e%d/f%d.txt", i%7, i%3, i)] = file(lines(i%9+1, "SECRET "))
	}
	root := writeTree(t, tree)
	var first *report.Run
	for _, workers := range []int{1, 2, 16, 64} {
		run, err := Dir(context.Background(), root, Options{Analyzers: []Analyzer{markerFinder{}}, Concurrency: workers})
		if err != nil {
			t.Fatal(err)
		}
		run.Started, run.Finished = first0(first).Started, first0(first).Finished
		if first == nil {
			first = run
			if len(run.Findings) != 300 {
				t.Fatalf("found %d, want 300", len(run.Findings))
			}
			continue
		}
		if d := cmp.Diff(first, run); d != "" {
			t.Errorf("concurrency %d changed the run (-1 worker +%d workers):\n%s", workers, workers, d)
		}
	}
}

func first0(r *report.Run) *report.Run {
	if r == nil {
		return &report.Run{}
	}
	return r
}

func TestDirErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		root string
		opts Options
		kind errkind.Kind
		msg  string
	}{
		{name: "missing root", root: filepath.Join(dir, "nope"), opts: Options{Analyzers: []Analyzer{markerFinder{}}}, kind: errkind.NotFound, msg: "no such file"},
		{name: "no analyzers", root: dir, kind: errkind.Invalid, msg: "no analyzers"},
		{name: "duplicate analyzer", root: dir, opts: Options{Analyzers: []Analyzer{markerFinder{}, markerFinder{}}}, kind: errkind.Invalid, msg: `"marker" listed twice`},
		{name: "bad exclude", root: dir, opts: Options{Analyzers: []Analyzer{markerFinder{}}, Exclude: []string{"a[b"}}, kind: errkind.Invalid, msg: `exclude: pattern "a[b": unclosed`},
		{name: "empty exclude", root: dir, opts: Options{Analyzers: []Analyzer{markerFinder{}}, Exclude: []string{" "}}, kind: errkind.Invalid, msg: "empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Dir(context.Background(), tc.root, tc.opts)
			if err == nil {
				t.Fatal("no error")
			}
			if errkind.Of(err) != tc.kind || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %v (kind %v), want kind %v mentioning %q", err, errkind.Of(err), tc.kind, tc.msg)
			}
		})
	}
}

// countingProgress records the calls it gets.
type countingProgress struct {
	total, added, done int
}

func (p *countingProgress) Start(total int) { p.total = total }
func (p *countingProgress) Add(n int)       { p.added += n }
func (p *countingProgress) Done()           { p.done++ }

func TestDirProgress(t *testing.T) {
	root := writeTree(t, fstest.MapFS{"a.txt": file("x"), "b/c.txt": file("y"), "go.sum": file("z")})
	p := &countingProgress{}
	if _, err := Dir(context.Background(), root, Options{Analyzers: []Analyzer{markerFinder{}}, Progress: p}); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(countingProgress{total: 2, added: 2, done: 1}, *p, cmp.AllowUnexported(countingProgress{})); d != "" {
		t.Errorf("progress (-want +got):\n%s", d)
	}
}
