package inventory

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// lineIndex maps byte offsets of a document to 1-based line numbers.
type lineIndex []int

func newLineIndex(data []byte) lineIndex {
	var nl lineIndex
	for i, b := range data {
		if b == '\n' {
			nl = append(nl, i)
		}
	}
	return nl
}

// line returns the 1-based line holding byte offset off.
func (l lineIndex) line(off int64) int {
	return sort.Search(len(l), func(i int) bool { return int64(l[i]) >= off }) + 1
}

// jsonPath joins the keys and array indices leading to a JSON value into a key of jsonLines' map.
func jsonPath(parts ...string) string { return strings.Join(parts, "\x00") }

// jsonLines returns the line of every object and array in a JSON document, keyed by jsonPath of
// the keys and indices that lead to it, so an extractor that decoded the document with
// encoding/json can still name the line of each entry. It fails where the document is not JSON,
// with the line of the fault.
func jsonLines(data []byte) (map[string]int, error) {
	li := newLineIndex(data)
	dec := json.NewDecoder(bytes.NewReader(data))
	type frame struct {
		obj     bool
		wantKey bool
		idx     int
	}
	var stack []frame
	var path []string
	out := make(map[string]int)
	valueDone := func() {
		if len(stack) == 0 {
			return
		}
		top := &stack[len(stack)-1]
		if top.obj {
			top.wantKey = true
		} else {
			top.idx++
		}
		path = path[:len(path)-1]
	}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, jsonErr(data, li, dec.InputOffset(), err)
		}
		if n := len(stack); n > 0 {
			top := &stack[n-1]
			if d, ok := tok.(json.Delim); !top.obj && !(ok && d == ']') {
				path = append(path, strconv.Itoa(top.idx))
			} else if s, ok := tok.(string); ok && top.obj && top.wantKey {
				top.wantKey = false
				path = append(path, s)
				continue
			}
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				out[jsonPath(path...)] = li.line(dec.InputOffset() - 1)
				stack = append(stack, frame{obj: d == '{', wantKey: true})
				continue
			}
			stack = stack[:len(stack)-1]
		}
		valueDone()
	}
}

// jsonErr turns an encoding/json error into one naming the line.
func jsonErr(data []byte, li lineIndex, off int64, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off = se.Offset
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		off = te.Offset
		return &lineError{line: li.line(off), err: fmt.Errorf("field %s: cannot use JSON %s as %s", te.Field, te.Value, te.Type)}
	}
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	return &lineError{line: li.line(off), err: err}
}

// decodeJSON unmarshals data into v and indexes its lines, failing with the line of the fault.
func decodeJSON(data []byte, v any) (map[string]int, error) {
	lines, err := jsonLines(data)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return nil, jsonErr(data, newLineIndex(data), 0, err)
	}
	return lines, nil
}
