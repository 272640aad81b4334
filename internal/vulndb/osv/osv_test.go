package osv

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func readFixture(t *testing.T, eco, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "osv", eco, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseRealRecords(t *testing.T) {
	t.Run("go stdlib with imports", func(t *testing.T) {
		v, err := Parse("GO-2024-2687.json", readFixture(t, "Go", "GO-2024-2687.json"))
		if err != nil {
			t.Fatal(err)
		}
		if v.ID != "GO-2024-2687" || !slices(v.Aliases, "CVE-2023-45288", "GHSA-4v7x-pqxf-cx7m") {
			t.Errorf("id/aliases = %s %v", v.ID, v.Aliases)
		}
		std := v.Affected[0]
		if std.Package != (Package{Ecosystem: "Go", Name: "stdlib"}) {
			t.Errorf("package = %+v", std.Package)
		}
		want := []Event{{Introduced: "0"}, {Fixed: "1.21.9"}, {Introduced: "1.22.0-0"}, {Fixed: "1.22.2"}}
		if diff := cmp.Diff(want, std.Ranges[0].Events); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
		imps, err := std.GoImports()
		if err != nil {
			t.Fatal(err)
		}
		if len(imps) == 0 || imps[0].Path != "net/http" || len(imps[0].Symbols) == 0 {
			t.Errorf("imports = %+v", imps)
		}
		if v.IsWithdrawn() {
			t.Error("not withdrawn")
		}
	})
	t.Run("rustsec withdrawn", func(t *testing.T) {
		v, err := Parse("RUSTSEC-2019-0031.json", readFixture(t, "crates.io", "RUSTSEC-2019-0031.json"))
		if err != nil {
			t.Fatal(err)
		}
		if !v.IsWithdrawn() {
			t.Error("RUSTSEC-2019-0031 is withdrawn")
		}
	})
	t.Run("pypi last_affected and versions", func(t *testing.T) {
		v, err := Parse("PYSEC-2022-42969.json", readFixture(t, "PyPI", "PYSEC-2022-42969.json"))
		if err != nil {
			t.Fatal(err)
		}
		a := v.Affected[0]
		if a.Ranges[0].Type != RangeEcosystem || a.Ranges[0].Events[1] != (Event{LastAffected: "1.11.0"}) {
			t.Errorf("range = %+v", a.Ranges[0])
		}
		if len(a.Versions) < 10 || a.Versions[len(a.Versions)-1] != "1.11.0" {
			t.Errorf("versions = %v", a.Versions)
		}
		if v.Published.Year() != 2022 {
			t.Errorf("published = %v", v.Published)
		}
	})
}

func slices(got []string, want ...string) bool { return cmp.Equal(got, want) }

const minimal = `{"id":"X-1","modified":"2024-01-02T03:04:05Z","affected":[{"package":{"ecosystem":"npm","name":"a"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.0.0"}]}]}]}`

func TestParseMinimal(t *testing.T) {
	v, err := Parse("x.json", []byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	if !v.Modified.Equal(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Errorf("modified = %v", v.Modified)
	}
}

func TestParseErrorsNameFileAndField(t *testing.T) {
	for _, tc := range []struct {
		name, doc, field, msg string
	}{
		{"not json", `{"id":`, "", "line 1"},
		{"missing id", `{"modified":"2024-01-02T03:04:05Z"}`, "id", "missing"},
		{"missing modified", `{"id":"X-1"}`, "modified", "missing"},
		{"bad time", `{"id":"X-1","modified":"yesterday"}`, "modified", "RFC 3339"},
		{"bad withdrawn", `{"id":"X-1","modified":"2024-01-02T03:04:05Z","withdrawn":"x"}`, "withdrawn", "RFC 3339"},
		{"wrong type", `{"id":"X-1","modified":"2024-01-02T03:04:05Z","aliases":"CVE-1"}`, "aliases", "want []string"},
		{"unknown range type", strings.Replace(minimal, "SEMVER", "DATE", 1), "affected[0].ranges[0].type", "unknown range type"},
		{"two keys in event", strings.Replace(minimal, `{"introduced":"0"}`, `{"introduced":"0","fixed":"1"}`, 1), "affected[0].ranges[0].events[0]", "exactly one"},
		{"empty event", strings.Replace(minimal, `{"introduced":"0"}`, `{}`, 1), "affected[0].ranges[0].events[0]", "exactly one"},
		{"empty version", strings.Replace(minimal, `{"introduced":"0"}`, `{"introduced":""}`, 1), "affected[0].ranges[0].events[0]", "empty version"},
		{"event not object", strings.Replace(minimal, `{"introduced":"0"}`, `"0"`, 1), "affected[0].ranges[0].events[0]", "object"},
		{"no events", strings.Replace(minimal, `[{"introduced":"0"},{"fixed":"1.0.0"}]`, `[]`, 1), "affected[0].ranges[0].events", "at least one"},
		{"git without repo", strings.Replace(minimal, "SEMVER", "GIT", 1), "affected[0].ranges[0].repo", "required"},
		{"package without name", strings.Replace(minimal, `"name":"a"`, `"name":""`, 1), "affected[0].package", "required"},
		{"severity without score", `{"id":"X-1","modified":"2024-01-02T03:04:05Z","severity":[{"type":"CVSS_V3"}]}`, "severity[0]", "required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("dir/REC-1.json", []byte(tc.doc))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want a *ParseError", err)
			}
			if pe.File != "dir/REC-1.json" || pe.Field != tc.field {
				t.Errorf("file, field = %q, %q; want dir/REC-1.json, %q", pe.File, pe.Field, tc.field)
			}
			if !strings.Contains(err.Error(), tc.msg) || !strings.Contains(err.Error(), "dir/REC-1.json") {
				t.Errorf("error %q does not name the file and say %q", err, tc.msg)
			}
		})
	}
}

func TestParseKeepsExtensions(t *testing.T) {
	doc := strings.Replace(minimal, `{"introduced":"0"}`, `{"introduced":"0","x_note":"vendor extension"}`, 1)
	if _, err := Parse("x.json", []byte(doc)); err != nil {
		t.Errorf("an unknown event key must be ignored, got %v", err)
	}
}
