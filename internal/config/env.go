package config

import (
	"encoding"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// EnvPrefix starts every environment variable the configuration reads.
const EnvPrefix = "PALISADE_"

// Key is one settable configuration value.
type Key struct {
	// Path is the dotted YAML path, e.g. "scan.fail-on".
	Path string
	// Env is the environment variable that sets it, e.g. "PALISADE_SCAN_FAIL_ON".
	Env string
	// List is true when the value is a list; from the environment and flags it is comma-separated.
	List bool
}

// Keys lists every settable value in declaration order: what the environment is read for, what Set
// accepts, and what the documentation must describe.
func Keys() []Key {
	var keys []Key
	collectKeys(reflect.TypeFor[Config](), "", &keys)
	return keys
}

func collectKeys(t reflect.Type, prefix string, keys *[]Key) {
	for _, f := range reflect.VisibleFields(t) {
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || name == "" || name == "-" {
			continue
		}
		path := name
		if prefix != "" {
			path = prefix + "." + name
		}
		if f.Type.Kind() == reflect.Struct && !isText(f.Type) {
			collectKeys(f.Type, path, keys)
			continue
		}
		*keys = append(*keys, Key{Path: path, Env: envName(path), List: f.Type.Kind() == reflect.Slice})
	}
}

// envName turns "scan.max-file-size" into "PALISADE_SCAN_MAX_FILE_SIZE".
func envName(path string) string {
	return EnvPrefix + strings.ToUpper(strings.NewReplacer(".", "_", "-", "_").Replace(path))
}

// ApplyEnv overlays every variable env reports as set. A variable set to the empty string sets an
// empty value (an empty list, an empty path) rather than being ignored, so an environment can turn
// a file's setting off; for booleans, numbers and severities it is an error.
func (c *Config) ApplyEnv(env func(string) (string, bool)) error {
	for _, k := range Keys() {
		if v, ok := env(k.Env); ok {
			if err := c.Set(k.Path, v, EnvOrigin(k.Env)); err != nil {
				return err
			}
		}
	}
	return nil
}

// Set sets the value at the dotted key (see Keys) from its string form, as the environment and
// flags give it: lists are comma-separated, booleans are true/false/1/0, sizes and severities are
// written as in the file. The CLI calls it for each flag the user set explicitly, then Validate.
func (c *Config) Set(key, value string, origin Origin) error {
	v, err := fieldByPath(reflect.ValueOf(c).Elem(), key)
	if err != nil {
		return fmt.Errorf("config: %w", &Error{Origin: origin, Field: key, Err: err})
	}
	if err := setString(v, value); err != nil {
		return fmt.Errorf("config: %w", &Error{Origin: origin, Field: key, Err: err})
	}
	// The new value replaces the old one whole, including any list elements' file positions.
	for f := range c.origins {
		if strings.HasPrefix(f, key+"[") || strings.HasPrefix(f, key+".") {
			delete(c.origins, f)
		}
	}
	c.setOrigin(key, origin)
	return nil
}

// fieldByPath finds the settable field at a dotted path of yaml names.
func fieldByPath(v reflect.Value, path string) (reflect.Value, error) {
	for _, name := range strings.Split(path, ".") {
		if v.Kind() != reflect.Struct || isText(v.Type()) {
			return reflect.Value{}, fmt.Errorf("unknown key")
		}
		found := false
		for _, f := range reflect.VisibleFields(v.Type()) {
			tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if f.IsExported() && tag == name {
				v, found = v.FieldByIndex(f.Index), true
				break
			}
		}
		if !found {
			return reflect.Value{}, fmt.Errorf("unknown key")
		}
	}
	if v.Kind() == reflect.Struct && !isText(v.Type()) {
		return reflect.Value{}, fmt.Errorf("is a section; set one of its keys")
	}
	return v, nil
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

func isText(t reflect.Type) bool { return reflect.PointerTo(t).Implements(textUnmarshaler) }

// setString parses s into v according to v's type.
func setString(v reflect.Value, s string) error {
	if isText(v.Type()) {
		return v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s))
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("want true or false, got %q", s)
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		i, err := strconv.ParseInt(strings.TrimSpace(s), 10, v.Type().Bits())
		if err != nil {
			return fmt.Errorf("want an integer, got %q", s)
		}
		v.SetInt(i)
	case reflect.Slice:
		var parts []string
		if strings.TrimSpace(s) != "" {
			parts = strings.Split(s, ",")
		}
		out := reflect.MakeSlice(v.Type(), len(parts), len(parts))
		for i, p := range parts {
			if err := setString(out.Index(i), strings.TrimSpace(p)); err != nil {
				return fmt.Errorf("item %d: %w", i+1, err)
			}
		}
		v.Set(out)
	default:
		return fmt.Errorf("cannot be set from text (type %s)", v.Type())
	}
	return nil
}
