package render

import "strings"

// staticValue replaces a template action that writes part of a line, in a template checked
// statically. It is a valid YAML scalar, a DNS label and an image name, so the line around it
// still parses, and it says what it is to anyone who sees it in a finding.
const staticValue = "palisade-template-value"

// staticTemplate returns what can be checked of a template that does not render: its text with
// every action removed, line for line, so that line n of the result is line n of the template.
//
//   - An action alone on its line (control flow, `toYaml … | nindent`, a comment) leaves the
//     line blank; an action within a line of text (a value, part of a key) becomes staticValue.
//   - Of `if`/`with`/`range` blocks the first branch is kept, once; `else` branches are blanked
//     (both branches together would often repeat a key), and so are `define` bodies (helpers
//     that produce nothing by themselves).
//   - An action that never closes runs to the end of the text; quoted and raw strings and
//     comments inside actions may hold "}}".
//
// It never fails: whatever the input, the output has as many lines as the input.
func staticTemplate(src string) string {
	type piece struct {
		text   string // literal text (no newline), or the action's inner text
		action bool
	}
	var (
		lines  [][]piece
		cur    []piece
		blocks []block
	)
	hidden := func() bool {
		for _, b := range blocks {
			if b.hide {
				return true
			}
		}
		return false
	}
	newline := func() {
		lines = append(lines, cur)
		cur = nil
	}
	addText := func(s string) {
		for {
			before, after, found := strings.Cut(s, "\n")
			if !hidden() && before != "" {
				cur = append(cur, piece{text: before})
			}
			if !found {
				return
			}
			newline()
			s = after
		}
	}
	for rest := src; rest != ""; {
		open := strings.Index(rest, "{{")
		if open < 0 {
			addText(rest)
			break
		}
		addText(rest[:open])
		inner, n, closed := scanAction(rest[open+2:])
		rest = rest[open+2+n:]
		word := actionKeyword(inner)
		if !closed {
			word = "-" // a broken action's value is unknown, and a guess might break the line
		}
		wasHidden := hidden()
		switch word {
		case "if", "with", "range", "block":
			blocks = append(blocks, block{})
		case "define":
			blocks = append(blocks, block{hide: true})
		case "else":
			if len(blocks) > 0 {
				blocks[len(blocks)-1].hide = true
			}
		case "end":
			if len(blocks) > 0 {
				blocks = blocks[:len(blocks)-1]
			}
		case "":
			if !wasHidden {
				cur = append(cur, piece{action: true})
			}
		}
		// The action's own newlines keep the line count.
		for range strings.Count(inner, "\n") {
			newline()
		}
	}
	newline()

	var out strings.Builder
	for i, l := range lines {
		if i > 0 {
			out.WriteByte('\n')
		}
		literal := false
		for _, p := range l {
			if !p.action && strings.TrimSpace(p.text) != "" {
				literal = true
			}
		}
		if !literal {
			continue
		}
		for _, p := range l {
			if p.action {
				out.WriteString(staticValue)
			} else {
				out.WriteString(p.text)
			}
		}
	}
	return out.String()
}

// block is an open if/with/range/define/block action of a template checked statically; hide
// says its text is not kept (an else branch, a define body).
type block struct{ hide bool }

// scanAction reads an action's text after its "{{" up to its "}}", skipping "}}" inside quoted
// strings, raw strings and comments. It returns the inner text and the bytes consumed (the
// closing "}}" included), and whether it closed. An action that never closes consumes everything, unless another "{{"
// follows: then it ends with its own line (or where the next action starts).
func scanAction(s string) (inner string, n int, closed bool) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '}' && strings.HasPrefix(s[i:], "}}"):
			return s[:i], i + 2, true
		case c == '{' && strings.HasPrefix(s[i:], "{{"):
			// Another action opens before this one closed: this one is broken (a lone "}"),
			// and ends with its line, so the lines after it are still read.
			if nl := strings.IndexByte(s, '\n'); nl >= 0 && nl < i {
				return s[:nl], nl, false
			}
			return s[:i], i, false
		case c == '"':
			for i++; i < len(s) && s[i] != '"' && s[i] != '\n'; i++ {
				if s[i] == '\\' {
					i++
				}
			}
		case c == '`':
			if j := strings.IndexByte(s[i+1:], '`'); j >= 0 {
				i += j + 1
			} else {
				i = len(s)
			}
		case c == '/' && strings.HasPrefix(s[i:], "/*"):
			if j := strings.Index(s[i+2:], "*/"); j >= 0 {
				i += j + 3
			} else {
				i = len(s)
			}
		}
	}
	return s, len(s), false
}

// actionKeyword classifies an action by its first word: a block keyword ("if", "with", "range",
// "define", "block", "else", "end"), "-" for one that writes nothing (a comment, an
// assignment, break, continue, template), or "" for one that writes a value.
func actionKeyword(inner string) string {
	s := strings.TrimSpace(inner)
	s = strings.TrimSpace(strings.TrimPrefix(s, "-"))
	s = strings.TrimSpace(strings.TrimSuffix(s, "-"))
	if strings.HasPrefix(s, "/*") {
		return "-"
	}
	word := s
	if i := strings.IndexAny(s, " \t\r\n("); i >= 0 {
		word = s[:i]
	}
	switch word {
	case "if", "with", "range", "define", "block", "else", "end":
		return word
	case "break", "continue", "template":
		return "-"
	}
	if strings.HasPrefix(word, "$") && strings.Contains(s, "=") {
		return "-"
	}
	return ""
}
