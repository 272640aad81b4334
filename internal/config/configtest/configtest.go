// Package configtest holds what every configuration loader's tests share: the golden test of
// its error messages, so that palisade.yaml, .palisadeignore.yaml, gateway.yaml and policy files
// are all held to the one error format the same way.
package configtest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Golden is where a package keeps its error messages, beside the broken files in ErrorCases.
const (
	Golden     = "testdata/errors.golden"
	ErrorCases = "testdata/errors/*.yaml"
)

// ErrorMessagesGolden loads every broken file in ErrorCases with load, requires an error from
// each whose every line matches format (the one file:line[:col]: field: message format, after
// the loader's own prefix), and holds the messages to Golden; update rewrites Golden first.
// load may report further expectations about the error with t.
func ErrorMessagesGolden(t *testing.T, update bool, format *regexp.Regexp, load func(t *testing.T, path string) error) {
	t.Helper()
	paths, err := filepath.Glob(ErrorCases)
	if err != nil || len(paths) == 0 {
		t.Fatalf("no cases in %s: %v", ErrorCases, err)
	}
	var b strings.Builder
	for _, p := range paths {
		p = filepath.ToSlash(p)
		err := load(t, p)
		if err == nil {
			t.Errorf("%s: no error", p)
			continue
		}
		for _, line := range strings.Split(err.Error(), "\n") {
			if !format.MatchString(line) {
				t.Errorf("%s: error not in the file:line:col: field: message format:\n%s", p, line)
			}
		}
		fmt.Fprintf(&b, "%v\n", err)
	}
	if update {
		if err := os.WriteFile(Golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(Golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), b.String()); diff != "" {
		t.Errorf("error messages differ from %s (-want +got):\n%s", Golden, diff)
	}
}
