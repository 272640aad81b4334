package secret

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/scan"
)

// FuzzAnalyzeFile runs the whole analyzer on arbitrary bytes: it must not panic, locations must
// be inside the input, snippets valid UTF-8 and JSON-encodable, and no snippet may hold a
// reported secret in clear.
func FuzzAnalyzeFile(f *testing.F) {
	for _, r := range Builtin() {
		for _, ex := range r.Examples.True {
			f.Add([]byte(ex), false)
		}
	}
	f.Add([]byte("\xff\xfe"+ghToken+"\n\x00"), true)
	f.Add([]byte(base64.StdEncoding.EncodeToString([]byte("t="+ghToken))), false)
	f.Add([]byte("password: \"\"\npassword=\npassword: 'a"), true)
	a := New(Options{})
	det := a.det
	f.Fuzz(func(t *testing.T, content []byte, code bool) {
		path := "f.txt"
		if code {
			path = "f.go"
		}
		fs, err := a.AnalyzeFile(context.Background(), &scan.File{Path: path, Content: content})
		var inc *scan.Incomplete
		if err != nil && !errors.As(err, &inc) { // an exhausted decoding budget is a problem, not a failure
			t.Fatal(err)
		}
		lines := bytes.Count(content, []byte{'\n'}) + 1
		for _, fd := range fs {
			l := fd.Location
			if l.StartLine < 1 || l.EndLine < l.StartLine || l.EndLine > lines || l.StartColumn < 1 || l.EndColumn < 1 {
				t.Errorf("location out of range: %+v (input has %d lines)", l, lines)
			}
			if !utf8.ValidString(l.Snippet) {
				t.Errorf("snippet not UTF-8: %q", l.Snippet)
			}
			if _, err := json.Marshal(fd); err != nil {
				t.Errorf("marshal: %v", err)
			}
		}
		ms, err := det.detect(context.Background(), content, code)
		if err != nil {
			t.Fatal(err)
		}
		for i, m := range ms {
			if m.start < 0 || m.end > len(content) || m.start >= m.end || m.at > m.start || m.to < m.end && m.decoded == "" {
				t.Fatalf("match %d has bad spans: %+v (len %d)", i, m, len(content))
			}
			if len(m.secret) >= 12 && m.decoded == "" {
				if s := snippet(content, ms, i); strings.Contains(s, string(m.secret)) {
					t.Errorf("snippet %q contains the secret", s)
				}
			}
		}
	})
}

// FuzzDecode checks the encoded-run finder and decoders on arbitrary bytes: runs lie inside the
// input, do not overlap, and decode to text.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(base64.StdEncoding.EncodeToString([]byte("hello token=" + ghToken))))
	f.Add([]byte(base64.RawURLEncoding.EncodeToString([]byte("a-b_c?d>e~f"))))
	f.Add([]byte("x=" + hex.EncodeToString([]byte("some hex encoded text here"))))
	f.Add([]byte("u=%70%61%73%73word%3Dabc%26x%3D1 %zz %4"))
	f.Add([]byte("====AAAA==" + strings.Repeat("A", 30) + "="))
	classes := byteClasses()
	f.Fuzz(func(t *testing.T, b []byte) {
		last := 0
		encodedRuns(b, &classes, func(r encodedRun) bool {
			if r.start < last || r.end > len(b) || r.start >= r.end {
				t.Fatalf("run [%d,%d) out of order or range (len %d, last %d)", r.start, r.end, len(b), last)
			}
			if !printable(r.text) {
				t.Fatalf("decoded run is not text: %q", r.text)
			}
			last = r.end
			return true
		})
		percentRuns(b, func(r encodedRun) bool {
			if r.start < 0 || r.end > len(b) || r.start >= r.end || !bytes.Contains(b[r.start:r.end], []byte{'%'}) {
				t.Fatalf("percent run [%d,%d) invalid (len %d)", r.start, r.end, len(b))
			}
			if !printable(r.text) {
				t.Fatalf("decoded run is not text: %q", r.text)
			}
			return true
		})
		if out := decodeBase64(b); out != nil && !printable(out) {
			t.Fatalf("decodeBase64 returned non-text")
		}
	})
}

// FuzzStream streams arbitrary bytes, as text or binary, in chunks of a fuzzed size with a token
// planted at a fuzzed offset: the token must be found exactly once and at its line, no finding
// may be reported twice from overlapping chunks, and every location must lie inside the input.
func FuzzStream(f *testing.F) {
	f.Add([]byte("a\nb\nc"), uint16(3), uint16(1), false)
	f.Add([]byte(strings.Repeat("x", 700)), uint16(64), uint16(650), false)
	f.Add([]byte("\x00\x01abcdefgh\x00password=hunter2hunter2\n"), uint16(5), uint16(2), true)
	f.Add([]byte(strings.Repeat("é\n", 300)), uint16(97), uint16(401), false)
	f.Add([]byte("-----BEGIN RSA PRIVATE KEY-----\n"), uint16(1), uint16(0), false)
	a := New(Options{})
	f.Fuzz(func(t *testing.T, content []byte, chunk, at uint16, binary bool) {
		if len(content) > 8<<10 {
			return
		}
		off := int(at) % (len(content) + 1)
		plant := "\ntoken " + ghToken + "\n"
		doc := slices.Concat(content[:off], []byte(plant), content[off:])
		want := bytes.Count(doc[:off], []byte{'\n'}) + 2
		z := streamSizes{chunk: 1 + int(chunk)%512, before: 300, after: 2000}
		fs, err := a.stream(context.Background(), &scan.Stream{Path: "f.txt", R: bytes.NewReader(doc), Binary: binary}, z)
		var inc *scan.Incomplete
		if err != nil && !errors.As(err, &inc) {
			t.Fatal(err)
		}
		lines := bytes.Count(doc, []byte{'\n'}) + 1
		seen := map[[3]int]string{}
		found := 0
		for _, fd := range fs {
			l := fd.Location
			if l.StartLine < 1 || l.EndLine < l.StartLine || l.EndLine > lines || l.StartColumn < 1 || l.EndColumn < 1 {
				t.Errorf("location out of range: %+v (input has %d lines)", l, lines)
			}
			k := [3]int{l.StartLine, l.StartColumn, len(fd.RuleID)}
			if prev, dup := seen[k]; dup && prev == fd.RuleID {
				t.Errorf("finding reported twice: %s at %d:%d", fd.RuleID, l.StartLine, l.StartColumn)
			}
			seen[k] = fd.RuleID
			if fd.Fingerprint == finding.Fingerprint(fd.RuleID, "f.txt", ghToken) && l.StartLine == want {
				found++
			}
		}
		if found != 1 {
			t.Errorf("planted token found %d times at line %d; findings: %+v", found, want, fs)
		}
	})
}

// FuzzUTF16View checks the UTF-16LE run finder: every character of the view maps back to the
// same byte of the input, followed by a zero byte, and offsets map in order.
func FuzzUTF16View(f *testing.F) {
	f.Add([]byte("a\x00b\x00c\x00d\x00e\x00f\x00"))
	f.Add([]byte("\x00a\x00b\x00c\x00d\x00e\x00f\x00g"))
	f.Add([]byte("t\x00o\x00k\x00e\x00n\x00\n\x00x\x00\xff"))
	f.Fuzz(func(t *testing.T, src []byte) {
		text, runs := utf16View(src)
		separator := map[int]bool{}
		for _, r := range runs {
			separator[r.textAt+r.n] = true
		}
		prev := -1
		for k := range text {
			o := runs.origOf(k)
			if o < prev || o > len(src) {
				t.Fatalf("origOf(%d) = %d out of order or range (prev %d, len %d)", k, o, prev, len(src))
			}
			prev = o
			if separator[k] {
				if text[k] != '\n' {
					t.Fatalf("view byte %d ends a run but is %q, not a newline", k, text[k])
				}
				continue
			}
			if o+1 >= len(src) || src[o] != text[k] || src[o+1] != 0 {
				t.Fatalf("view byte %d (%q) maps to %d, which is not that character in UTF-16LE", k, text[k], o)
			}
		}
	})
}
