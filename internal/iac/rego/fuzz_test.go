package rego

import (
	"context"
	"os"
	"testing"
)

// FuzzLoad feeds arbitrary modules through the Rego parser and compiler with Palisade's
// restricted capabilities.
func FuzzLoad(f *testing.F) {
	for _, name := range []string{"testdata/k8s.rego", "testdata/labels.rego"} {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(string(b))
		}
	}
	f.Fuzz(func(t *testing.T, src string) {
		e, err := loadSource(context.Background(), map[string]string{"p.rego": src})
		if err == nil && len(e.Rules()) == 0 {
			t.Fatal("an engine without rules loaded")
		}
	})
}
