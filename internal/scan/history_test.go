package scan

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-sec/palisade/internal/errkind"
	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/report"
	"github.com/palisade-sec/palisade/internal/scan/gitlog/gittest"
)

// historyRepo builds a history with a deleted secret, a rename, a merge that adds a line of its
// own, a binary file, vendored code, a lock file, and an unmerged branch.
func historyRepo(t *testing.T) (r *gittest.Repo, renameCommit string) {
	r = gittest.New(t)
	r.Write("config.env", "A=1\nTOKEN=SECRET_one\n")
	r.Write("notes.txt", "a\nSECRET old\nc\nd\n")
	r.Write("go.sum", "example.com/m v1.0.0 h1:SECRET=\n")
	r.Write("node_modules/x/index.js", "SECRET\n")
	r.Write("web/app.min.js", "SECRET\n")
	r.Commit("add config")
	r.Git("rm", "-q", "config.env")
	r.Commit("remove the secret")
	r.Git("mv", "notes.txt", "notes.md")
	r.Write("notes.md", "a\nSECRET old\nc\nd\nSECRET new\n")
	renameCommit = r.Commit("rename notes")
	r.Git("checkout", "-q", "-b", "side")
	r.Write("side.txt", "SECRET side\n")
	r.Commit("side work")
	r.Git("checkout", "-q", "main")
	r.Write("main.txt", "m\n")
	r.Commit("main work")
	r.Git("merge", "-q", "--no-commit", "side")
	r.Write("main.txt", "m\nSECRET evil\n")
	r.Commit("merge side")
	r.Write("blob.bin", "SECRET\x00\x01")
	// A submodule entry (gitlink) whose "content" is a commit hash.
	r.Git("add", "blob.bin")
	r.Git("update-index", "--add", "--cacheinfo", "160000,5ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2,vendored-lib")
	r.Git("commit", "-q", "-m", "add binary")
	r.Git("checkout", "-q", "-b", "feature")
	r.Write("feature.txt", "x\nSECRET feature\n")
	r.Commit("unmerged feature")
	r.Git("checkout", "-q", "main")
	return r, renameCommit
}

// hit is a history finding reduced to what the tests compare.
type hit struct {
	Rule, Path string
	Line       int
	Commit     string // message
}

func hits(run *report.Run) []hit {
	out := []hit{}
	for _, f := range run.Findings {
		h := hit{Rule: f.RuleID, Path: f.Location.Path, Line: f.Location.StartLine}
		if c := f.Location.Commit; c != nil {
			h.Commit = c.Message
		}
		out = append(out, h)
	}
	return out
}

func TestGitHistory(t *testing.T) {
	r, renameCommit := historyRepo(t)
	tests := []struct {
		name    string
		h       HistoryOptions
		want    []hit
		commits int
	}{
		{
			name: "head",
			want: []hit{
				{"marker", "config.env", 2, "add config"},
				{"marker", "main.txt", 2, "merge side"},
				{"marker", "notes.md", 5, "rename notes"},
				{"marker", "notes.txt", 2, "add config"},
				{"marker", "side.txt", 1, "side work"},
				{"sum-seen", "go.sum", 0, "add config"},
			},
			commits: 7,
		},
		{
			name: "all branches",
			h:    HistoryOptions{AllBranches: true},
			want: []hit{
				{"marker", "config.env", 2, "add config"},
				{"marker", "feature.txt", 2, "unmerged feature"},
				{"marker", "main.txt", 2, "merge side"},
				{"marker", "notes.md", 5, "rename notes"},
				{"marker", "notes.txt", 2, "add config"},
				{"marker", "side.txt", 1, "side work"},
				{"sum-seen", "go.sum", 0, "add config"},
			},
			commits: 8,
		},
		{
			name: "since the rename",
			h:    HistoryOptions{Since: renameCommit},
			want: []hit{
				{"marker", "main.txt", 2, "merge side"},
				{"marker", "side.txt", 1, "side work"},
			},
			commits: 4,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			run, err := Git(context.Background(), r.Dir, Options{Analyzers: []Analyzer{markerFinder{}, sumReader{}}}, tc.h)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, hits(run)); d != "" {
				t.Errorf("findings (-want +got):\n%s", d)
			}
			if run.Stats.Commits != tc.commits {
				t.Errorf("Stats.Commits = %d, want %d", run.Stats.Commits, tc.commits)
			}
			if len(run.Problems) != 0 {
				t.Errorf("problems: %+v", run.Problems)
			}
		})
	}

	run, err := Git(context.Background(), r.Dir, Options{Analyzers: []Analyzer{markerFinder{}}}, HistoryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantSkipped := []finding.Skip{
		{Path: "blob.bin", Reason: finding.SkipBinary},
		{Path: "go.sum", Reason: finding.SkipDefault},
		{Path: "node_modules/x/index.js", Reason: finding.SkipDefault},
		{Path: "vendored-lib", Reason: SkipSubmodule},
		{Path: "web/app.min.js", Reason: finding.SkipDefault},
	}
	if d := cmp.Diff(wantSkipped, run.Skipped); d != "" {
		t.Errorf("skipped (-want +got):\n%s", d)
	}
	c := run.Findings[0].Location.Commit
	if c == nil || len(c.Hash) != 40 || c.Author != "Ada" || c.Email != "ada@example.com" || c.Date.Year() != 2026 {
		t.Errorf("commit on the finding = %+v", c)
	}
}

func TestGitStaged(t *testing.T) {
	r := gittest.New(t)
	r.Write("app.env", "A=1\n")
	r.Commit("base")
	r.Write("app.env", "A=1\nB=SECRET staged\n")
	r.Write("new.txt", "x\ny\nSECRET new file\n")
	r.Git("add", "app.env", "new.txt")
	r.Write("app.env", "A=1\nB=SECRET staged\nC=SECRET unstaged\n")
	r.Write("untracked.txt", "SECRET untracked\n")

	run, err := Git(context.Background(), r.Dir, Options{Analyzers: []Analyzer{markerFinder{}}}, HistoryOptions{Staged: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []hit{{"marker", "app.env", 2, ""}, {"marker", "new.txt", 3, ""}}
	if d := cmp.Diff(want, hits(run)); d != "" {
		t.Errorf("staged findings (-want +got):\n%s", d)
	}
	if run.Stats.Commits != 0 || run.Stats.FilesScanned != 2 {
		t.Errorf("stats = %+v", run.Stats)
	}
}

func TestGitErrors(t *testing.T) {
	r := gittest.New(t)
	r.Write("f", "x\n")
	r.Commit("one")
	var tree []string
	tests := []struct {
		name string
		dir  string
		opts Options
		h    HistoryOptions
		msg  string
	}{
		{name: "staged with since", dir: r.Dir, h: HistoryOptions{Staged: true, Since: "HEAD"}, msg: "apply to history, not to staged"},
		{name: "not a repository", dir: t.TempDir(), msg: "not a git repository"},
		{name: "unknown since", dir: r.Dir, h: HistoryOptions{Since: "nope"}, msg: `revision "nope" is not a commit`},
		{name: "option-like since", dir: r.Dir, h: HistoryOptions{Since: "--all"}, msg: "is not a commit name"},
		{name: "tree analyzers only", dir: r.Dir, opts: Options{Analyzers: []Analyzer{treeLister{got: &tree}}}, msg: "file analyzers only"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.opts.Analyzers == nil {
				tc.opts.Analyzers = []Analyzer{markerFinder{}}
			}
			_, err := Git(context.Background(), tc.dir, tc.opts, tc.h)
			if err == nil || errkind.Of(err) != errkind.Invalid || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %v (kind %v), want an invalid-input error mentioning %q", err, errkind.Of(err), tc.msg)
			}
		})
	}
}

func TestGitMissingBinary(t *testing.T) {
	r := gittest.New(t)
	_, err := Git(context.Background(), r.Dir, Options{Analyzers: []Analyzer{markerFinder{}}},
		HistoryOptions{GitPath: filepath.Join(t.TempDir(), "no-git-here")})
	if errkind.Of(err) != errkind.Unavailable || !strings.Contains(err.Error(), "git binary was not found") {
		t.Errorf("err = %v (kind %v), want an unavailable error saying git is missing", err, errkind.Of(err))
	}
}

func TestGitEmptyRepository(t *testing.T) {
	r := gittest.New(t)
	run, err := Git(context.Background(), r.Dir, Options{Analyzers: []Analyzer{markerFinder{}}}, HistoryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Findings) != 0 || run.Stats.Commits != 0 {
		t.Errorf("empty repository: %+v", run)
	}
}

func TestGitCancel(t *testing.T) {
	r, _ := historyRepo(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := Git(ctx, r.Dir, Options{Analyzers: []Analyzer{cancelOnFirst{cancel}}}, HistoryOptions{})
	if err == nil || !strings.Contains(err.Error(), "context canceled") {
		t.Errorf("err = %v, want a cancellation", err)
	}
}

func TestGitDeterministic(t *testing.T) {
	r, _ := historyRepo(t)
	var first *report.Run
	for _, workers := range []int{1, 3, 16} {
		run, err := Git(context.Background(), r.Dir, Options{Analyzers: []Analyzer{markerFinder{}, sumReader{}}, Concurrency: workers}, HistoryOptions{AllBranches: true})
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = run
			continue
		}
		run.Started, run.Finished = first.Started, first.Finished
		if d := cmp.Diff(first, run); d != "" {
			t.Errorf("%d workers changed the run (-1 worker +%d):\n%s", workers, workers, d)
		}
	}
}

func TestGitFragmentSizeLimit(t *testing.T) {
	r := gittest.New(t)
	r.Write("a.txt", "SECRET 1\n")
	r.Commit("small")
	r.Write("a.txt", "SECRET 1\n"+strings.Repeat("SECRET filler line\n", 10))
	r.Commit("big")
	run, err := Git(context.Background(), r.Dir, Options{Analyzers: []Analyzer{markerFinder{}}, MaxFileSize: 64}, HistoryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]hit{{"marker", "a.txt", 1, "small"}}, hits(run)); d != "" {
		t.Errorf("findings (-want +got):\n%s", d)
	}
	// The dropped lines were not scanned: a problem that fails the gate, not a quiet skip.
	big := r.Git("rev-parse", "HEAD")
	want := []finding.Problem{{Path: "a.txt", Message: "not analysed: a run of lines added in commit " + big +
		" is over the size limit (--max-file-size 64); raise the limit to scan it", Kind: finding.ProblemTooLarge}}
	if d := cmp.Diff(want, run.Problems); d != "" {
		t.Errorf("problems (-want +got):\n%s", d)
	}
	if len(run.Skipped) != 0 {
		t.Errorf("skipped = %+v, want none", run.Skipped)
	}
}

// TestGitNULFragmentsGoToBinaryAnalyzers: a .gitattributes that forces a text diff on a file with
// NUL bytes does not hide its added lines from analyzers that read binary content.
func TestGitNULFragmentsGoToBinaryAnalyzers(t *testing.T) {
	r := gittest.New(t)
	r.Write(".gitattributes", "*.env diff\n")
	r.Write("a.env", "x\x00y\nSECRET after a NUL\n")
	r.Commit("nul")
	tests := []struct {
		name        string
		analyzer    Analyzer
		wantHits    []hit
		wantSkipped []finding.Skip
	}{
		{name: "reads binary", analyzer: fullMarker{}, wantHits: []hit{{"marker", "a.env", 2, "nul"}}},
		{name: "text only", analyzer: markerFinder{}, wantHits: []hit{}, wantSkipped: []finding.Skip{{Path: "a.env", Reason: finding.SkipBinary}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			run, err := Git(context.Background(), r.Dir, Options{Analyzers: []Analyzer{tc.analyzer}}, HistoryOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.wantHits, hits(run)); d != "" {
				t.Errorf("findings (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.wantSkipped, run.Skipped); d != "" {
				t.Errorf("skipped (-want +got):\n%s", d)
			}
			// (commit, file) pairs with a fragment scanned: .gitattributes, and a.env when read.
			if want := 1 + len(tc.wantHits); run.Stats.FilesScanned != want {
				t.Errorf("files scanned = %d, want %d", run.Stats.FilesScanned, want)
			}
		})
	}
}
