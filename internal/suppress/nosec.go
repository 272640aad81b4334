package suppress

import (
	"regexp"
	"slices"
	"strings"
)

// NosecScanner is the only scanner whose findings a gosec `#nosec` comment suppresses: the Go
// analyser, so that gosec users can switch without rewriting their annotations. Other scanners
// answer to palisade:ignore alone.
const NosecScanner = "sast"

// nosecPattern finds gosec's `#nosec` directive in a comment, as gosec does anywhere in it: `// #nosec`,
// `//#nosec G304`, `/* #nosec G201 G202 -- reason */`.
var nosecPattern = regexp.MustCompile(`(?://|/\*)[^\n]*?#nosec(?:[ \t]+(.*))?$`)

// nosec is one parsed `#nosec` comment.
type nosec struct {
	rules  []string // gosec or Palisade rule IDs; empty means every rule on the line
	reason string   // the text after "--", if any
}

// parseNosec finds a gosec `#nosec` comment at the end of line.
func parseNosec(line string) (nosec, bool) {
	line = strings.TrimSuffix(strings.TrimSpace(line), "*/")
	m := nosecPattern.FindStringSubmatch(strings.TrimSpace(line))
	if m == nil {
		return nosec{}, false
	}
	rest, reason, _ := strings.Cut(m[1], "--")
	var n nosec
	n.reason = strings.Join(strings.Fields(reason), " ")
	n.rules = strings.FieldsFunc(rest, func(r rune) bool { return r == ' ' || r == '\t' || r == ',' })
	return n, true
}

// matches reports whether the comment covers a finding of ruleID; gosec maps gosec's rule IDs to
// the rules that answer to them (Options.Gosec).
func (n nosec) matches(ruleID string, gosec map[string][]string) bool {
	if len(n.rules) == 0 {
		return true
	}
	for _, r := range n.rules {
		if r == ruleID || slices.Contains(gosec[strings.ToUpper(r)], ruleID) {
			return true
		}
	}
	return false
}

// isStandaloneComment reports whether line holds only a comment.
func isStandaloneComment(line string) bool {
	t := strings.TrimSpace(line)
	return strings.HasPrefix(t, "//") || strings.HasPrefix(t, "/*")
}
