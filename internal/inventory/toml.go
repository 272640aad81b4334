package inventory

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/BurntSushi/toml"
)

// decodeTOML unmarshals a TOML document, failing with the line of the fault.
func decodeTOML(data []byte, v any) error {
	if line, ok := nestingWithin(data, maxNesting); !ok {
		// The TOML parser recurses per level: a file of brackets would overflow the stack, which
		// no recover can catch. Counting every bracket, quoted or not, cannot be fooled.
		return errAt(line, "nested deeper than %d levels", maxNesting)
	}
	if _, err := toml.NewDecoder(bytes.NewReader(data)).Decode(v); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			line := pe.Position.Line
			if s := pe.Position.Start; s > 0 && s < len(data) {
				line = newLineIndex(data).line(int64(s)) // the offset is exact where Line can be one past
			}
			return &lineError{line: line, err: fmt.Errorf("%s", pe.Message)}
		}
		return err
	}
	return nil
}

// tomlTableLines returns the line of each "[[name]]" array-of-tables header, in order, so the
// i-th decoded element can be given the line it starts on. Headers inside multi-line strings
// would be miscounted; lockfiles do not write them there.
func tomlTableLines(data []byte, name string) []int {
	var out []int
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	header := "[[" + name + "]]"
	n := 0
	for sc.Scan() {
		n++
		t := strings.TrimSpace(sc.Text())
		if t == header || strings.HasPrefix(t, header+" ") || strings.HasPrefix(t, header+"#") ||
			strings.ReplaceAll(t, " ", "") == header {
			out = append(out, n)
		}
	}
	return out
}

// lineAt is lines[i], or 0 when the header count and the decoded count disagree.
func lineAt(lines []int, i int) int {
	if i < len(lines) {
		return lines[i]
	}
	return 0
}

// nestingWithin reports whether the brackets and braces of data never nest deeper than limit,
// counting them wherever they appear (an over-count only ever rejects absurd input), and the line
// where the limit was passed.
func nestingWithin(data []byte, limit int) (int, bool) {
	depth, line := 0, 1
	for _, b := range data {
		switch b {
		case '\n':
			line++
		case '[', '{':
			if depth++; depth > limit {
				return line, false
			}
		case ']', '}':
			if depth > 0 {
				depth--
			}
		}
	}
	return 0, true
}
