package custom

import (
	"os"
	"testing"
)

// FuzzLoad feeds arbitrary policy files through the loader and the CEL compiler.
func FuzzLoad(f *testing.F) {
	for _, name := range []string{"testdata/policies.yaml", "testdata/bad-expression.yaml"} {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("policies:\n- id: a-b\n  title: T\n  severity: low\n  expression: |\n    object.kind == 'x'\n"))
	env, err := NewEnv()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ps, err := Load(env, "p.yaml", data, nil)
		if err == nil && len(ps) == 0 {
			t.Fatal("no error and no policies")
		}
	})
}
