package dockerfile

import (
	"context"
	"testing"
)

// FuzzParse feeds arbitrary Dockerfiles through BuildKit's parser, the model and every check.
func FuzzParse(f *testing.F) {
	for _, c := range Builtin() {
		for _, s := range append(c.Fail, c.Pass...) {
			f.Add([]byte(s))
		}
	}
	f.Add([]byte("# escape=`\nFROM a\nRUN <<EOF\necho hi\nEOF\n"))
	checks := Builtin()
	f.Fuzz(func(t *testing.T, data []byte) {
		df, err := Parse("Dockerfile", data)
		if err != nil {
			return
		}
		if _, err := Evaluate(context.Background(), checks, df, &Config{AllowedBaseImages: []string{"x"}}); err != nil {
			t.Fatal(err)
		}
	})
}
