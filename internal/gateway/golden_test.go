package gateway

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-sec/palisade/internal/config/strictyaml"
)

var update = flag.Bool("update", false, "rewrite testdata/errors.golden")

// errorFormat is the one format of a configuration error: file:line[:col]: [field: ]message (a
// YAML syntax error has no column).
var errorFormat = regexp.MustCompile(`^testdata/errors/[a-z0-9-]+\.yaml:[1-9][0-9]*(:[1-9][0-9]*)?: `)

// TestErrorMessagesGolden holds the full error message of every broken gateway.yaml in
// testdata/errors to testdata/errors.golden (go test -run TestErrorMessagesGolden -update
// rewrites it), and every message — each of several joined validation errors — to the one
// format, with a line.
func TestErrorMessagesGolden(t *testing.T) {
	paths, err := filepath.Glob("testdata/errors/*.yaml")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no cases in testdata/errors: %v", err)
	}
	var b strings.Builder
	for _, p := range paths {
		p = filepath.ToSlash(p)
		_, err := LoadConfig(p)
		if err == nil {
			t.Errorf("%s: no error", p)
			continue
		}
		for _, line := range strings.Split(err.Error(), "\n") {
			if !errorFormat.MatchString(line) {
				t.Errorf("%s: error not in the file:line:col: field: message format:\n%s", p, line)
			}
		}
		var se *strictyaml.Error
		if !errors.As(err, &se) {
			t.Errorf("%s: error is not a *strictyaml.Error: %#v", p, err)
		}
		fmt.Fprintf(&b, "%v\n", err)
	}
	const golden = "testdata/errors.golden"
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), b.String()); diff != "" {
		t.Errorf("error messages differ from %s (-want +got):\n%s", golden, diff)
	}
}
