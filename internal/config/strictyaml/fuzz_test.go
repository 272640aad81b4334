package strictyaml

import (
	"errors"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
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

// FuzzErrorLine holds ErrorLine to lines inside the document, and its message lists to every
// message yaml/v3 prints a line for: a message missing from both lists would lose its line 1.
func FuzzErrorLine(f *testing.F) {
	for _, s := range []string{"\"", "a: 1\nb: [x\n", "- a\nb: 1\n", "a: !x!y 1", "%YAML 1.1\n%YAML 1.1\n", "a: *x\n",
		"a: 1\n\tb: 2\n", "a: |0\n", "a: \"\\q\"\n", "%FOO\n", "a: 1\n\xff\n", "{a: 1\n", "? a\n? b\n- c\n", "%YAML 1.1", "\"0\r\r"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var n yaml.Node
		err := yaml.Unmarshal(data, &n)
		if err == nil {
			return
		}
		line, msg, ok := ErrorLine(err)
		// At the end of input yaml/v3 moves its mark to a new line, so an error found there can
		// name the line after the last one even without a final line break.
		lines := yamlLines(data)
		if ok != (line > 0) || line < 0 || line > lines+1 {
			t.Fatalf("ErrorLine(%q) = %d, %q, %v for a document of %d lines", err, line, msg, ok, lines)
		}
		if _, printed, found := lineOf(strings.TrimPrefix(err.Error(), "yaml: ")); found && !parserMessage(printed) && !scannerMessage(printed) {
			t.Fatalf("yaml/v3 printed a line for %q, a message in neither parserMessages nor scannerMessages", printed)
		}
	})
}

// yamlLines counts lines as YAML does: CR, LF, CR LF, NEL, LS and PS each end one.
func yamlLines(data []byte) int {
	s := strings.ReplaceAll(string(data), "\r\n", "\n")
	return 1 + strings.Count(s, "\n") + strings.Count(s, "\r") + strings.Count(s, "\u0085") + strings.Count(s, "\u2028") + strings.Count(s, "\u2029")
}
