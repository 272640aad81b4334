package gitlog

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

func fuzzSeeds(f *testing.F) {
	body := "diff --git a/f b/f\nindex 1..2 100644\n--- a/f\n+++ b/f\n@@ -1,2 +1,3 @@\n keep\n-old\n+new\n+more\n\\ No newline at end of file\n"
	for _, s := range []string{
		hdr("abcd", "m") + body,
		hdr("abcd", "m") + "diff --cc f\nindex 1,2..3\n--- a/f\n+++ b/f\n@@@ -1,1 -1,0 +1,2 @@@\n +a\n++b\n" + hdr("bcde", "n"),
		hdr("abcd", "m") + "diff --git \"a/q\\t\" \"b/q\\t\"\nnew file mode 100644\nBinary files /dev/null and \"b/q\\t\" differ\n",
		hdr("abcd", "m") + "diff --git a/a b/b\nrename from a\nrename to b\n",
		"\x00abcd\x00\x00\x00bad\x00\x00\n",
		body,
	} {
		f.Add([]byte(s), uint8(0))
		f.Add([]byte(s), uint8(4))
	}
}

// checkFiles holds the invariants every parsed file must keep, whatever the input.
func checkFiles(t *testing.T, files []FileDiff, maxFragment int) {
	for _, fd := range files {
		if fd.Path == "" && len(fd.Added) > 0 {
			t.Fatalf("deleted file with added lines: %+v", fd)
		}
		next := 0
		for _, fr := range fd.Added {
			if fr.StartLine < 1 || fr.StartLine < next {
				t.Fatalf("fragment starts at %d after a fragment ending before %d", fr.StartLine, next)
			}
			if maxFragment > 0 && len(fr.Content) > maxFragment {
				t.Fatalf("fragment of %d bytes passed a limit of %d", len(fr.Content), maxFragment)
			}
			if n := bytes.Count(fr.Content, []byte("\n")); n != fr.Lines || n == 0 {
				t.Fatalf("fragment says %d lines, holds %d", fr.Lines, n)
			}
			next = fr.StartLine + fr.Lines
		}
	}
}

// FuzzReader: no input may panic the log parser or make it break its invariants.
func FuzzReader(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte, maxFragment uint8) {
		r := NewReader(bytes.NewReader(data))
		r.MaxFragment = int(maxFragment)
		for range 10000 {
			c, err := r.Next()
			if errors.Is(err, io.EOF) || err != nil {
				return
			}
			checkFiles(t, c.Files, int(maxFragment))
		}
		t.Fatal("the reader did not reach the end of a short input")
	})
}

// FuzzParseDiff: the same for the staged-changes diff parser.
func FuzzParseDiff(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte, maxFragment uint8) {
		files, err := ParseDiff(bytes.NewReader(data), int(maxFragment))
		if err != nil {
			return
		}
		checkFiles(t, files, int(maxFragment))
	})
}
