package custom

import (
	"errors"
	"flag"
	"os"
	"regexp"
	"testing"

	"github.com/palisade-sec/palisade/internal/config/configtest"
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
	env, err := NewEnv()
	if err != nil {
		t.Fatal(err)
	}
	configtest.ErrorMessagesGolden(t, *update, errorFormat, func(t *testing.T, p string) error {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Load(env, p, data, []string{"k8s-privileged-container"})
		if se := (*strictyaml.Error)(nil); err != nil && (!errors.As(err, &se) || se.Pos.Line == 0) {
			t.Errorf("%s: not a located *strictyaml.Error: %v", p, err)
		}
		return err
	})
}
