package strictyaml

import (
	"errors"
	"testing"
)

func FuzzDecode(f *testing.F) {
	f.Add([]byte("name: svc\non: true\ncount: 0x10\nsmall: 255\nratio: 1.5\nlevel: high\ntags: [a, b]\nlabels: {team: x}\ninner: {a: x}\nitems:\n  - &i {a: one, b: 1}\n  - *i\n"))
	f.Add([]byte("? [a]\n: x\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte("inner:\n  <<: {a: x}\n"))
	f.Add([]byte("name: !env X\n---\nname: y\n"))
	f.Add([]byte("items: [{a: 1, b: 99999999999999999999}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var v target
		fields, err := Decode("fuzz.yaml", data, &v)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.File != "fuzz.yaml" {
				t.Fatalf("error is not a located *Error: %v", err)
			}
			return
		}
		for field, p := range fields {
			if field == "" || p.Line <= 0 || p.Column <= 0 {
				t.Fatalf("field %q at %+v", field, p)
			}
		}
	})
}
