package taint

import "testing"

// FuzzParse: the parsers of user-declared sources and sinks (palisade.yaml) never panic, and what
// ParseFunc accepts prints back to a name it reads the same way.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"os.Getenv", "net/http.Request.FormValue", "example.com/a/b.Raw:0:go-sql-injection",
		"a.b.c.d", ".x", "x.", "/", "a/.b", "a/b.:1:go-xss", "::", "é/ü.ñ", "a.b:99999999999999999999:go-xss"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ParseSink(s)
		fn, err := ParseFunc(s)
		if err != nil {
			return
		}
		back, err := ParseFunc(fn.String())
		if err != nil || back != fn {
			t.Fatalf("ParseFunc(%q) = %+v; reparsed %+v, %v", s, fn, back, err)
		}
	})
}
