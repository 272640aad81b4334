package gitlog

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/palisade-sec/palisade/internal/scan/gitlog/gittest"
)

// summary is a commit reduced to message → file → fragments, for comparison.
type summary struct {
	Msg   string
	Files []FileDiff
}

func TestLogRealRepository(t *testing.T) {
	r := gittest.New(t)
	r.Write("a.txt", "one\ntwo\n")
	r.Write("sp ace/tab\there.txt", "x\n")
	r.Commit("first")
	r.Git("checkout", "-q", "-b", "side")
	r.Write("a.txt", "one\nside\ntwo\n")
	r.Commit("side change")
	r.Git("checkout", "-q", "main")
	r.Write("a.txt", "one\ntwo\nmain\n")
	r.Commit("main change")
	r.Git("merge", "-q", "--no-commit", "side")
	r.Write("a.txt", "one\nside\ntwo\nmain\nEVIL=1\n")
	r.Commit("merge with an evil line")
	r.Git("mv", "a.txt", "b.txt")
	r.Write("blob.bin", "\x00\x01\x02")
	r.Commit("rename and binary")

	var got []summary
	err := Repo{Dir: r.Dir}.Log(context.Background(), LogOptions{}, func(c *Commit) error {
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
	r := gittest.New(t)
	r.Write("x.env", "A=1\n")
	r.Git("add", "x.env") // staged in a repository with no commit yet
	files, err := Repo{Dir: r.Dir}.Staged(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]FileDiff{{Path: "x.env", Added: []Fragment{frag(1, "A=1")}}}, files); d != "" {
		t.Errorf("staged before the first commit (-want +got):\n%s", d)
	}
	r.Commit("base")
	r.Write("x.env", "A=1\nB=2\n")
	r.Git("add", "x.env")
	r.Write("x.env", "A=1\nB=2\nC=unstaged\n")
	files, err = Repo{Dir: r.Dir}.Staged(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]FileDiff{{Path: "x.env", Added: []Fragment{frag(2, "B=2")}}}, files); d != "" {
		t.Errorf("staged only (-want +got):\n%s", d)
	}
}

func TestLogOptions(t *testing.T) {
	r := gittest.New(t)
	r.Write("f", "1\n")
	base := r.Commit("base")
	r.Write("f", "1\n2\n")
	r.Commit("on main")
	r.Git("checkout", "-q", "-b", "other")
	r.Write("g", "branch\n")
	r.Commit("on other")
	r.Git("checkout", "-q", "main")

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
	repo := Repo{Dir: r.Dir}
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
	r := gittest.New(t)
	for _, kv := range [][2]string{
		{"color.ui", "always"}, {"color.diff", "always"},
		{"diff.noprefix", "true"}, {"diff.mnemonicPrefix", "true"},
		{"core.quotePath", "true"}, {"diff.suppressBlankEmpty", "true"},
		{"diff.external", "/bin/false"}, {"diff.upper.textconv", "tr a-z A-Z"},
		{"diff.context", "5"}, {"diff.interHunkContext", "10"}, {"diff.renames", "false"},
		{"log.showRoot", "false"}, {"log.decorate", "full"}, {"diff.relative", "true"},
	} {
		r.Git("config", kv[0], kv[1])
	}
	r.Write(".gitattributes", "*.txt diff=upper\n")
	r.Write("é.txt", "one\n\ntwo\n")
	r.Commit("first")
	r.Write("é.txt", "one\n\ntwo\nthree\nfour\nfive\nsix\nseven\nlower secret\n")
	r.Commit("second")

	var got []summary
	if err := (Repo{Dir: r.Dir}).Log(context.Background(), LogOptions{}, func(c *Commit) error {
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
