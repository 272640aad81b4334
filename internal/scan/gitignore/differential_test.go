package gitignore

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/palisade-sec/palisade/internal/scan/gitlog/gittest"
)

// TestRandomPatternsAgainstGit generates ignore files from a small grammar of tricky pieces and
// checks that this package and `git check-ignore` ignore exactly the same files. The seed is
// fixed so a failure is reproducible.
func TestRandomPatternsAgainstGit(t *testing.T) {
	if testing.Short() {
		t.Skip("starts git a few hundred times")
	}
	files := []string{
		"x.y", "ab", "ba", "a*", "a/b", "a/x.y", "a/c/b", "a/c/a/b", "b/a/x.y", "b/ab",
		"c/a/b", "c/b/a", "c/x.y", "c/a?b", "d/e/f/a", "d/ab/x.y",
	}
	repo := gittest.New(t)
	dir := repo.Dir
	for _, f := range files {
		mustWrite(t, filepath.Join(dir, filepath.FromSlash(f)), "x")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 300 {
		ignore := randomIgnore(rng)
		mustWrite(t, filepath.Join(dir, ".gitignore"), ignore)
		cmd := repo.Cmd("check-ignore", "--no-index", "--stdin", "-z")
		cmd.Stdin = strings.NewReader(strings.Join(files, "\x00") + "\x00")
		out, err := cmd.Output()
		var exit *exec.ExitError
		if err != nil && (!errors.As(err, &exit) || exit.ExitCode() != 1) {
			t.Fatalf("case %d: git check-ignore: %v", i, err)
		}
		var gitSays []string
		for _, p := range bytes.Split(out, []byte{0}) {
			if len(p) > 0 {
				gitSays = append(gitSays, string(p))
			}
		}
		ps, _ := Parse([]byte(ignore), "")
		m := NewMatcher(ps...)
		var weSay []string
		for _, f := range files {
			if m.Ignored(f, false) {
				weSay = append(weSay, f)
			}
		}
		slices.Sort(gitSays)
		slices.Sort(weSay)
		if d := cmp.Diff(gitSays, weSay); d != "" {
			t.Errorf("case %d, .gitignore:\n%s\nignored files (-git +ours):\n%s", i, ignore, d)
		}
	}
}

func randomIgnore(rng *rand.Rand) string {
	pieces := []string{"a", "b", "c", "x.y", "*", "?", "**", "[ab]", "[!a]", "[a-c]", `\*`, "a*", "*.y", "[[:alpha:]]"}
	var lines []string
	for range 1 + rng.IntN(3) {
		var b strings.Builder
		if rng.IntN(4) == 0 {
			b.WriteByte('!')
		}
		if rng.IntN(3) == 0 {
			b.WriteByte('/')
		}
		for j := range 1 + rng.IntN(3) {
			if j > 0 {
				b.WriteByte('/')
			}
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		if rng.IntN(4) == 0 {
			b.WriteByte('/')
		}
		lines = append(lines, b.String())
	}
	return strings.Join(lines, "\n") + "\n"
}
