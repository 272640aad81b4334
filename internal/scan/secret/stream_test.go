package secret

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/scan"
)

// exampleDoc is every built-in rule's positive examples, one after another with filler lines
// between them: a document with a few hundred secrets of every shape, multi-line keys included.
func exampleDoc() []byte {
	var b bytes.Buffer
	for i, r := range Builtin() {
		for _, ex := range r.Examples.True {
			fmt.Fprintf(&b, "filler line %d, no secret here: %s\n", i, strings.Repeat("é-", i%7))
			b.WriteString(ex)
			b.WriteString("\n\n")
		}
	}
	return b.Bytes()
}

// located is what a streamed finding must share with the whole-file one.
type located struct {
	Rule, Snippet, Fingerprint string
	Line, Col, EndLine, EndCol int
}

func locate(fs []finding.Finding) []located {
	finding.Sort(fs)
	out := make([]located, 0, len(fs))
	for _, f := range fs {
		l := f.Location
		out = append(out, located{f.RuleID, l.Snippet, f.Fingerprint, l.StartLine, l.StartColumn, l.EndLine, l.EndColumn})
	}
	return out
}

// TestStreamMatchesWholeFile: cut into chunks of any size, a stream yields the findings of the
// whole file — each once, none lost at a cut, at the same line and column.
func TestStreamMatchesWholeFile(t *testing.T) {
	a := New(Options{})
	doc := exampleDoc()
	whole, err := a.AnalyzeFile(context.Background(), &scan.File{Path: "doc.txt", Content: doc})
	if err != nil {
		t.Fatal(err)
	}
	if len(whole) < 100 {
		t.Fatalf("the whole document has %d findings; the test needs the rule examples to be found", len(whole))
	}
	for _, chunk := range []int{61, 1000, 4093, 1 << 20} {
		t.Run(fmt.Sprint(chunk), func(t *testing.T) {
			got, err := a.stream(context.Background(), &scan.Stream{Path: "doc.txt", R: bytes.NewReader(doc)},
				streamSizes{chunk: chunk, before: 512, after: 16 << 10})
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(locate(whole), locate(got)); d != "" {
				t.Errorf("streamed findings differ from the whole file's (-whole +stream):\n%s", d)
			}
		})
	}
}

// TestStreamSecretAcrossChunkBoundary puts one token across every cut a small chunk size makes
// and checks it is found once, on its true line and column.
func TestStreamSecretAcrossChunkBoundary(t *testing.T) {
	a := New(Options{})
	token := "ghp_" + fake("boundary", 36, csAlnum)
	z := streamSizes{chunk: 64, before: 300, after: 1500}
	for shift := range 80 {
		prefix := strings.Repeat("x\n", 400) + strings.Repeat("y", 700+shift) + " "
		doc := prefix + "token " + token + " end\nlast line\n"
		got, err := a.stream(context.Background(), &scan.Stream{Path: "a.txt", R: strings.NewReader(doc)}, z)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 {
			t.Fatalf("shift %d: %d findings, want exactly one: %+v", shift, len(got), got)
		}
		want := located{Rule: "github-pat-classic", Line: 401, Col: 700 + shift + 2 + len("token "), EndLine: 401}
		want.EndCol = want.Col + len(token)
		l := got[0].Location
		if diff := cmp.Diff(want, located{Rule: got[0].RuleID, Line: l.StartLine, Col: l.StartColumn, EndLine: l.EndLine, EndCol: l.EndColumn}); diff != "" {
			t.Fatalf("shift %d (-want +got):\n%s", shift, diff)
		}
	}
}

// TestBinaryPrintableRuns: a NUL byte does not hide a secret; lines are counted in the file's
// own bytes, and runs of noise shorter than minPrintableRun do not join a match.
func TestBinaryPrintableRuns(t *testing.T) {
	a := New(Options{})
	token := "ghp_" + fake("binary", 36, csAlnum)
	content := []byte("\x7fELF\x02\x01\x00\x00\nab\x00\x01\x02line2\n\x00\x00token=" + token + "\x00\x00tail")
	got, err := a.AnalyzeBinary(context.Background(), &scan.File{Path: "app.bin", Content: content})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].RuleID != "github-pat-classic" || got[0].Location.StartLine != 3 || got[0].Location.StartColumn != 9 {
		t.Fatalf("findings = %+v, want github-pat at 3:9", got)
	}
	if strings.ContainsRune(got[0].Location.Snippet, 0) {
		t.Errorf("snippet %q holds binary bytes", got[0].Location.Snippet)
	}
	// The same file streamed in small chunks gives the same finding.
	s, err := a.stream(context.Background(), &scan.Stream{Path: "app.bin", R: bytes.NewReader(content), Binary: true},
		streamSizes{chunk: 5, before: 16, after: 64})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(locate(got), locate(s)); d != "" {
		t.Errorf("streamed binary (-whole +stream):\n%s", d)
	}
}

func TestPrintableView(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"abcdef", "abcdef"},
		{"abcde", "\n\n\n\n\n"},
		{"\x00abcdefg\x01hi\x02", "\nabcdefg\n\n\n\n"},
		{"key = value\r\n\x00", "key = value\r\n\n"},
		{"caf\xc3\xa9 au lait", "\n\n\n\n\n au lait"},
	}
	for _, tc := range tests {
		if got := string(printableView(make([]byte, len(tc.in)), []byte(tc.in))); got != tc.want {
			t.Errorf("printableView(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// endless is an io.Reader of n bytes of one long line with no newline, and a token at the end,
// generated as it is read so the test's own memory is not what is measured.
type endless struct {
	n, off int
	tail   []byte
}

func (e *endless) Read(p []byte) (int, error) {
	if e.off >= e.n+len(e.tail) {
		return 0, io.EOF
	}
	i := 0
	for ; i < len(p) && e.off < e.n; i, e.off = i+1, e.off+1 {
		p[i] = "abcdefgh=+/ "[e.off%12]
	}
	for ; i < len(p) && e.off < e.n+len(e.tail); i, e.off = i+1, e.off+1 {
		p[i] = e.tail[e.off-e.n]
	}
	return i, nil
}

// TestStreamMemoryIsBounded: a 64 MiB single line costs the stream a few chunks of memory, not
// a multiple of its size (reading it whole would need 64 MiB for the content alone).
func TestStreamMemoryIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 64 MiB")
	}
	a := New(Options{})
	token := "ghp_" + fake("memory", 36, csAlnum)
	const size = 64 << 20
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	got, err := a.AnalyzeStream(context.Background(), &scan.Stream{Path: "big.txt", Size: size,
		R: &endless{n: size, tail: []byte("\ntoken " + token + "\n")}})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Location.StartLine != 2 {
		t.Fatalf("findings = %+v, want the token on line 2", got)
	}
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("64 MiB streamed with %.1f MiB allocated in total", float64(allocated)/(1<<20))
	if allocated > 16<<20 {
		t.Errorf("streaming 64 MiB allocated %d bytes in total; want under 16 MiB", allocated)
	}
}

func utf16le(s string) []byte {
	var b []byte
	for i := range len(s) {
		b = append(b, s[i], 0)
	}
	return b
}

// TestBinaryUTF16Runs: a token stored as UTF-16LE (a Windows resource, a .NET string table) is
// found, at its offset in the file, with "utf-16le" in its decoded property, whole or streamed.
func TestBinaryUTF16Runs(t *testing.T) {
	a := New(Options{})
	token := "ghp_" + fake("utf16", 36, csAlnum)
	content := slices.Concat([]byte("MZ\x90\x00\x03\x00\nxy\x00\x00"), utf16le("GITHUB_TOKEN="+token), []byte{0, 0, 1, 2})
	whole, err := a.AnalyzeBinary(context.Background(), &scan.File{Path: "app.exe", Content: content})
	if err != nil {
		t.Fatal(err)
	}
	col := len("xy\x00\x00") + 2*len("GITHUB_TOKEN=") + 1
	if len(whole) != 1 || whole[0].Location.StartLine != 2 || whole[0].Location.StartColumn != col ||
		whole[0].Properties["decoded"] != "utf-16le" || whole[0].Fingerprint != finding.Fingerprint(whole[0].RuleID, "app.exe", token) {
		t.Fatalf("findings = %+v, want the token at 2:%d decoded from utf-16le", whole, col)
	}
	for _, chunk := range []int{3, 16, 1 << 10} {
		s, err := a.stream(context.Background(), &scan.Stream{Path: "app.exe", R: bytes.NewReader(content), Binary: true},
			streamSizes{chunk: chunk, before: 32, after: 256})
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(locate(whole), locate(s)); d != "" {
			t.Errorf("chunk %d (-whole +stream):\n%s", chunk, d)
		}
	}
}

func TestUTF16View(t *testing.T) {
	src := slices.Concat([]byte{1}, utf16le("abcdefg"), []byte{0xff}, utf16le("short"), []byte{0}, utf16le("line\nnext"))
	text, runs := utf16View(src)
	if want := "abcdefg\nline\nnext\n"; string(text) != want {
		t.Errorf("text = %q, want %q", text, want)
	}
	for k := range text {
		if o := runs.origOf(k); text[k] != '\n' && src[o] != text[k] {
			t.Errorf("origOf(%d) = %d: %q in the file, %q in the view", k, o, src[o], text[k])
		}
	}
}

// TestStreamReadErrorIsAReadProblem: a stream that fails part-way keeps what it found before the
// failure and says, as a read problem of the file, that the rest was not scanned.
func TestStreamReadErrorIsAReadProblem(t *testing.T) {
	a := New(Options{})
	doc := exampleDoc()
	r := io.MultiReader(bytes.NewReader(doc), iotest.ErrReader(errors.New("input/output error")))
	found, err := a.AnalyzeStream(context.Background(), &scan.Stream{Path: "big.txt", R: r, Size: int64(len(doc)) * 2})
	if len(found) == 0 {
		t.Error("no findings from the part read before the error")
	}
	var inc *scan.Incomplete
	if !errors.As(err, &inc) {
		t.Fatalf("err = %v, want a *scan.Incomplete", err)
	}
	want := []finding.Problem{{Path: "big.txt", Kind: finding.ProblemRead,
		Message: "read: input/output error (the rest of the file was not scanned for secrets)"}}
	if d := cmp.Diff(want, inc.Problems); d != "" {
		t.Errorf("problems (-want +got):\n%s", d)
	}
}
