package scan

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/scan/gitlog/gittest"
)

// fullMarker is markerFinder with both optional capabilities: it streams large files and reads
// binary ones, as the secret analyzer does.
type fullMarker struct{ markerFinder }

func (m fullMarker) AnalyzeStream(ctx context.Context, s *Stream) ([]finding.Finding, error) {
	data, err := io.ReadAll(s.R) // a fake: the real analyzer reads in bounded chunks
	if err != nil {
		return nil, err
	}
	if s.Binary {
		data = bytes.ReplaceAll(data, []byte{0}, []byte{' '})
	}
	return m.AnalyzeFile(ctx, &File{Path: s.Path, Content: data})
}

func (m fullMarker) AnalyzeBinary(ctx context.Context, f *File) ([]finding.Finding, error) {
	return m.AnalyzeFile(ctx, &File{Path: f.Path, Content: bytes.ReplaceAll(f.Content, []byte{0}, []byte{' '})})
}

// TestTrackedFilesAreNeverIgnored: git ignores only untracked files, so neither does the scan —
// the committed .env that a later .gitignore names is in every clone.
func TestTrackedFilesAreNeverIgnored(t *testing.T) {
	r := gittest.New(t)
	r.Write("app/.env", "SECRET tracked\n")
	r.Write("app/cache/kept.txt", "SECRET tracked in an ignored directory\n")
	r.Git("add", "app/.env", "app/cache/kept.txt")
	r.Write("app/.gitignore", ".env\ncache/\nlocal.env\n")
	r.Write("app/local.env", "SECRET untracked and ignored\n")
	r.Write("app/cache/tmp.txt", "SECRET untracked in an ignored directory\n")
	r.Write("app/cache/deep/tmp.txt", "SECRET untracked, deeper\n")
	r.Write(".git/info/exclude", "app/other.env\n")
	r.Write("app/other.env", "SECRET untracked, excluded by info/exclude\n")

	tests := []struct {
		name, root, prefix string
		wantSkipped        []finding.Skip
	}{
		{name: "work tree top", root: r.Dir, prefix: "app/", wantSkipped: []finding.Skip{
			{Path: ".git", Reason: finding.SkipDefault},
			{Path: "app/cache/deep", Reason: finding.SkipGitignore},
			{Path: "app/cache/tmp.txt", Reason: finding.SkipGitignore},
			{Path: "app/local.env", Reason: finding.SkipGitignore},
			{Path: "app/other.env", Reason: finding.SkipGitignore},
		}},
		// The root is a subdirectory of the work tree: the index still decides, with paths
		// relative to the root. (.git/info/exclude lives above this root and is not read.)
		{name: "subdirectory", root: filepath.Join(r.Dir, "app"), wantSkipped: []finding.Skip{
			{Path: "cache/deep", Reason: finding.SkipGitignore},
			{Path: "cache/tmp.txt", Reason: finding.SkipGitignore},
			{Path: "local.env", Reason: finding.SkipGitignore},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			run, err := Dir(context.Background(), tc.root, Options{Analyzers: []Analyzer{markerFinder{}}})
			if err != nil {
				t.Fatal(err)
			}
			want := []where{{"marker", tc.prefix + ".env", 1}, {"marker", tc.prefix + "cache/kept.txt", 1}}
			if tc.name == "subdirectory" {
				want = append(want, where{"marker", "other.env", 1})
			}
			if d := cmp.Diff(want, wheres(run.Findings)); d != "" {
				t.Errorf("findings (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.wantSkipped, run.Skipped); d != "" {
				t.Errorf("skipped (-want +got):\n%s", d)
			}
			if len(run.Problems) != 0 {
				t.Errorf("problems: %+v", run.Problems)
			}
		})
	}
}

// TestNotAWorkTreeKeepsGitignore: outside a work tree there is no index and .gitignore alone
// decides, as before.
func TestNotAWorkTreeKeepsGitignore(t *testing.T) {
	root := writeTree(t, fstest.MapFS{".gitignore": file(".env\n"), ".env": file("SECRET\n")})
	t.Setenv("GIT_CEILING_DIRECTORIES", filepath.Dir(root))
	run, err := Dir(context.Background(), root, Options{Analyzers: []Analyzer{markerFinder{}}})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]finding.Skip{{Path: ".env", Reason: finding.SkipGitignore}}, run.Skipped); d != "" {
		t.Errorf("skipped (-want +got):\n%s", d)
	}
	if len(run.Problems) != 0 || len(run.Findings) != 0 {
		t.Errorf("problems %+v findings %+v", run.Problems, run.Findings)
	}
}

// TestLargeAndBinaryFilesAreAnalysedOrNamed: padding a file past the size limit or putting a NUL
// byte in it hides nothing — an analyzer that streams or reads binary content sees it, one that
// cannot reports a problem, and only a binary file no analyzer reads is listed as skipped.
func TestLargeAndBinaryFilesAreAnalysedOrNamed(t *testing.T) {
	padded := strings.Repeat("x", 300) + "\nSECRET padded past the limit\n"
	zip := "PK\x03\x04\x14\x00\x00\x00\x00\x00" + "\nSECRET stored in a zip\n"
	root := writeTree(t, fstest.MapFS{
		"padded.env":    file(padded),
		"nul.env":       file("a\x00b\nSECRET after a NUL\n"),
		"big-nul.bin":   file(strings.Repeat("\x00", 300) + "\nSECRET in a large binary\n"),
		"store.zip":     file(zip),
		"small.txt":     file("SECRET\n"),
		"image.png":     file("\x89PNG\r\n\x1a\n\x00\x00tEXt\nSECRET in a png comment\n"),
		"big-plain.log": file(padded),
	})
	tests := []struct {
		name         string
		analyzers    []Analyzer
		wantFindings []where
		wantSkipped  []finding.Skip
		wantProblems []finding.Problem
	}{
		{
			name:      "analyzer streams and reads binary",
			analyzers: []Analyzer{fullMarker{}},
			wantFindings: []where{
				{"marker", "big-nul.bin", 2}, {"marker", "big-plain.log", 2}, {"marker", "image.png", 4},
				{"marker", "nul.env", 2}, {"marker", "padded.env", 2}, {"marker", "small.txt", 1}, {"marker", "store.zip", 2},
			},
			wantSkipped: []finding.Skip{{Path: "store.zip", Reason: SkipCompressed}},
		},
		{
			name:         "analyzer reads whole text files only",
			analyzers:    []Analyzer{markerFinder{}},
			wantFindings: []where{{"marker", "small.txt", 1}},
			wantSkipped: []finding.Skip{
				{Path: "big-nul.bin", Reason: finding.SkipBinary}, {Path: "image.png", Reason: finding.SkipBinary},
				{Path: "nul.env", Reason: finding.SkipBinary}, {Path: "store.zip", Reason: finding.SkipBinary},
			},
			wantProblems: []finding.Problem{
				{Path: "big-plain.log", Scanner: "marker", Message: "not analysed: 330 bytes is over the size limit (--max-file-size 200), and this analyzer reads only whole files", Kind: finding.ProblemTooLarge},
				{Path: "padded.env", Scanner: "marker", Message: "not analysed: 330 bytes is over the size limit (--max-file-size 200), and this analyzer reads only whole files", Kind: finding.ProblemTooLarge},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			run, err := Dir(context.Background(), root, Options{Analyzers: tc.analyzers, MaxFileSize: 200})
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.wantFindings, wheres(run.Findings)); d != "" {
				t.Errorf("findings (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.wantSkipped, run.Skipped); d != "" {
				t.Errorf("skipped (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.wantProblems, run.Problems); d != "" {
				t.Errorf("problems (-want +got):\n%s", d)
			}
		})
	}
}

// limitReporter is a tree analyzer that keeps the contract: it sees the engine's limit in the
// Tree and reports what it leaves out.
type limitReporter struct{ got *int64 }

func (limitReporter) Name() string { return "limits" }

func (l limitReporter) AnalyzeTree(_ context.Context, t *Tree) ([]finding.Finding, error) {
	*l.got = t.MaxFileSize
	inc := &Incomplete{}
	for _, p := range t.Files {
		st, err := fsStat(t, p)
		if err != nil {
			return nil, err
		}
		switch {
		case st > t.MaxFileSize:
			inc.Problems = append(inc.Problems, finding.Problem{Path: p, Message: "too large to parse"})
		case strings.HasSuffix(p, ".tpl"):
			inc.Skipped = append(inc.Skipped, finding.Skip{Path: p, Reason: "template"})
		}
	}
	return []finding.Finding{{RuleID: "tree-ran", Location: finding.Location{Path: "ok.yaml"}}}, inc
}

func fsStat(t *Tree, p string) (int64, error) {
	f, err := t.FS.Open(p)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return info.Size(), nil
}

// TestTreeAnalyzersShareTheResultContract: the Tree carries the engine's limit, and a tree
// analyzer's skips and problems reach the run beside its findings.
func TestTreeAnalyzersShareTheResultContract(t *testing.T) {
	root := writeTree(t, fstest.MapFS{
		"ok.yaml":   file("a: 1\n"),
		"huge.yaml": file(strings.Repeat("a: 1\n", 100)),
		"chart.tpl": file("{{ .x }}\n"),
	})
	var limit int64
	run, err := Dir(context.Background(), root, Options{Analyzers: []Analyzer{limitReporter{got: &limit}}, MaxFileSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	if limit != 100 {
		t.Errorf("Tree.MaxFileSize = %d, want the engine's 100", limit)
	}
	if d := cmp.Diff([]finding.Skip{{Path: "chart.tpl", Reason: "template"}}, run.Skipped); d != "" {
		t.Errorf("skipped (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]finding.Problem{{Path: "huge.yaml", Scanner: "limits", Message: "too large to parse"}}, run.Problems); d != "" {
		t.Errorf("problems (-want +got):\n%s", d)
	}
	if len(run.Findings) != 1 {
		t.Errorf("findings = %+v, want the one the tree analyzer returned", run.Findings)
	}
}

// TestUnreadableIndexIsAProblemWhenItMatters: when git cannot read the index of the work tree
// the root is in, a path skipped as ignored may be a tracked file — a problem; without ignored
// paths nothing depends on the index and there is none.
func TestUnreadableIndexIsAProblemWhenItMatters(t *testing.T) {
	r := gittest.New(t)
	r.Write("app.txt", "SECRET\n")
	if err := os.WriteFile(filepath.Join(r.Dir, ".git", "index"), []byte("DIRC garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	run, err := Dir(context.Background(), r.Dir, Options{Analyzers: []Analyzer{markerFinder{}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Problems) != 0 {
		t.Errorf("nothing was ignored, yet problems: %+v", run.Problems)
	}
	r.Write(".gitignore", "*.env\n")
	r.Write("prod.env", "SECRET\n")
	run, err = Dir(context.Background(), r.Dir, Options{Analyzers: []Analyzer{markerFinder{}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Problems) != 1 || !strings.Contains(run.Problems[0].Message, "read the git index") ||
		run.Problems[0].Kind != finding.ProblemRead {
		t.Errorf("problems = %+v, want one about the git index, of kind read", run.Problems)
	}
}

// TestOversizedIgnoreFileIsTooLarge: an ignore file over the size limit is not read, and its
// problem says too-large, as the walk knows it, rather than leaving the kind to be guessed.
func TestOversizedIgnoreFileIsTooLarge(t *testing.T) {
	root := writeTree(t, fstest.MapFS{
		".gitignore": file(strings.Repeat("# padding\n", 20)),
		"app.txt":    file("SECRET\n"),
	})
	run, err := Dir(context.Background(), root, Options{Analyzers: []Analyzer{markerFinder{}}, MaxFileSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, p := range run.Problems {
		if p.Path == ".gitignore" && strings.HasPrefix(p.Message, "read ignore file") {
			kinds = append(kinds, p.Kind)
		}
	}
	if d := cmp.Diff([]string{finding.ProblemTooLarge}, kinds); d != "" {
		t.Errorf("kinds of the ignore file's read problem (-want +got):\n%s", d)
	}
}

func TestIsCompressed(t *testing.T) {
	tests := []struct {
		head string
		want bool
	}{
		{"PK\x03\x04rest", true}, {"\x1f\x8b\x08", true}, {"%PDF-1.7\n", true}, {"\xfd7zXZ\x00", true},
		{"\x28\xb5\x2f\xfd", true}, {"\x89PNG\r\n\x1a\n", false}, {"\x7fELF", false}, {"text", false}, {"", false},
	}
	for _, tc := range tests {
		if got := isCompressed([]byte(tc.head)); got != tc.want {
			t.Errorf("isCompressed(%q) = %v, want %v", tc.head, got, tc.want)
		}
	}
}

// TestTrackedNamesAreVerbatim: git quotes unusual names in its plain output (a tab, a quote, a
// newline); the index is read so that a tracked file with such a name is still known as tracked
// and scanned, not skipped as ignored.
func TestTrackedNamesAreVerbatim(t *testing.T) {
	names := []string{"we\"ird\tname é.env", "new\nline.env", `back\slash.env`}
	r := gittest.New(t)
	for _, n := range names {
		r.Write(n, "SECRET\n")
	}
	r.Git(append([]string{"add", "--"}, names...)...)
	r.Write(".gitignore", "*.env\n")
	run, err := Dir(context.Background(), r.Dir, Options{Analyzers: []Analyzer{markerFinder{}}})
	if err != nil {
		t.Fatal(err)
	}
	var want []where
	for _, n := range names {
		want = append(want, where{"marker", n, 1})
	}
	slices.SortFunc(want, func(a, b where) int { return strings.Compare(a.Path, b.Path) })
	if d := cmp.Diff(want, wheres(run.Findings)); d != "" {
		t.Errorf("findings (-want +got):\n%s", d)
	}
}
