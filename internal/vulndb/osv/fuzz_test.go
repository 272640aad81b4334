package osv

import (
	"os"
	"path/filepath"
	"testing"
)

func FuzzParse(f *testing.F) {
	f.Add([]byte(minimal))
	f.Add([]byte(`{"id":"X","modified":"2024-01-02T03:04:05Z","withdrawn":"2024-01-03T00:00:00Z"}`))
	f.Add([]byte(`{"id":"X","modified":"0001-01-01T00:00:00Z","affected":[{"ranges":[{"type":"GIT","repo":"r","events":[{"limit":"abc"}]}],"ecosystem_specific":{"imports":[{"path":"p"}]}}]}`))
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "osv", "*", "*.json"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Parse("fuzz.json", data)
		if err != nil {
			if v != nil {
				t.Fatal("a record and an error")
			}
			return
		}
		if v.ID == "" {
			t.Fatal("accepted a record without an id")
		}
		for _, a := range v.Affected {
			_, _ = a.GoImports()
			for _, r := range a.Ranges {
				for _, e := range r.Events {
					n := 0
					for _, s := range []string{e.Introduced, e.Fixed, e.LastAffected, e.Limit} {
						if s != "" {
							n++
						}
					}
					if n != 1 {
						t.Fatalf("event %+v does not hold exactly one version", e)
					}
				}
			}
		}
	})
}
