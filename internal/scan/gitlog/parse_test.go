package gitlog

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func hdr(hash, msg string) string {
	return "\x00" + hash + "\x00Ada Lovelace\x00ada@example.com\x002026-01-02T03:04:05+01:00\x00" + msg + "\n\x00\n\n"
}

func frag(start int, lines ...string) Fragment {
	return Fragment{StartLine: start, Content: []byte(strings.Join(lines, "\n") + "\n"), Lines: len(lines)}
}

func readAll(t *testing.T, stream string) ([]*Commit, error) {
	t.Helper()
	r := NewReader(strings.NewReader(stream))
	var out []*Commit
	for {
		c, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, c)
	}
}

func TestReader(t *testing.T) {
	date := time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("", 3600))
	tests := []struct {
		name   string
		stream string
		want   []FileDiff // files of the single commit
	}{
		{
			name: "new file",
			stream: hdr("aaaa", "add") + "diff --git a/f.txt b/f.txt\nnew file mode 100644\nindex 0000000..1111111\n" +
				"--- /dev/null\n+++ b/f.txt\n@@ -0,0 +1,2 @@\n+one\n+two\n",
			want: []FileDiff{{Path: "f.txt", Added: []Fragment{frag(1, "one", "two")}}},
		},
		{
			name: "separate hunks stay separate, adjacent ones join",
			stream: hdr("aaaa", "edit") + "diff --git a/f.txt b/f.txt\nindex 1..2 100644\n--- a/f.txt\n+++ b/f.txt\n" +
				"@@ -2,0 +3 @@ ctx\n+three\n@@ -3,0 +5,2 @@\n+five\n+six\n@@ -4 +7 @@\n-old\n+seven\n",
			want: []FileDiff{{Path: "f.txt", Added: []Fragment{frag(3, "three"), frag(5, "five", "six", "seven")}}},
		},
		{
			name:   "context lines move the line counter",
			stream: hdr("aaaa", "ctx") + "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1,3 +1,4 @@\n keep\n+new2\n-gone\n \n+new4\n",
			want:   []FileDiff{{Path: "f", Added: []Fragment{frag(2, "new2"), frag(4, "new4")}}},
		},
		{
			name:   "empty line is empty context",
			stream: hdr("aaaa", "blank") + "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1,2 +1,3 @@\n\n+x\n keep\n",
			want:   []FileDiff{{Path: "f", Added: []Fragment{frag(2, "x")}}},
		},
		{
			name: "no newline marker",
			stream: hdr("aaaa", "nl") + "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+b\n" +
				"\\ No newline at end of file\n",
			want: []FileDiff{{Path: "f", Added: []Fragment{frag(1, "b")}}},
		},
		{
			name:   "pure rename has no lines",
			stream: hdr("aaaa", "mv") + "diff --git a/old.txt b/new.txt\nsimilarity index 100%\nrename from old.txt\nrename to new.txt\n",
			want:   []FileDiff{{Path: "new.txt", OldPath: "old.txt"}},
		},
		{
			name: "rename with edits",
			stream: hdr("aaaa", "mv") + "diff --git a/a b/b\nsimilarity index 80%\nrename from a\nrename to b\nindex 1..2 100644\n" +
				"--- a/a\n+++ b/b\n@@ -3,0 +4 @@\n+added\n",
			want: []FileDiff{{Path: "b", OldPath: "a", Added: []Fragment{frag(4, "added")}}},
		},
		{
			name:   "binary new file",
			stream: hdr("aaaa", "bin") + "diff --git a/x.dat b/x.dat\nnew file mode 100644\nindex 0..1\nBinary files /dev/null and b/x.dat differ\n",
			want:   []FileDiff{{Path: "x.dat", Binary: true}},
		},
		{
			name:   "deleted file",
			stream: hdr("aaaa", "rm") + "diff --git a/gone b/gone\ndeleted file mode 100644\nindex 1..0\n--- a/gone\n+++ /dev/null\n@@ -1 +0,0 @@\n-secret\n",
			want:   []FileDiff{{}},
		},
		{
			name:   "space in name gets a trailing tab",
			stream: hdr("aaaa", "sp") + "diff --git a/sp ace.txt b/sp ace.txt\n--- /dev/null\n+++ b/sp ace.txt\t\n@@ -0,0 +1 @@\n+x\n",
			want:   []FileDiff{{Path: "sp ace.txt", Added: []Fragment{frag(1, "x")}}},
		},
		{
			name: "quoted name",
			stream: hdr("aaaa", "q") + "diff --git \"a/t\\tq\\\"\\303\\251\" \"b/t\\tq\\\"\\303\\251\"\n--- /dev/null\n" +
				"+++ \"b/t\\tq\\\"\\303\\251\"\n@@ -0,0 +1 @@\n+x\n",
			want: []FileDiff{{Path: "t\tq\"é", Added: []Fragment{frag(1, "x")}}},
		},
		{
			name:   "binary with quoted name uses the diff header",
			stream: hdr("aaaa", "q") + "diff --git \"a/b\\tin\" \"b/b\\tin\"\nnew file mode 100644\nBinary files /dev/null and \"b/b\\tin\" differ\n",
			want:   []FileDiff{{Path: "b\tin", Binary: true}},
		},
		{
			name: "combined diff keeps only lines new to every parent",
			stream: hdr("aaaa", "merge") + "diff --cc f.txt\nindex 1,2..3\n--- a/f.txt\n+++ b/f.txt\n" +
				"@@@ -3,2 -4,0 +4,3 @@@\n +main\n++EVIL\n- gone\n++EVIL2\n",
			want: []FileDiff{{Path: "f.txt", Combined: true, Added: []Fragment{frag(5, "EVIL", "EVIL2")}}},
		},
		{
			name:   "content that looks like headers",
			stream: hdr("aaaa", "tricky") + "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -0,0 +1,3 @@\n+diff --git a/x b/x\n+@@ -1 +1 @@\n++++ b/evil\n",
			want:   []FileDiff{{Path: "f", Added: []Fragment{frag(1, "diff --git a/x b/x", "@@ -1 +1 @@", "+++ b/evil")}}},
		},
		{
			name:   "invalid utf-8 and carriage returns are kept",
			stream: hdr("aaaa", "bytes") + "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -0,0 +1 @@\n+caf\xe9 key\r\n",
			want:   []FileDiff{{Path: "f", Added: []Fragment{frag(1, "caf\xe9 key\r")}}},
		},
		{
			name: "submodule gitlink",
			stream: hdr("aaaa", "sub") + "diff --git a/lib b/lib\nnew file mode 160000\nindex 0000000..1234567\n--- /dev/null\n+++ b/lib\n" +
				"@@ -0,0 +1 @@\n+Subproject commit 1234567890abcdef1234567890abcdef12345678\n",
			want: []FileDiff{{Path: "lib", Submodule: true, Added: []Fragment{frag(1, "Subproject commit 1234567890abcdef1234567890abcdef12345678")}}},
		},
		{
			name:   "commit without a diff",
			stream: hdr("aaaa", "empty"),
			want:   nil,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			commits, err := readAll(t, tc.stream)
			if err != nil {
				t.Fatal(err)
			}
			if len(commits) != 1 {
				t.Fatalf("got %d commits, want 1", len(commits))
			}
			c := commits[0]
			if c.Hash != "aaaa" || c.Author != "Ada Lovelace" || c.Email != "ada@example.com" || !c.Date.Equal(date) {
				t.Errorf("header = %+v", c)
			}
			if d := cmp.Diff(tc.want, c.Files); d != "" {
				t.Errorf("files (-want +got):\n%s", d)
			}
		})
	}
}

func TestReaderSeveralCommits(t *testing.T) {
	stream := hdr("aaaa", "first\n\nbody with\ndiff --git a/fake b/fake\n") +
		"diff --git a/f b/f\n--- /dev/null\n+++ b/f\n@@ -0,0 +1 @@\n+1\n" +
		hdr("bbbb", "second") + hdr("cccc", "third") + "diff --git a/g b/g\n--- a/g\n+++ b/g\n@@ -1,0 +2 @@\n+2\n"
	commits, err := readAll(t, stream)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range commits {
		got = append(got, c.Hash+":"+c.Message+":"+strings.Repeat("f", len(c.Files)))
	}
	want := []string{"aaaa:first\n\nbody with\ndiff --git a/fake b/fake:f", "bbbb:second:", "cccc:third:f"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("commits (-want +got):\n%s", d)
	}
}

func TestReaderErrors(t *testing.T) {
	diff := "diff --git a/f b/f\n--- a/f\n+++ b/f\n"
	tests := []struct {
		name   string
		stream string
		want   string
	}{
		{name: "not a log", stream: "hello\n", want: `line 1: expected a commit header, got "hello"`},
		{name: "truncated header", stream: "\x00abcd\x00name", want: "commit header ends early"},
		{name: "bad hash", stream: "\x00xyz!\x00a\x00b\x002026-01-02T03:04:05Z\x00m\x00\n", want: "malformed hash"},
		{name: "bad date", stream: "\x00abcd\x00a\x00b\x00yesterday\x00m\x00\n", want: `malformed author date "yesterday"`},
		{name: "junk before diff", stream: hdr("abcd", "m") + "junk\n", want: `expected a diff header, got "junk"`},
		{name: "hunk ends early", stream: hdr("abcd", "m") + diff + "@@ -0,0 +1,3 @@\n+a\n", want: "hunk ends early: 0 old and 2 new lines missing"},
		{name: "hunk cut by next commit", stream: hdr("abcd", "m") + diff + "@@ -0,0 +1,2 @@\n+a\n" + hdr("bcde", "n"), want: "hunk ends early"},
		{name: "hunk longer than header", stream: hdr("abcd", "m") + diff + "@@ -1 +1 @@\n-a\n+b\n+c\n", want: `unexpected line starting "+" after a hunk`},
		{name: "bad hunk header", stream: hdr("abcd", "m") + diff + "@@ -x +1 @@\n", want: `bad line number "x"`},
		{name: "hunk at line zero", stream: hdr("abcd", "m") + diff + "@@ -0,0 +0,1 @@\n+a\n", want: "adds lines at line 0"},
		{name: "huge range", stream: hdr("abcd", "m") + diff + "@@ -1 +1,99999999999 @@\n", want: "out of bounds"},
		{name: "bad hunk line", stream: hdr("abcd", "m") + diff + "@@ -1 +1 @@\n*secret\n", want: `unexpected line starting "*" in a hunk`},
		{name: "missing b prefix", stream: hdr("abcd", "m") + "diff --git a/f b/f\n+++ f\n", want: "lacks the b/ prefix"},
		{name: "unknown path", stream: hdr("abcd", "m") + "diff --git a/x y b/z w\nBinary files differ\n", want: "cannot tell the path"},
		{name: "combined too short", stream: hdr("abcd", "m") + "diff --cc f\n@@@ -1 -1 +1 @@@\n+\n", want: "shorter than its 2 columns"},
		{name: "combined bad header", stream: hdr("abcd", "m") + "diff --cc f\n@@@ -1 +1 @@@\n", want: "has 2 ranges, want 3"},
		{name: "bad quoting", stream: hdr("abcd", "m") + "diff --git a/f b/f\n+++ \"b/f\n", want: "malformed quoted path"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readAll(t, tc.stream)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestParseDiff(t *testing.T) {
	in := "diff --git a/a.env b/a.env\nnew file mode 100644\n--- /dev/null\n+++ b/a.env\n@@ -0,0 +1,2 @@\n+K=1\n+L=2\n" +
		"diff --git a/b b/b\n--- a/b\n+++ b/b\n@@ -5,0 +6 @@\n+x\n"
	got, err := ParseDiff(strings.NewReader(in), 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []FileDiff{
		{Path: "a.env", Added: []Fragment{frag(1, "K=1", "L=2")}},
		{Path: "b", Added: []Fragment{frag(6, "x")}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if _, err := ParseDiff(strings.NewReader(in+"\x00junk"), 0); err == nil || !strings.Contains(err.Error(), "parse git diff: line 12: unexpected NUL") {
		t.Errorf("NUL in a diff: err = %v", err)
	}
}

func TestSplitGitHeader(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"same names", "a/x y b/x y", "x y"},
		{"rename with spaces is ambiguous", "a/x y b/z w", ""},
		{"quoted", `"a/t\tb" "b/t\tb"`, "t\tb"},
		{"mixed quoting", `a/plain "b/plain"`, "plain"},
		{"too short", "a/ b/", ""},
		{"no prefixes", "x x", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := splitGitHeader(tc.in); got != tc.want {
				t.Errorf("splitGitHeader(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestMaxFragment(t *testing.T) {
	long := strings.Repeat("x", 100<<10) // longer than bufio's buffer, so the line arrives in pieces
	stream := hdr("aaaa", "big") + "diff --git a/f b/f\n--- a/f\n+++ b/f\n" +
		"@@ -0,0 +1,2 @@\n+ok1\n+ok2\n" + // 8 bytes: kept
		"@@ -0,0 +4,3 @@\n+abc\n+defgh\n+ij\n" + // 13 bytes: dropped whole
		"@@ -0,0 +8 @@\n+" + long + "\n" + // one giant line: dropped
		"@@ -0,0 +10 @@\n+tail\n" // kept: a separate run
	r := NewReader(strings.NewReader(stream))
	r.MaxFragment = 10
	c, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	want := []FileDiff{{Path: "f", Oversized: true, Added: []Fragment{frag(1, "ok1", "ok2"), frag(10, "tail")}}}
	if d := cmp.Diff(want, c.Files); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestLongCommitMessageIsCut(t *testing.T) {
	msg := strings.Repeat("m", 200<<10)
	commits, err := readAll(t, hdr("aaaa", msg)+hdr("bbbb", "next"))
	if err != nil {
		t.Fatal(err)
	}
	if len(commits) != 2 || len(commits[0].Message) != maxField+len("…") || !strings.HasSuffix(commits[0].Message, "…") || commits[1].Message != "next" {
		t.Errorf("got %d commits, first message %d bytes", len(commits), len(commits[0].Message))
	}
}
