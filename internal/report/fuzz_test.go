package report

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// seedFiles adds the golden reports of the given extension to the fuzz corpus.
func seedFiles(f *testing.F, pattern string) {
	f.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", pattern))
	if err != nil || len(paths) == 0 {
		f.Fatalf("no seed files match testdata/%s", pattern)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// FuzzReadJSON feeds arbitrary bytes to ReadJSON. It must never panic, and whatever it accepts
// must survive a write/read cycle unchanged: a baseline read from a report and written again
// is the same baseline.
func FuzzReadJSON(f *testing.F) {
	// Small seeds keep minimisation of new inputs quick; the big golden reports add little.
	seedFiles(f, "empty.json")
	for _, s := range []string{
		`{"schemaVersion":"1.0.0","findings":[]}`,
		`{"schemaVersion":"1.0.0","tool":{"name":"p","version":"1"},"target":"t","scanners":["secret"],"rules":[{"id":"r","title":"T","severity":"high","cwe":["CWE-798"]}],"findings":[{"ruleId":"r","title":"T","severity":"high","confidence":"high","fingerprint":"f","scanner":"secret","properties":{"k":"v"},"location":{"path":"a b.go","startLine":3,"startColumn":2,"endLine":3,"endColumn":9,"snippet":"x = \"AKIA*****\""}}],"stats":{"filesScanned":1,"bytesScanned":10,"skippedBy":{"binary":1}},"skipped":[{"path":"x.png","reason":"binary"}],"problems":[{"path":"c.yaml","line":2,"scanner":"iac","message":"bad"}]}`,
		`{"schemaVersion":"1.9.9","findings":[{"ruleId":"r","severity":"low","confidence":"unknown","fingerprint":"x","location":{"path":"a","commit":{"hash":"abcdef0","date":"2020-01-01T00:00:00Z"}},"suppression":{"kind":"baseline","reason":""}}]}`,
		`{"schemaVersion":"2.0.0"}`,
		`{"schemaVersion":"1.0.0","findings":[],"stats":{"skippedBy":{"binary":-1}}}`,
		`{"schemaVersion":"1.0.0","findings":[],"started":"2026-11-23T07:00:00+14:00"}`,
		`{"schemaVersion":"1.0.0","findings":[{"ruleId":"r\u001b[2J","severity":"high","fingerprint":"f","location":{"path":"p\u0007","snippet":"a\u001b]0;x\u0007\r\n\tb"}}],"problems":[{"message":"m\u0000"}]}`,
		`[`, ``, `null`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		run, err := ReadJSON(bytes.NewReader(data))
		if err != nil {
			return
		}
		var first bytes.Buffer
		if err := (JSON{}).Write(&first, run); err != nil {
			t.Fatalf("accepted report does not write back: %v", err)
		}
		again, err := ReadJSON(bytes.NewReader(first.Bytes()))
		if err != nil {
			t.Fatalf("written report does not read back: %v\n%s", err, first.Bytes())
		}
		var second bytes.Buffer
		if err := (JSON{}).Write(&second, again); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first.Bytes(), second.Bytes()) {
			t.Fatalf("write/read/write is not stable:\n%s\n---\n%s", first.Bytes(), second.Bytes())
		}
		// Every other writer must render whatever ReadJSON accepts, and the table must never
		// pass a control character from the input through to the terminal.
		for _, format := range Formats() {
			w, _ := New(format, Options{})
			var out bytes.Buffer
			if err := w.Write(&out, again); err != nil {
				t.Errorf("%s writer fails on an accepted report: %v", format, err)
			}
			if format == "table" {
				for _, b := range out.Bytes() {
					if b < 0x20 && b != '\n' {
						t.Fatalf("table output holds control byte %#x:\n%q", b, out.Bytes())
					}
				}
			}
		}
	})
}

// FuzzReadSARIFFingerprints feeds arbitrary bytes to ReadSARIFFingerprints. It must never
// panic, and what it returns is sorted, unique and free of empty strings.
func FuzzReadSARIFFingerprints(f *testing.F) {
	seedFiles(f, "empty.sarif")
	for _, s := range []string{
		`{"version":"2.1.0","runs":[{"results":[{"partialFingerprints":{"palisade/v1":"a"}},{"partialFingerprints":{"palisade/v1":"a"}}]}]}`,
		`{"version":"2.1.0","runs":[{"results":[{"ruleId":"x"}]}]}`,
		`{"version":"2.1.0","runs":null}`,
		`{"version":"2.1.0","runs":[{}]}`,
		`{"$schema":"x","version":"2.1.0","runs":[{"tool":{"driver":{"name":"palisade"}},"results":[{"ruleId":"r","ruleIndex":0,"partialFingerprints":{"palisade/v1":"0123456789abcdef0123456789abcdef"},"suppressions":[{"kind":"external","status":"accepted"}]}]}]}`,
		`{"version":"2.0.0"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fps, err := ReadSARIFFingerprints(bytes.NewReader(data))
		if err != nil {
			return
		}
		if !slices.IsSorted(fps) || len(slices.Compact(slices.Clone(fps))) != len(fps) {
			t.Errorf("fingerprints not sorted and unique: %q", fps)
		}
		if slices.Contains(fps, "") {
			t.Errorf("empty fingerprint returned: %q", fps)
		}
	})
}
