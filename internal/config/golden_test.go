package config

import (
	"flag"
	"regexp"
	"testing"

	"github.com/palisade-sec/palisade/internal/config/configtest"
)

var update = flag.Bool("update", false, "rewrite testdata/errors.golden")

// errorFormat is the one format of a configuration error: file:line[:col]: [field: ]message,
// after the operation's prefix.
var errorFormat = regexp.MustCompile(`^[a-z ]+: testdata/errors/[a-z0-9-]+\.yaml:[1-9][0-9]*(:[1-9][0-9]*)?: `)

// TestErrorMessagesGolden holds the full error message of every broken file in testdata/errors
// to testdata/errors.golden (go test -run TestErrorMessagesGolden -update rewrites it), and every
// message to the one format, with a line.
func TestErrorMessagesGolden(t *testing.T) {
	configtest.ErrorMessagesGolden(t, *update, errorFormat, func(t *testing.T, p string) error {
		_, err := Load(p, nil)
		return err
	})
}
