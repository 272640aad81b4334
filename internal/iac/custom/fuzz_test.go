package custom

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/internal/config/strictyaml"
)

// FuzzLoad feeds arbitrary policy files through the loader and the CEL compiler: every file either
// loads policies or is refused with an error at a line of it.
func FuzzLoad(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/errors/*.yaml") // a bad pattern is the only error; it is constant
	for _, name := range append(seeds, "testdata/policies.yaml") {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("policies:\n- id: a-b\n  title: T\n  severity: low\n  expression: |\n    object.kind == 'x'\n"))
	f.Add([]byte("policies:\n- id: a-b\n  title: T\n  severity: low\n  expression: \"\\u00e9\\t+\"\n"))
	env, err := NewEnv()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ps, err := Load(env, "p.yaml", data, nil)
		if err == nil && len(ps) == 0 {
			t.Fatal("no error and no policies")
		}
		var se *strictyaml.Error
		if err == nil {
			return
		}
		if !errors.As(err, &se) || se.File != "p.yaml" {
			t.Fatalf("error without the file: %v", err)
		}
		// yaml/v3 prints no line for some syntax errors (a scanner error on line 1, an unknown
		// anchor) and strictyaml passes that on; every error of the policy loader has one.
		if se.Pos.Line <= 0 && !strings.HasPrefix(se.Err.Error(), "invalid YAML: ") {
			t.Fatalf("error without a line: %v", err)
		}
	})
}
