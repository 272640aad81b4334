package inventory

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"

	"github.com/palisade-sec/palisade/internal/jsonpos"
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
// encoding/json can still name the line of each entry. It scans bytes without building tokens,
// so it costs little beside the decode; it assumes the document is valid JSON (decodeJSON checks
// that first) and on anything else returns some map without failing, except for nesting deeper
// than maxNesting.
func jsonLines(data []byte) (map[pathKey]int, error) {
	type frame struct {
		obj     bool
		wantKey bool
		idx     int
		key     pathKey // of the container itself
		cur     pathKey // of the member whose key was read last (objects)
	}
	var stack []frame
	out := make(map[pathKey]int)
	line := 1
	for i := 0; i < len(data); {
		switch c := data[i]; c {
		case '\n':
			line++
			i++
		case '{', '[':
			here := rootKey
			if n := len(stack); n > 0 {
				if top := stack[n-1]; top.obj {
					here = top.cur
				} else {
					here = top.key.child(strconv.Itoa(top.idx))
				}
			}
			if len(stack) >= maxNesting {
				return nil, &lineError{line: line, err: fmt.Errorf("nested deeper than %d levels", maxNesting)}
			}
			out[here] = line
			stack = append(stack, frame{obj: c == '{', wantKey: true, key: here})
			i++
		case '}', ']':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			i++
		case ',':
			if n := len(stack); n > 0 {
				if stack[n-1].obj {
					stack[n-1].wantKey = true
				} else {
					stack[n-1].idx++
				}
			}
			i++
		case '"':
			end, escaped := jsonStringEnd(data, i)
			if n := len(stack); n > 0 && stack[n-1].obj && stack[n-1].wantKey {
				key := ""
				if end-1 > i { // an unterminated string at the very end has no closing quote
					key = string(data[i+1 : end-1])
				}
				if escaped {
					_ = json.Unmarshal(data[i:end], &key) // valid JSON: the string decodes
				}
				stack[n-1].cur = stack[n-1].key.child(key)
				stack[n-1].wantKey = false
			}
			i = end
		default: // whitespace, ':', numbers, true, false, null
			i++
		}
	}
	return out, nil
}

// jsonStringEnd returns the offset just past the string starting with the quote at data[start],
// and whether it holds escapes. An unterminated string ends the data.
func jsonStringEnd(data []byte, start int) (int, bool) {
	escaped := false
	for i := start + 1; i < len(data); i++ {
		switch data[i] {
		case '\\':
			escaped = true
			i++
		case '"':
			return i + 1, escaped
		}
	}
	return len(data), escaped
}

// jsonErr turns an encoding/json error into one naming the line.
func jsonErr(data []byte, err error) error {
	p, _ := jsonpos.Of(data, err)
	line := max(p.Line, 1)
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return &lineError{line: line, err: fmt.Errorf("field %s: cannot use JSON %s as %s", te.Field, te.Value, te.Type)}
	}
	return &lineError{line: line, err: err}
}

// decodeJSON unmarshals data into v and indexes its lines, failing with the line of the fault.
func decodeJSON(data []byte, v any) (map[pathKey]int, error) {
	if err := json.Unmarshal(data, v); err != nil {
		return nil, jsonErr(data, err)
	}
	return jsonLines(data)
}
