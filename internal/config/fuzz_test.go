package config

import (
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/internal/finding"
)

func FuzzParse(f *testing.F) {
	f.Add([]byte(fullConfig))
	f.Add([]byte(""))
	f.Add([]byte("scan:\n  formats: [table, sarif:out.sarif, {format: json, output: r.json}]\n"))
	f.Add([]byte("scan:\n  max-file-size: 1.5GiB\n  fail-on: CRITICAL\n"))
	f.Add([]byte("a: &a {b: *a}\n"))
	f.Add([]byte("scan: &s {scanners: [x]}\nsecret: *s\n"))
	f.Add([]byte("scan:\n  <<: {fail-on: low}\n"))
	f.Add([]byte("---\n---\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.yaml", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "config: fuzz.yaml") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if c.Scan.MaxFileSize <= 0 {
			t.Fatalf("accepted max-file-size %d", c.Scan.MaxFileSize)
		}
		if c.Scan.FailOn < finding.SeverityInfo || c.Scan.FailOn > finding.SeverityCritical {
			t.Fatalf("accepted fail-on %v", c.Scan.FailOn)
		}
		if len(c.Scan.Formats) == 0 {
			t.Fatal("accepted no formats")
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("valid config fails validation again: %v", err)
		}
		// Every key set from the file points back into it.
		for _, k := range Keys() {
			if o := c.Origin(k.Path); o.Kind == FromFile && (o.File != "fuzz.yaml" || o.Line <= 0) {
				t.Fatalf("origin of %s = %+v", k.Path, o)
			}
		}
	})
}

func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"10MiB", "1.5 GB", "0", "9223372036854775807", "1e9", "10m"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseSize(s)
		if err != nil {
			return
		}
		if v < 0 {
			t.Fatalf("ParseSize(%q) = %d", s, v)
		}
		back, err := ParseSize(v.String())
		if err != nil || back != v {
			t.Fatalf("round trip %q -> %d -> %q -> %d, %v", s, v, v.String(), back, err)
		}
	})
}
