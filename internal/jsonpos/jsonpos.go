// Package jsonpos says where in a document an encoding/json error is, as a 1-based line and
// column, so every reader of JSON (reports read as baselines, OSV records, lockfiles) points a
// user at the same place for the same mistake.
//
// encoding/json reports a byte count, not a position: a *json.SyntaxError's Offset counts the
// offending byte itself (it is the byte at Offset-1; at the end of the input, Offset is the
// length), and a *json.UnmarshalTypeError's Offset is just past the value of the wrong type.
// Either way the byte at Offset-1 is on the line the user must look at, and that is the byte a
// Pos names.
package jsonpos

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Pos is a 1-based line and column (counted in bytes) in a document.
type Pos struct {
	Line   int
	Column int
}

// String formats p as "line L, column C".
func (p Pos) String() string { return fmt.Sprintf("line %d, column %d", p.Line, p.Column) }

// Of returns where in data err, an error from decoding data, happened; false if err carries no
// offset.
func Of(data []byte, err error) (Pos, bool) {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return At(data, syn.Offset-1), true
	case errors.As(err, &typ):
		return At(data, typ.Offset-1), true
	}
	return Pos{}, false
}

// At returns the position of the byte at offset off in data (a json.Decoder's InputOffset, say),
// clamped to the document.
func At(data []byte, off int64) Pos {
	off = min(max(off, 0), int64(len(data)))
	before := data[:off]
	return Pos{
		Line:   bytes.Count(before, []byte("\n")) + 1,
		Column: len(before) - bytes.LastIndexByte(before, '\n'),
	}
}

// Wrap prefixes err with its position in data ("line 3, column 7: …") and keeps it for errors.As;
// an error without an offset is returned as it is.
func Wrap(data []byte, err error) error {
	if p, ok := Of(data, err); ok {
		return fmt.Errorf("%s: %w", p, err)
	}
	return err
}
