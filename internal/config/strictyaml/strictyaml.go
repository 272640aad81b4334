// Package strictyaml decodes one YAML document into a Go struct and refuses anything it does not
// understand: unknown keys, wrong types, duplicate keys, merge keys, several documents. Every error
// names the file, the line and column, and the dotted path of the field ("scan.fail-on",
// "ignore[2].expires"), so a user can fix a configuration without guessing.
//
// It exists because go.yaml.in/yaml/v3's own strict mode (Decoder.KnownFields) reports an unknown
// key as "field x not found in type config.scan" — the Go type, not the path the user wrote — and
// cannot report where a value came from after decoding. Here the YAML is parsed by yaml/v3 into its
// node tree and then walked against the target struct by reflection, keeping positions.
//
// Fields are matched by their `yaml:"name"` tag only; exported fields without a tag (or tagged "-")
// are never set from a document. A value type that implements encoding.TextUnmarshaler takes
// scalars through UnmarshalText; if it is also a struct it takes mappings field by field, which
// lets a list element be written either as a short string or as a mapping. A time.Duration takes
// Go's duration syntax ("30s", "1h30m"). A null value leaves the
// target unchanged, so decoding onto a struct holding defaults keeps the defaults for keys the
// document does not set.
package strictyaml

import (
	"bytes"
	"encoding"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Pos is a 1-based line and column in a YAML document.
type Pos struct {
	Line   int
	Column int
}

// Fields maps the dotted path of every value a document set ("scan.formats[1].output") to where
// it was written, so later validation can point at the line that caused a problem.
type Fields map[string]Pos

// Nearest returns where field was written or, for a field the document does not set, where its
// closest enclosing value was ("routes[2]" for a missing "routes[2].allow"), so an error about a
// missing key still points at the right entry. With no enclosing value it returns line 1, column 1.
func (f Fields) Nearest(field string) Pos {
	for field != "" {
		if p, ok := f[field]; ok {
			return p
		}
		i := strings.LastIndexAny(field, ".[")
		if i < 0 {
			break
		}
		field = field[:i]
	}
	return Pos{Line: 1, Column: 1}
}

// Error is a decoding error at one place in one file.
type Error struct {
	File  string
	Pos   Pos
	Field string // dotted path; empty for errors about the document as a whole
	Err   error
}

// Error formats the error as "file:line:col: field: message", leaving out the parts that are unknown.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Pos.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Pos.Line)
		if e.Pos.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Pos.Column)
		}
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// maxNodes bounds the work one document can cause. Aliases are followed, so without a bound a
// small file of nested aliases ("billion laughs") could expand into billions of values.
const maxNodes = 100_000

// maxDepth bounds nesting, which also stops alias cycles.
const maxDepth = 64

// Decode parses data, named name in errors, as at most one YAML document and decodes it into v,
// which must be a non-nil pointer to a struct. An empty document leaves v unchanged. It returns the
// position of every value it set.
func Decode(name string, data []byte, v any) (Fields, error) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("strictyaml: decode %s: target must be a non-nil pointer to a struct, got %T", name, v)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return Fields{}, nil
		}
		return nil, syntaxError(name, err)
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == nil:
		return nil, &Error{File: name, Pos: pos(&extra), Err: errors.New("a second YAML document; the file must hold exactly one")}
	case !errors.Is(err, io.EOF):
		return nil, syntaxError(name, err)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return Fields{}, nil
		}
		root = root.Content[0]
	}
	d := &decoder{file: name, fields: Fields{}}
	if err := d.value(root, rv.Elem(), "", 0); err != nil {
		return nil, err
	}
	return d.fields, nil
}

// syntaxError turns a yaml/v3 parse error into an Error at the line ErrorLine finds.
func syntaxError(name string, err error) error {
	line, msg, _ := ErrorLine(err)
	return &Error{File: name, Pos: Pos{Line: line}, Err: fmt.Errorf("invalid YAML: %s", msg)}
}

// ErrorLine returns the 1-based line a go.yaml.in/yaml/v3 error is about and its message without
// yaml/v3's "yaml: " and "line N: " prefixes (text an error wrapping it put in front is kept); ok
// is false, and line 0, when the error is about no line. Every package reading YAML with yaml/v3
// uses it, because yaml/v3 does not print one kind of line:
//
//   - errors found while scanning tokens ("found character that cannot start any token") and
//     type errors ("line 4: cannot unmarshal !!seq into string") carry the 1-based line;
//   - errors found while parsing the token stream ("did not find expected key") carry the 0-based
//     line, one line early, which ErrorLine corrects;
//   - either kind of syntax error on the first line carries no line at all, and ErrorLine gives
//     it line 1;
//   - errors about no place in the text — an alias to an unknown anchor, excessive aliasing,
//     invalid UTF-8 (yaml/v3 reports its byte offset, not its line) — carry no line and get none,
//     rather than a made-up line 1.
//
// Which message is which comes from yaml/v3's parserc.go and scannerc.go (parserMessages,
// scannerMessages); a message in neither list is never given a line it does not print.
func ErrorLine(err error) (line int, msg string, ok bool) {
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		// "yaml: unmarshal errors:\n  line 4: cannot unmarshal ...": the lines are 1-based; the
		// first error places the whole, and the message keeps every error as written.
		if n, _, found := lineOf(te.Errors[0]); found {
			return n, err.Error(), true
		}
		return 0, err.Error(), false
	}
	s := err.Error()
	head, body := yamlText(s)
	if n, rest, found := lineOf(body); found {
		line, body = n, rest
	}
	switch {
	case parserMessage(body):
		line++ // 0-based, and absent (0) for the first line
	case line == 0 && scannerMessage(body):
		line = 1 // absent for the first line
	}
	return line, head + body, line > 0
}

// yamlText splits s at the "yaml: " yaml/v3 starts its messages with: at the start of s or after
// the ": " of an error wrapping it or the line break of errors.Join, never inside a file name
// such as "c.yaml: ".
func yamlText(s string) (head, body string) {
	for i := 0; i < len(s); {
		j := strings.Index(s[i:], "yaml: ")
		if j < 0 {
			break
		}
		i += j
		if i == 0 || strings.HasSuffix(s[:i], ": ") || s[i-1] == '\n' {
			return s[:i], s[i+len("yaml: "):]
		}
		i += len("yaml: ")
	}
	return "", s
}

// lineOf splits "line N: rest" into N (positive) and rest.
func lineOf(s string) (int, string, bool) {
	num, rest, ok := strings.Cut(strings.TrimPrefix(s, "line "), ": ")
	if !ok || !strings.HasPrefix(s, "line ") {
		return 0, s, false
	}
	n, err := strconv.Atoi(num)
	if err != nil || n <= 0 {
		return 0, s, false
	}
	return n, rest, true
}

// parserMessages are the messages yaml/v3's parser (parserc.go) sets; their line is 0-based.
var parserMessages = []string{
	"did not find expected <stream-start>",
	"did not find expected <document start>",
	"did not find expected node content",
	"did not find expected '-' indicator",
	"did not find expected key",
	"did not find expected ',' or ']'",
	"did not find expected ',' or '}'",
	"found duplicate %YAML directive",
	"found duplicate %TAG directive",
	"found incompatible YAML document",
	"found undefined tag handle",
}

func parserMessage(text string) bool { return slices.Contains(parserMessages, text) }

// scannerMessages are the messages yaml/v3's scanner (scannerc.go) sets; their line is 1-based.
// "exceeded max depth of %d" is matched by its prefix.
var scannerMessages = []string{
	"block sequence entries are not allowed in this context",
	"could not find expected ':'",
	"could not find expected directive name",
	"did not find expected alphabetic or numeric character",
	"did not find expected comment or line break",
	"did not find expected digit or '.' character",
	"did not find expected hexdecimal number",
	"did not find expected version number",
	"did not find expected whitespace",
	"did not find expected whitespace or line break",
	"did not find the expected '>'",
	"exceeded max depth of ",
	"found a tab character that violates indentation",
	"found a tab character where an indentation space is expected",
	"found an indentation indicator equal to 0",
	"found character that cannot start any token",
	"found extremely long version number",
	"found invalid Unicode character escape code",
	"found unexpected document indicator",
	"found unexpected end of stream",
	"found unexpected non-alphabetical character",
	"found unknown directive name",
	"found unknown escape character",
	"mapping keys are not allowed in this context",
	"mapping values are not allowed in this context",
}

func scannerMessage(text string) bool {
	return slices.ContainsFunc(scannerMessages, func(m string) bool {
		return text == m || strings.HasSuffix(m, " ") && strings.HasPrefix(text, m)
	})
}

func pos(n *yaml.Node) Pos { return Pos{Line: n.Line, Column: n.Column} }

type decoder struct {
	file   string
	fields Fields
	nodes  int
}

func (d *decoder) errorf(n *yaml.Node, field, format string, args ...any) error {
	return &Error{File: d.file, Pos: pos(n), Field: field, Err: fmt.Errorf(format, args...)}
}

var (
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
	durationType    = reflect.TypeFor[time.Duration]()
)

// duration reads a time.Duration as Go writes one ("30s", "1h30m"). A bare number is refused
// rather than read as nanoseconds: `timeout: 30` almost always means seconds.
func (d *decoder) duration(n *yaml.Node, v reflect.Value, field string) error {
	if n.Kind != yaml.ScalarNode {
		return d.errorf(n, field, "want a duration such as 30s or 1h30m, got %s", describe(n))
	}
	t, err := time.ParseDuration(n.Value)
	if err != nil {
		if n.ShortTag() == "!!int" && n.Value != "0" {
			return d.errorf(n, field, "want a duration with a unit such as %ss, got the bare number %s", clip(n.Value), clip(n.Value))
		}
		return d.errorf(n, field, "want a duration such as 30s or 1h30m, got %s", describe(n))
	}
	v.SetInt(int64(t))
	return nil
}

func (d *decoder) value(n *yaml.Node, v reflect.Value, field string, depth int) error {
	if depth > maxDepth {
		return d.errorf(n, field, "nested more than %d levels deep", maxDepth)
	}
	d.nodes++
	if d.nodes > maxNodes {
		return d.errorf(n, field, "document too large: more than %d values (after following aliases)", maxNodes)
	}
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil {
			return d.errorf(n, field, "alias to an unknown anchor")
		}
		return d.value(n.Alias, v, field, depth+1)
	}
	if field != "" {
		d.fields[field] = pos(n)
	}
	if tag := n.ShortTag(); !strings.HasPrefix(tag, "!!") {
		// Local tags (`!env FOO`, `!include x`) mean something to some other program; taking the
		// text as is would silently drop that meaning.
		return d.errorf(n, field, "unsupported YAML tag %s", tag)
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return nil
	}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		return d.value(n, v.Elem(), field, depth)
	}
	if v.Type() == durationType {
		return d.duration(n, v, field)
	}
	if n.Kind == yaml.ScalarNode && v.CanAddr() && v.Addr().Type().Implements(textUnmarshaler) {
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(n.Value)); err != nil {
			return &Error{File: d.file, Pos: pos(n), Field: field, Err: err}
		}
		return nil
	}
	if v.Kind() != reflect.Struct && v.CanAddr() && v.Addr().Type().Implements(textUnmarshaler) {
		return d.errorf(n, field, "want a single value, got %s", describe(n))
	}
	switch v.Kind() {
	case reflect.Struct:
		return d.structure(n, v, field, depth)
	case reflect.Slice:
		return d.list(n, v, field, depth)
	case reflect.Map:
		return d.mapping(n, v, field, depth)
	default:
		return d.scalar(n, v, field)
	}
}

func (d *decoder) structure(n *yaml.Node, v reflect.Value, field string, depth int) error {
	if n.Kind != yaml.MappingNode {
		return d.errorf(n, field, "want a mapping, got %s", describe(n))
	}
	names, index := structFields(v.Type())
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		key, err := d.key(k, field, seen)
		if err != nil {
			return err
		}
		fi, ok := index[key]
		if !ok {
			return d.errorf(k, join(field, key), "unknown key %q (want one of: %s)", key, strings.Join(names, ", "))
		}
		if err := d.value(val, v.FieldByIndex(fi), join(field, key), depth+1); err != nil {
			return err
		}
	}
	return nil
}

// key reads a mapping key and rejects duplicates and merge keys.
func (d *decoder) key(k *yaml.Node, field string, seen map[string]int) (string, error) {
	if k.Kind != yaml.ScalarNode {
		return "", d.errorf(k, field, "a mapping key must be a plain string, got %s", describe(k))
	}
	if k.ShortTag() == "!!merge" {
		return "", d.errorf(k, field, "merge keys (<<) are not supported; write the keys out")
	}
	if line, dup := seen[k.Value]; dup {
		return "", d.errorf(k, join(field, k.Value), "duplicate key (first set on line %d)", line)
	}
	seen[k.Value] = k.Line
	return k.Value, nil
}

// structFields lists the yaml-tagged fields of t in declaration order and indexes them by name.
func structFields(t reflect.Type) ([]string, map[string][]int) {
	var names []string
	index := map[string][]int{}
	for _, f := range reflect.VisibleFields(t) {
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		names = append(names, name)
		index[name] = f.Index
	}
	return names, index
}

func (d *decoder) list(n *yaml.Node, v reflect.Value, field string, depth int) error {
	if n.Kind != yaml.SequenceNode {
		return d.errorf(n, field, "want a list, got %s", describe(n))
	}
	out := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		if err := d.value(item, out.Index(i), fmt.Sprintf("%s[%d]", field, i), depth+1); err != nil {
			return err
		}
	}
	v.Set(out)
	return nil
}

func (d *decoder) mapping(n *yaml.Node, v reflect.Value, field string, depth int) error {
	if v.Type().Key().Kind() != reflect.String {
		return d.errorf(n, field, "strictyaml: unsupported map key type %s", v.Type().Key())
	}
	if n.Kind != yaml.MappingNode {
		return d.errorf(n, field, "want a mapping, got %s", describe(n))
	}
	out := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, err := d.key(n.Content[i], field, seen)
		if err != nil {
			return err
		}
		elem := reflect.New(v.Type().Elem()).Elem()
		if err := d.value(n.Content[i+1], elem, join(field, key), depth+1); err != nil {
			return err
		}
		out.SetMapIndex(reflect.ValueOf(key).Convert(v.Type().Key()), elem)
	}
	v.Set(out)
	return nil
}

func (d *decoder) scalar(n *yaml.Node, v reflect.Value, field string) error {
	if n.Kind != yaml.ScalarNode {
		return d.errorf(n, field, "want %s, got %s", kindName(v.Kind()), describe(n))
	}
	tag := n.ShortTag()
	switch v.Kind() {
	case reflect.String:
		// Any scalar is accepted as a string: users quote inconsistently, and `owner: 1234` or
		// `fingerprint: 1e5` mean the text written, which is what n.Value holds.
		v.SetString(n.Value)
		return nil
	case reflect.Bool:
		if tag != "!!bool" {
			return d.errorf(n, field, "want true or false, got %s", describe(n))
		}
		b, err := strconv.ParseBool(strings.ToLower(n.Value))
		if err != nil {
			return d.errorf(n, field, "want true or false, got %q", n.Value)
		}
		v.SetBool(b)
		return nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if tag != "!!int" {
			return d.errorf(n, field, "want an integer, got %s", describe(n))
		}
		i, err := strconv.ParseInt(n.Value, 0, v.Type().Bits())
		if err != nil {
			return d.errorf(n, field, "integer %q out of range", n.Value)
		}
		v.SetInt(i)
		return nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if tag != "!!int" {
			return d.errorf(n, field, "want a non-negative integer, got %s", describe(n))
		}
		u, err := strconv.ParseUint(n.Value, 0, v.Type().Bits())
		if err != nil {
			return d.errorf(n, field, "want a non-negative integer that fits in %d bits, got %q", v.Type().Bits(), n.Value)
		}
		v.SetUint(u)
		return nil
	case reflect.Float32, reflect.Float64:
		if tag != "!!float" && tag != "!!int" {
			return d.errorf(n, field, "want a number, got %s", describe(n))
		}
		f, err := strconv.ParseFloat(n.Value, v.Type().Bits())
		if err != nil {
			return d.errorf(n, field, "want a number, got %q", n.Value)
		}
		v.SetFloat(f)
		return nil
	}
	return d.errorf(n, field, "strictyaml: unsupported field type %s", v.Type())
}

func join(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// describe names what a node is, in the words of the YAML a user wrote.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	switch n.ShortTag() {
	case "!!str":
		return fmt.Sprintf("the string %q", clip(n.Value))
	case "!!int":
		return fmt.Sprintf("the integer %s", clip(n.Value))
	case "!!float":
		return fmt.Sprintf("the number %s", clip(n.Value))
	case "!!bool":
		return fmt.Sprintf("the boolean %s", n.Value)
	case "!!null":
		return "null"
	case "!!timestamp":
		return fmt.Sprintf("the timestamp %s", clip(n.Value))
	}
	return fmt.Sprintf("a %s value", n.ShortTag())
}

// clip keeps error messages short: a value of the wrong type is shown so the user can find it, but
// a long one (a pasted token in the wrong place) is cut to a prefix so an error never carries it whole.
func clip(s string) string {
	const limit = 24
	if r := []rune(s); len(r) > limit {
		return fmt.Sprintf("%s… (%d characters)", string(r[:8]), len(r))
	}
	return s
}

func kindName(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Float32, reflect.Float64:
		return "a number"
	default:
		return "an integer"
	}
}
