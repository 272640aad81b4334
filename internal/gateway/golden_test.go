package gateway

import (
	"errors"
	"flag"
	"regexp"
	"testing"

	"github.com/palisade-sec/palisade/internal/config/configtest"
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
	configtest.ErrorMessagesGolden(t, *update, errorFormat, func(t *testing.T, p string) error {
		_, err := LoadConfig(p)
		var se *strictyaml.Error
		if err != nil && !errors.As(err, &se) {
			t.Errorf("%s: error is not a *strictyaml.Error: %#v", p, err)
		}
		return err
	})
}
