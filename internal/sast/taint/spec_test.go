package taint

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestBuiltinTables: class IDs are unique, every sink reports under a known class, and every
// table entry names a function ParseFunc reads back to itself.
func TestBuiltinTables(t *testing.T) {
	ids := map[string]bool{}
	for _, c := range Classes() {
		if ids[c.RuleID] || c.CWE == "" || c.Title == "" || c.Remediation == "" {
			t.Errorf("class %+v: duplicate or incomplete", c)
		}
		ids[c.RuleID] = true
	}
	if len(ids) > 32 {
		t.Errorf("%d classes do not fit the 32-bit clean mask", len(ids))
	}
	var funcs []Func
	for _, s := range builtinSinks() {
		if !ids[s.class] {
			t.Errorf("sink %s: unknown class %q", s.f, s.class)
		}
		funcs = append(funcs, s.f)
	}
	for _, s := range builtinSources {
		funcs = append(funcs, s.f)
	}
	for _, s := range builtinSanitizers {
		funcs = append(funcs, s.f)
		for _, c := range s.classes {
			if !ids[c] {
				t.Errorf("sanitizer %s: unknown class %q", s.f, c)
			}
		}
	}
	for _, f := range funcs {
		back, err := ParseFunc(f.String())
		if err != nil || back != f {
			t.Errorf("ParseFunc(%q) = %+v, %v", f.String(), back, err)
		}
	}
}

func TestParseSink(t *testing.T) {
	tests := []struct {
		in      string
		want    UserSink
		wantErr bool
	}{
		{in: "example.com/app/db.Raw:0:go-sql-injection", want: UserSink{Func{"example.com/app/db", "", "Raw"}, 0, SQLInjection}},
		{in: "example.com/app/db.Store.Exec:1:go-sql-injection", want: UserSink{Func{"example.com/app/db", "Store", "Exec"}, 1, SQLInjection}},
		{in: "example.com/app/db.Raw:x:go-sql-injection", wantErr: true},
		{in: "example.com/app/db.Raw:-1:go-sql-injection", wantErr: true},
		{in: "example.com/app/db.Raw:0:go-nothing", wantErr: true},
		{in: "example.com/app/db.Raw", wantErr: true},
		{in: "nodot:0:go-sql-injection", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseSink(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if d := cmp.Diff(tc.want, got); !tc.wantErr && d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}
