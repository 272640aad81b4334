package gitlog

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// gitRepo is a real repository in a temporary directory, driven by the git binary with every
// outside configuration (global, system, signing, hooks) switched off.
type gitRepo struct {
	t   *testing.T
	dir string
}

func newGitRepo(t *testing.T) *gitRepo {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git binary not found: history tests need it")
	}
	r := &gitRepo{t: t, dir: t.TempDir()}
	r.git("init", "-q", "-b", "main")
	return r
}

func (r *gitRepo) git(args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null"}, args...)...)
	cmd.Dir = r.dir
	cmd.Env = append(os.Environ(),
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=Ada", "GIT_AUTHOR_EMAIL=ada@example.com", "GIT_AUTHOR_DATE=2026-01-02T03:04:05Z",
		"GIT_COMMITTER_NAME=Ada", "GIT_COMMITTER_EMAIL=ada@example.com", "GIT_COMMITTER_DATE=2026-01-02T03:04:05Z")
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func (r *gitRepo) write(name, content string) {
	r.t.Helper()
	p := filepath.Join(r.dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

func (r *gitRepo) commit(msg string) string {
	r.git("add", "-A")
	r.git("commit", "-q", "--allow-empty", "-m", msg)
	return r.git("rev-parse", "HEAD")
}

// summary is a commit reduced to message → file → fragments, for comparison.
type summary struct {
	Msg   string
	Files []FileDiff
}

func TestLogRealRepository(t *testing.T) {
	r := newGitRepo(t)
	r.write("a.txt", "one\ntwo\n")
	r.write("sp ace/tab\there.txt", "x\n")
	r.commit("first")
	r.git("checkout", "-q", "-b", "side")
	r.write("a.txt", "one\nside\ntwo\n")
	r.commit("side change")
	r.git("checkout", "-q", "main")
	r.write("a.txt", "one\ntwo\nmain\n")
	r.commit("main change")
	r.git("merge", "-q", "--no-commit", "side")
	r.write("a.txt", "one\nside\ntwo\nmain\nEVIL=1\n")
	r.commit("merge with an evil line")
	r.git("mv", "a.txt", "b.txt")
	r.write("blob.bin", "\x00\x01\x02")
	r.commit("rename and binary")

	var got []summary
	err := Repo{Dir: r.dir}.Log(context.Background(), LogOptions{}, func(c *Commit) error {
		if c.Author != "Ada" || c.Email != "ada@example.com" || c.Date.Year() != 2026 || len(c.Hash) != 40 {
			t.Errorf("commit header %+v", c)
		}
		got = append(got, summary{c.Message, c.Files})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []summary{
		{"rename and binary", []FileDiff{{Path: "b.txt", OldPath: "a.txt"}, {Path: "blob.bin", Binary: true}}},
		{"merge with an evil line", []FileDiff{{Path: "a.txt", Combined: true, Added: []Fragment{frag(5, "EVIL=1")}}}},
		{"main change", []FileDiff{{Path: "a.txt", Added: []Fragment{frag(3, "main")}}}},
		{"side change", []FileDiff{{Path: "a.txt", Added: []Fragment{frag(2, "side")}}}},
		{"first", []FileDiff{{Path: "a.txt", Added: []Fragment{frag(1, "one", "two")}}, {Path: "sp ace/tab\there.txt", Added: []Fragment{frag(1, "x")}}}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("history (-want +got):\n%s", d)
	}
}

func TestStagedRealRepository(t *testing.T) {
	r := newGitRepo(t)
	r.write("x.env", "A=1\n")
	r.git("add", "x.env") // staged in a repository with no commit yet
	files, err := Repo{Dir: r.dir}.Staged(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]FileDiff{{Path: "x.env", Added: []Fragment{frag(1, "A=1")}}}, files); d != "" {
		t.Errorf("staged before the first commit (-want +got):\n%s", d)
	}
	r.commit("base")
	r.write("x.env", "A=1\nB=2\n")
	r.git("add", "x.env")
	r.write("x.env", "A=1\nB=2\nC=unstaged\n")
	files, err = Repo{Dir: r.dir}.Staged(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]FileDiff{{Path: "x.env", Added: []Fragment{frag(2, "B=2")}}}, files); d != "" {
		t.Errorf("staged only (-want +got):\n%s", d)
	}
}

func TestLogOptions(t *testing.T) {
	r := newGitRepo(t)
	r.write("f", "1\n")
	base := r.commit("base")
	r.write("f", "1\n2\n")
	r.commit("on main")
	r.git("checkout", "-q", "-b", "other")
	r.write("g", "branch\n")
	r.commit("on other")
	r.git("checkout", "-q", "main")

	tests := []struct {
		name string
		opts LogOptions
		want []string
	}{
		{name: "head only", want: []string{"on main", "base"}},
		{name: "all branches", opts: LogOptions{All: true}, want: []string{"base", "on main", "on other"}},
		{name: "since a commit", opts: LogOptions{Since: base}, want: []string{"on main"}},
		{name: "since by name, all", opts: LogOptions{Since: "main", All: true}, want: []string{"on other"}},
	}
	repo := Repo{Dir: r.dir}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			if err := repo.Log(context.Background(), tc.opts, func(c *Commit) error {
				got = append(got, c.Message)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if tc.opts.All {
				slices.Sort(got) // every commit has the same date, so their order is git's choice
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
			n, err := repo.Count(context.Background(), tc.opts)
			if err != nil || n != len(tc.want) {
				t.Errorf("Count = %d, %v; want %d", n, err, len(tc.want))
			}
		})
	}
	for _, bad := range []string{"no-such-rev", "--output=/tmp/x"} {
		err := repo.Log(context.Background(), LogOptions{Since: bad}, func(*Commit) error { return nil })
		if err == nil || !strings.Contains(err.Error(), "is not a commit") {
			t.Errorf("since %q: err = %v", bad, err)
		}
	}
	if err := (Repo{Dir: t.TempDir()}).Check(context.Background()); err == nil || !strings.Contains(err.Error(), "not a git repository") {
		t.Errorf("Check outside a repository: err = %v", err)
	}
}

// TestLogIgnoresRepositoryConfig sets every repository setting that would change the shape or the
// content of git's output, and checks that the parsed history is still the raw added lines.
func TestLogIgnoresRepositoryConfig(t *testing.T) {
	r := newGitRepo(t)
	for _, kv := range [][2]string{
		{"color.ui", "always"}, {"color.diff", "always"},
		{"diff.noprefix", "true"}, {"diff.mnemonicPrefix", "true"},
		{"core.quotePath", "true"}, {"diff.suppressBlankEmpty", "true"},
		{"diff.external", "/bin/false"}, {"diff.upper.textconv", "tr a-z A-Z"},
		{"diff.context", "5"}, {"diff.interHunkContext", "10"}, {"diff.renames", "false"},
		{"log.showRoot", "false"}, {"log.decorate", "full"}, {"diff.relative", "true"},
	} {
		r.git("config", kv[0], kv[1])
	}
	r.write(".gitattributes", "*.txt diff=upper\n")
	r.write("é.txt", "one\n\ntwo\n")
	r.commit("first")
	r.write("é.txt", "one\n\ntwo\nthree\nfour\nfive\nsix\nseven\nlower secret\n")
	r.commit("second")

	var got []summary
	if err := (Repo{Dir: r.dir}).Log(context.Background(), LogOptions{}, func(c *Commit) error {
		got = append(got, summary{c.Message, c.Files})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := []summary{
		{"second", []FileDiff{{Path: "é.txt", Added: []Fragment{frag(4, "three", "four", "five", "six", "seven", "lower secret")}}}},
		{"first", []FileDiff{
			{Path: ".gitattributes", Added: []Fragment{frag(1, "*.txt diff=upper")}},
			{Path: "é.txt", Added: []Fragment{frag(1, "one", "", "two")}},
		}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("history under hostile config (-want +got):\n%s", d)
	}
}
