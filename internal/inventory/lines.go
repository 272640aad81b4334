package inventory

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
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

// maxNesting bounds how deeply a lockfile may nest arrays and objects. Real lockfiles nest a few
// dozen levels at most; refusing deeper input keeps hostile files from exhausting the stack or
// memory of a parser (encoding/json stops at 10000 on its own; TOML parsers do not).
const maxNesting = 1000

// pathKey identifies a position in a JSON document by a hash of the keys and indices leading to
// it. Hashing keeps the index linear in the document's size whatever its keys and depth (joining
// the path strings would be quadratic on hostile input); a collision could only cost a line number.
type pathKey uint64

// child is the key of the value under seg (an object key or an array index) of the value at k.
func (k pathKey) child(seg string) pathKey {
	h := uint64(k)
	for i := 0; i < len(seg); i++ {
		h ^= uint64(seg[i])
		h *= 1099511628211 // FNV-1a
	}
	h ^= 0xff // separator, so ("ab","c") and ("a","bc") differ
	h *= 1099511628211
	return pathKey(h)
}

// rootKey is the key of the document's top-level value.
const rootKey pathKey = 14695981039346656037

// jsonPath is the key of the value reached by the given keys and array indices (as decimal).
func jsonPath(parts ...string) pathKey {
	k := rootKey
	for _, p := range parts {
		k = k.child(p)
	}
	return k
}

// jsonLines returns the line of every object and array in a JSON document, keyed by jsonPath of
// the keys and indices that lead to it, so an extractor that decoded the document with
// encoding/json can still name the line of each entry. It fails where the document is not JSON,
// or nests deeper than maxNesting, with the line of the fault.
func jsonLines(data []byte) (map[pathKey]int, error) {
	li := newLineIndex(data)
	dec := json.NewDecoder(bytes.NewReader(data))
	type frame struct {
		obj     bool
		wantKey bool
		idx     int
		key     pathKey // of the container itself
		cur     pathKey // of the value being read inside it
	}
	var stack []frame
	out := make(map[pathKey]int)
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
	}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			if len(stack) > 0 {
				return nil, &lineError{line: li.line(int64(len(data))), err: errors.New("unexpected end of JSON input")}
			}
			return out, nil
		}
		if err != nil {
			return nil, jsonErr(data, li, dec.InputOffset(), err)
		}
		here := rootKey
		if n := len(stack); n > 0 {
			top := &stack[n-1]
			d, isDelim := tok.(json.Delim)
			switch {
			case !top.obj && !(isDelim && d == ']'):
				top.cur = top.key.child(strconv.Itoa(top.idx))
			case top.obj && top.wantKey:
				if s, ok := tok.(string); ok {
					top.wantKey = false
					top.cur = top.key.child(s)
					continue
				}
			}
			here = top.cur
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				if len(stack) >= maxNesting {
					return nil, &lineError{line: li.line(dec.InputOffset()), err: fmt.Errorf("nested deeper than %d levels", maxNesting)}
				}
				out[here] = li.line(dec.InputOffset() - 1)
				stack = append(stack, frame{obj: d == '{', wantKey: true, key: here})
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
func decodeJSON(data []byte, v any) (map[pathKey]int, error) {
	lines, err := jsonLines(data)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return nil, jsonErr(data, newLineIndex(data), 0, err)
	}
	return lines, nil
}
