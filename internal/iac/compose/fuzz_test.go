package compose

import (
	"context"
	"testing"
)

// FuzzParse feeds arbitrary bytes through the Compose parser and every check.
func FuzzParse(f *testing.F) {
	for _, c := range Builtin() {
		for _, s := range append(c.Fail, c.Pass...) {
			f.Add([]byte(s))
		}
	}
	checks := Builtin()
	f.Fuzz(func(t *testing.T, data []byte) {
		p, _ := Parse("compose.yaml", data)
		if p == nil {
			return
		}
		if _, problems, err := Evaluate(context.Background(), checks, p); err != nil || len(problems) > 0 {
			t.Fatal(err, problems) // a check that panics is a bug even when the scan survives it
		}
	})
}
