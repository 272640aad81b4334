package dockerfile

import (
	"context"
	"testing"
)

// FuzzParse feeds arbitrary Dockerfiles through BuildKit's parser, the model and every check.
func FuzzParse(f *testing.F) {
	checks := Builtin(Config{AllowedBaseImages: []string{"x"}})
	for _, c := range checks {
		for _, s := range append(c.Fail, c.Pass...) {
			f.Add([]byte(s))
		}
	}
	f.Add([]byte("# escape=`\nFROM a\nRUN <<EOF\necho hi\nEOF\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		df, err := Parse("Dockerfile", data)
		if err != nil {
			return
		}
		if _, problems, err := Evaluate(context.Background(), checks, df); err != nil || len(problems) > 0 {
			t.Fatal(err, problems) // a check that panics is a bug even when the scan survives it
		}
	})
}
