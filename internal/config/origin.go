package config

import (
	"fmt"
	"strings"
)

// OriginKind says which layer of the precedence order set a value.
type OriginKind int

// The layers, lowest precedence first.
const (
	FromDefault OriginKind = iota
	FromFile
	FromEnv
	FromFlag
)

// Origin is where a configuration value came from, so an error can send the user to it.
type Origin struct {
	Kind         OriginKind
	File         string // FromFile
	Line, Column int    // FromFile
	Name         string // the variable (FromEnv) or flag (FromFlag), e.g. "PALISADE_SCAN_FAIL_ON", "--fail-on"
}

// EnvOrigin is the origin of a value read from the environment variable name.
func EnvOrigin(name string) Origin { return Origin{Kind: FromEnv, Name: name} }

// FlagOrigin is the origin of a value given by the command-line flag name ("--fail-on").
func FlagOrigin(name string) Origin { return Origin{Kind: FromFlag, Name: name} }

// String names the origin as an error prefix: "palisade.yaml:4:12", "environment variable
// PALISADE_SCAN_FAIL_ON", "flag --fail-on", "default".
func (o Origin) String() string {
	switch o.Kind {
	case FromFile:
		s := o.File
		if o.Line > 0 {
			s += fmt.Sprintf(":%d", o.Line)
			if o.Column > 0 {
				s += fmt.Sprintf(":%d", o.Column)
			}
		}
		return s
	case FromEnv:
		return "environment variable " + o.Name
	case FromFlag:
		return "flag " + o.Name
	}
	return "default"
}

// Origin returns where field (a dotted path such as "scan.fail-on" or "scan.formats[1]") got its
// value. A list element, or a key of one, with no origin of its own takes the list's, so an
// element set through an environment variable points at that variable.
func (c *Config) Origin(field string) Origin {
	for field != "" {
		if o, ok := c.origins[field]; ok {
			return o
		}
		i := strings.LastIndexAny(field, ".[")
		if i < 0 {
			break
		}
		parent := field[:i]
		if field[i] == '.' && !strings.HasSuffix(parent, "]") {
			// A key of a section the file opened but did not set keeps its default.
			break
		}
		field = parent
	}
	return Origin{}
}

// Error is a bad configuration value, located by its origin and field.
type Error struct {
	Origin Origin
	Field  string
	Err    error
}

// Error formats as "origin: field: message".
func (e *Error) Error() string {
	return fmt.Sprintf("%s: %s: %v", e.Origin, e.Field, e.Err)
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// FieldError locates err at field, for checks made outside this package (the CLI knows the
// scanner and format names): `cfg.FieldError("scan.scanners[1]", err)` reads
// "palisade.yaml:3:22: scan.scanners[1]: …".
func (c *Config) FieldError(field string, err error) error {
	return fmt.Errorf("config: %w", &Error{Origin: c.Origin(field), Field: field, Err: err})
}
