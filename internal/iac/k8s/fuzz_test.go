package k8s

import (
	"context"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary bytes through the manifest parser and every check: neither may panic,
// and every finding must point inside the file.
func FuzzParse(f *testing.F) {
	f.Add([]byte(multiDoc))
	for _, c := range Builtin() {
		for _, s := range append(c.Fail, c.Pass...) {
			f.Add([]byte(s))
		}
	}
	f.Add([]byte("apiVersion: v1\nkind: List\nitems:\n- &a {apiVersion: v1, kind: Pod, spec: *a}\n"))
	checks := Builtin()
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, _ := Parse("f.yaml", data)
		fs, problems, err := Evaluate(context.Background(), checks, rs, "f.yaml")
		if err != nil || len(problems) > 0 {
			t.Fatal(err, problems) // a check that panics is a bug even when the scan survives it
		}
		// YAML breaks lines at LF, CR, CRLF, NEL, LS and PS.
		text := strings.ReplaceAll(string(data), "\r\n", "\n")
		lines := 1 + strings.Count(text, "\n") + strings.Count(text, "\r") + strings.Count(text, "\u0085") +
			strings.Count(text, "\u2028") + strings.Count(text, "\u2029")
		for _, x := range fs {
			if x.Location.StartLine < 1 || x.Location.StartLine > lines {
				t.Fatalf("%s: line %d outside 1..%d", x.RuleID, x.Location.StartLine, lines)
			}
		}
	})
}
