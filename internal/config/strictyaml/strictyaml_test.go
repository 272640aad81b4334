package strictyaml

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
)

type level int

func (l *level) UnmarshalText(b []byte) error {
	switch string(b) {
	case "low":
		*l = 1
	case "high":
		*l = 2
	default:
		return errors.New("want low or high")
	}
	return nil
}

type target struct {
	Name    string            `yaml:"name"`
	On      bool              `yaml:"on"`
	Count   int               `yaml:"count"`
	Small   uint8             `yaml:"small"`
	Ratio   float64           `yaml:"ratio"`
	Level   level             `yaml:"level"`
	Tags    []string          `yaml:"tags"`
	Labels  map[string]string `yaml:"labels"`
	Inner   *inner            `yaml:"inner"`
	Items   []inner           `yaml:"items"`
	Ignored string            `yaml:"-"`
	NoTag   string
}

type inner struct {
	A string `yaml:"a"`
	B int    `yaml:"b"`
}

func TestDecode(t *testing.T) {
	src := `name: svc
on: true
count: 0x10
small: 255
ratio: 1.5
level: high
tags: [a, b]
labels: {team: payments}
inner: {a: x}
items:
  - a: one
    b: 1
  - &two {a: two, b: 2}
  - *two
`
	got := target{Name: "default", NoTag: "kept"}
	fields, err := Decode("t.yaml", []byte(src), &got)
	if err != nil {
		t.Fatal(err)
	}
	want := target{Name: "svc", On: true, Count: 16, Small: 255, Ratio: 1.5, Level: 2, Tags: []string{"a", "b"},
		Labels: map[string]string{"team": "payments"}, Inner: &inner{A: "x"},
		Items: []inner{{"one", 1}, {"two", 2}, {"two", 2}}, NoTag: "kept"}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(target{})); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for field, p := range map[string]Pos{"name": {1, 7}, "tags[1]": {7, 11}, "items[1].b": {13, 22}, "labels.team": {8, 16}} {
		if fields[field] != p {
			t.Errorf("fields[%q] = %v, want %v", field, fields[field], p)
		}
	}
}

func TestDecodeNullKeepsDefault(t *testing.T) {
	got := target{Name: "default", Tags: []string{"x"}}
	if _, err := Decode("t.yaml", []byte("name:\ntags: ~\n"), &got); err != nil {
		t.Fatal(err)
	}
	if got.Name != "default" || len(got.Tags) != 1 {
		t.Errorf("null overwrote defaults: %+v", got)
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"unknown key", "nmae: x\n", `t.yaml:1:1: nmae: unknown key "nmae" (want one of: name, on, count, small, ratio, level, tags, labels, inner, items)`},
		{"untagged field is not a key", "NoTag: x\n", `t.yaml:1:1: NoTag: unknown key`},
		{"dash field is not a key", "Ignored: x\n", `t.yaml:1:1: Ignored: unknown key`},
		{"nested unknown", "items:\n  - a: x\n    c: 1\n", `t.yaml:3:5: items[0].c: unknown key "c" (want one of: a, b)`},
		{"bool", "on: 1\n", `t.yaml:1:5: on: want true or false, got the integer 1`},
		{"int from string", "count: ten\n", `t.yaml:1:8: count: want an integer, got the string "ten"`},
		{"int from float", "count: 1.5\n", `t.yaml:1:8: count: want an integer, got the number 1.5`},
		{"uint overflow", "small: 256\n", `t.yaml:1:8: small: want a non-negative integer that fits in 8 bits, got "256"`},
		{"int overflow", "count: 9223372036854775808\n", `t.yaml:1:8: count: integer "9223372036854775808" out of range`},
		{"float from string", "ratio: half\n", `t.yaml:1:8: ratio: want a number, got the string "half"`},
		{"text unmarshaler", "level: medium\n", `t.yaml:1:8: level: want low or high`},
		{"text unmarshaler from list", "level: [low]\n", `t.yaml:1:8: level: want a single value, got a list`},
		{"string from list", "name: [a]\n", `t.yaml:1:7: name: want a string, got a list`},
		{"list from mapping", "tags: {a: b}\n", `t.yaml:1:7: tags: want a list, got a mapping`},
		{"map from list", "labels: [a]\n", `t.yaml:1:9: labels: want a mapping, got a list`},
		{"struct from scalar", "inner: x\n", `t.yaml:1:8: inner: want a mapping, got the string "x"`},
		{"duplicate", "name: a\nname: b\n", `t.yaml:2:1: name: duplicate key (first set on line 1)`},
		{"duplicate in map", "labels: {a: 1, a: 2}\n", `t.yaml:1:16: labels.a: duplicate key (first set on line 1)`},
		{"merge", "inner:\n  <<: {a: x}\n", `t.yaml:2:3: inner: merge keys (<<) are not supported`},
		{"non-scalar key", "? [a]\n: x\n", `t.yaml:1:3: a mapping key must be a plain string, got a list`},
		{"top level list", "- a\n", `t.yaml:1:1: want a mapping, got a list`},
		{"local tag", "name: !env NAME\n", `t.yaml:1:7: name: unsupported YAML tag !env`},
		{"two documents", "name: a\n---\nname: b\n", `t.yaml:2:1: a second YAML document`},
		{"syntax", "name: 'a\n", `t.yaml:2: invalid YAML: found unexpected end of stream`},
		{"long value clipped", "on: " + strings.Repeat("x", 100) + "\n", `t.yaml:1:5: on: want true or false, got the string "xxxxxxxx… (100 characters)"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got target
			_, err := Decode("t.yaml", []byte(tc.src), &got)
			if err == nil {
				t.Fatalf("want error %q", tc.want)
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error\n  %v\nwant prefix\n  %s", err, tc.want)
			}
			var e *Error
			if !errors.As(err, &e) || e.File != "t.yaml" {
				t.Errorf("error %T does not unwrap to *Error with the file", err)
			}
		})
	}
}

type bombNode struct {
	L []bombNode `yaml:"l"`
}

type bomb struct {
	A0 bombNode `yaml:"a0"`
	A1 bombNode `yaml:"a1"`
	A2 bombNode `yaml:"a2"`
	A3 bombNode `yaml:"a3"`
	A4 bombNode `yaml:"a4"`
	A5 bombNode `yaml:"a5"`
	A6 bombNode `yaml:"a6"`
	A7 bombNode `yaml:"a7"`
	A8 bombNode `yaml:"a8"`
}

// Nested aliases ("billion laughs": 10^8 values from a few hundred bytes) must hit the value
// budget instead of expanding.
func TestDecodeAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("a0: &a0 {l: []}\n")
	for i := 1; i < 9; i++ {
		refs := strings.TrimSuffix(strings.Repeat("*a"+strconv.Itoa(i-1)+", ", 10), ", ")
		b.WriteString("a" + strconv.Itoa(i) + ": &a" + strconv.Itoa(i) + " {l: [" + refs + "]}\n")
	}
	var got bomb
	_, err := Decode("bomb.yaml", []byte(b.String()), &got)
	if err == nil || !strings.Contains(err.Error(), "document too large") {
		t.Fatalf("err = %v, want the value budget to stop the expansion", err)
	}
}

func TestDecodeTarget(t *testing.T) {
	var s string
	if _, err := Decode("t.yaml", []byte("a: 1"), &s); err == nil {
		t.Error("want an error for a non-struct target")
	}
	if _, err := Decode("t.yaml", []byte("a: 1"), target{}); err == nil {
		t.Error("want an error for a non-pointer target")
	}
}

// TestSyntaxErrorLine holds the line of every kind of yaml/v3 syntax error to the line a reader
// would point at: the problem, or the start of the construct left open. yaml/v3 prints parser
// errors one line early and prints none for the first line.
func TestSyntaxErrorLine(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want string
	}{
		{"unexpected item in a mapping", "a: 1\nb: 2\n- c\n", `t.yaml:3: invalid YAML: did not find expected key`},
		{"bad indentation", "a:\n  b: 1\n c: 2\n", `t.yaml:3: invalid YAML: did not find expected key`},
		{"unclosed flow sequence", "a: 1\nb: 2\nc: [1, 2\nd: 4\n", `t.yaml:3: invalid YAML: did not find expected ',' or ']'`},
		{"unclosed flow mapping", "a: 1\n\nb: {x\n", `t.yaml:3: invalid YAML: did not find expected ',' or '}'`},
		{"unclosed flow sequence at the end", "[1, 2\n", `t.yaml:2: invalid YAML: did not find expected ',' or ']'`},
		{"sequence item after a mapping", "- a\nb: 1\n", `t.yaml:2: invalid YAML: did not find expected '-' indicator`},
		{"parser error on line 1", "a: !x!y 1\n", `t.yaml:1: invalid YAML: found undefined tag handle`},
		{"duplicate directive", "%YAML 1.1\n%YAML 1.1\n---\na: 1\n", `t.yaml:2: invalid YAML: found duplicate %YAML directive`},
		{"bad character", "a: 1\nb: 2\nc: @x\n", `t.yaml:3: invalid YAML: found character that cannot start any token`},
		{"value on a key line", "a: 1\nb: 2\n  c: 3\n", `t.yaml:3: invalid YAML: mapping values are not allowed in this context`},
		{"unterminated quote", "a: 1\nb: 2\nc: 'x\n", `t.yaml:3: invalid YAML: found unexpected end of stream`},
		{"scanner error on line 1", "\"", `t.yaml:1: invalid YAML: found unexpected end of stream`},
		{"bad character on line 1", "@x\n", `t.yaml:1: invalid YAML: found character that cannot start any token`},
		// Errors about no place in the text get no line rather than a made-up line 1.
		{"unknown anchor", "a: 1\nb: *nope\n", `t.yaml: invalid YAML: unknown anchor 'nope' referenced`},
		{"control character", "a: 1\nb: \x01\n", `t.yaml: invalid YAML: control characters are not allowed`},
		{"invalid UTF-8", "a: 1\nb: \xff\n", `t.yaml: invalid YAML: invalid leading UTF-8 octet`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v struct {
				A any `yaml:"a"`
			}
			_, err := Decode("t.yaml", []byte(tt.doc), &v)
			if err == nil {
				t.Fatal("no error")
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

// TestErrorLine holds ErrorLine to the line and message of every shape of yaml/v3 error the
// packages reading YAML pass it: plain, wrapped, joined, type errors and their single entries.
func TestErrorLine(t *testing.T) {
	unmarshal := func(src string) error {
		var v struct {
			A string `yaml:"a"`
		}
		return yaml.Unmarshal([]byte(src), &v)
	}
	tests := []struct {
		name     string
		err      error
		wantLine int
		wantMsg  string
		wantOK   bool
	}{
		{"scanner error", unmarshal("a: 1\n\tb: 2\n"), 2, "found a tab character that violates indentation", true},
		{"parser error is 0-based in yaml/v3", unmarshal("a: 1\nb: 2\nc: [x\nd: e\n"), 3, "did not find expected ',' or ']'", true},
		{"parser error on line 1 has no line in yaml/v3", unmarshal("a: !x!y 1\n"), 1, "found undefined tag handle", true},
		{"scanner error on line 1 has no line in yaml/v3", unmarshal("\""), 1, "found unexpected end of stream", true},
		{"scanner error with a formatted message", unmarshal(strings.Repeat("[", 10001)), 1, "exceeded max depth of 10000", true},
		{"wrapped", fmt.Errorf("parse compose file c.yaml: %w", unmarshal("a: 1\nb: 2\n- c\n")), 3, "parse compose file c.yaml: did not find expected key", true},
		{"joined", errors.Join(errors.New("other"), unmarshal("a: 1\n@\n")), 2, "other\nfound character that cannot start any token", true},
		{"type error", unmarshal("x: 1\na: [1]\n"), 2, "yaml: unmarshal errors:\n  line 2: cannot unmarshal !!seq into string", true},
		{"joined type error", errors.Join(errors.New("other"), fmt.Errorf("service web: %w", unmarshal("a: [1]\n"))), 1, "other\nservice web: yaml: unmarshal errors:\n  line 1: cannot unmarshal !!seq into string", true},
		{"one entry of a type error", errors.New("line 4: cannot unmarshal !!seq into string"), 4, "cannot unmarshal !!seq into string", true},
		{"unknown anchor", unmarshal("a: *nope\n"), 0, "unknown anchor 'nope' referenced", false},
		{"control character", unmarshal("a: 1\nb: \x01\n"), 0, "control characters are not allowed", false},
		{"not a line number", errors.New("yaml: line x: found character that cannot start any token"), 0, "line x: found character that cannot start any token", false},
		{"line 0", errors.New("yaml: line 0: mapping values are not allowed in this context"), 0, "line 0: mapping values are not allowed in this context", false},
		{"not from yaml", errors.New("permission denied"), 0, "permission denied", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line, msg, ok := ErrorLine(tt.err)
			if line != tt.wantLine || msg != tt.wantMsg || ok != tt.wantOK {
				t.Errorf("ErrorLine(%q) = %d, %q, %v; want %d, %q, %v", tt.err, line, msg, ok, tt.wantLine, tt.wantMsg, tt.wantOK)
			}
		})
	}
}

// TestDuration holds time.Duration fields to Go's duration syntax, so a file such as gateway.yaml
// can use them without a decoder of its own.
func TestDuration(t *testing.T) {
	type doc struct {
		Timeout time.Duration   `yaml:"timeout"`
		Each    []time.Duration `yaml:"each"`
	}
	tests := []struct {
		name, yaml string
		want       doc
		wantErr    string
	}{
		{"go syntax", "timeout: 1h30m\neach: [30s, 0, 250ms]\n", doc{Timeout: 90 * time.Minute, Each: []time.Duration{30 * time.Second, 0, 250 * time.Millisecond}}, ""},
		{"bare number", "timeout: 30\n", doc{}, `t.yaml:1:10: timeout: want a duration with a unit such as 30s, got the bare number 30`},
		{"not a duration", "timeout: soon\n", doc{}, `t.yaml:1:10: timeout: want a duration such as 30s or 1h30m, got the string "soon"`},
		{"a list", "timeout: [1s]\n", doc{}, `t.yaml:1:10: timeout: want a duration such as 30s or 1h30m, got a list`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got doc
			_, err := Decode("t.yaml", []byte(tt.yaml), &got)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestFieldsNearest(t *testing.T) {
	fields := Fields{"routes": {2, 1}, "routes[1]": {5, 5}, "routes[1].allow": {7, 12}, "mode": {1, 7}}
	tests := []struct {
		field string
		want  Pos
	}{
		{"routes[1].allow", Pos{7, 12}},
		{"routes[1].upstream", Pos{5, 5}},
		{"routes[3].name", Pos{2, 1}},
		{"mode", Pos{1, 7}},
		{"admin.listen", Pos{1, 1}},
		{"", Pos{1, 1}},
	}
	for _, tt := range tests {
		if got := fields.Nearest(tt.field); got != tt.want {
			t.Errorf("Nearest(%q) = %v, want %v", tt.field, got, tt.want)
		}
	}
}
