package imageconfig

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzCheck feeds arbitrary bytes through the config decoder, the history reader, the model and
// every image check. The seeds are the real and written configs of testdata and one per history
// shape.
func FuzzCheck(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, by := range []string{
		"/bin/sh -c #(nop)  ENV A=b", "RUN |2 A=1 B=2 /bin/sh -c x", "EXPOSE map[22/tcp:{}]", "cmd /S /C #(nop)  USER x",
		"ADD https://a in /b", `HEALTHCHECK &{["NONE"]}`, "|-1 x", "|9999999999999999999 a", "LABEL =", "ENV ",
	} {
		f.Add([]byte(`{"config":{"ExposedPorts":{"2000-2400/tcp":{}}},"history":[{"created_by":` + strings.ReplaceAll(quote(by), "\n", "") + `}]}`))
	}
	opts := Options{AllowedBases: []string{"alpine", "gcr.io"}, Path: "img"}
	f.Fuzz(func(t *testing.T, data []byte) {
		fs, problems, err := Check(context.Background(), data, opts)
		if err != nil {
			if fs != nil || !strings.HasPrefix(err.Error(), "parse image config: ") {
				t.Fatalf("error %v with %d findings", err, len(fs))
			}
			return
		}
		for _, p := range problems {
			if strings.Contains(p.Message, "failed (not checked)") {
				t.Fatal(p.Message) // a check that panics is a bug even when the scan survives it
			}
		}
		for _, f := range fs {
			if f.Location.Path == "" || !strings.HasPrefix(f.Location.Path, "img/") {
				t.Fatalf("finding %s without a place: %+v", f.RuleID, f.Location)
			}
		}
	})
}

func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		if r == '"' || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}
