package custom

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

// errorFormat is the one format of a configuration error: file:line:col: [field: ]message, after
// the operation's prefix.
var errorFormat = regexp.MustCompile(`^load policies: testdata/errors/[a-z0-9-]+\.yaml:[1-9][0-9]*(:[1-9][0-9]*)?: `)

// TestErrorMessagesGolden holds the full error message of every broken policy file in
// testdata/errors to testdata/errors.golden (go test -run TestErrorMessagesGolden -update
// rewrites it), every message to the one format with a line, and every error to a
// *strictyaml.Error a caller can inspect.
func TestErrorMessagesGolden(t *testing.T) {
	paths, err := filepath.Glob("testdata/errors/*.yaml")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no cases in testdata/errors: %v", err)
	}
	env, err := NewEnv()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, p := range paths {
		p = filepath.ToSlash(p)
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Load(env, p, data, []string{"k8s-privileged-container"})
		if err == nil {
			t.Errorf("%s: no error", p)
			continue
		}
		if !errorFormat.MatchString(err.Error()) {
			t.Errorf("%s: error not in the file:line:col: field: message format:\n%v", p, err)
		}
		if se := (*strictyaml.Error)(nil); !errors.As(err, &se) || se.Pos.Line == 0 {
			t.Errorf("%s: not a located *strictyaml.Error: %v", p, err)
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
