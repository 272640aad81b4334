package suppress

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// DirectiveKeyword starts an inline suppression comment.
const DirectiveKeyword = "palisade:ignore"

// AllRules is the rule ID a directive uses to suppress every rule on its line.
const AllRules = "*"

// Directive is one parsed `palisade:ignore <rule-id|*> <reason…>` comment.
type Directive struct {
	// RuleID is the rule the directive suppresses, or AllRules.
	RuleID string
	// Reason is why; it is mandatory, so every inline suppression carries its justification.
	Reason string
	// Standalone is true when the comment is alone on its line (only whitespace before its
	// comment marker). Only a standalone directive applies to the line below it: a trailing comment
	// on a line of code suppresses that line only, so it cannot silently cover the next one too.
	Standalone bool
}

// Matches reports whether the directive covers findings of ruleID.
func (d Directive) Matches(ruleID string) bool {
	return d.RuleID == AllRules || d.RuleID == ruleID
}

// Errors ParseDirective wraps; a caller can tell them apart with errors.Is.
var (
	ErrNoRule   = errors.New("missing rule ID")
	ErrNoReason = errors.New("missing reason")
	ErrBadRule  = errors.New("invalid rule ID")
)

// commentMarkers are the comment openers a directive may follow, longest first so `<!--` wins over
// `--` and `//` over a lone `/`. `*` covers continuation lines inside a /* … */ block.
var commentMarkers = []string{"<!--", "//", "/*", "--", "#", ";", "*"}

// commentClosers end a comment on the same line; they are not part of the reason. Helm and Go
// templates close a comment with `*/}}` or `*/ -}}`.
var commentClosers = []string{"*/ -}}", "*/-}}", "*/ }}", "*/}}", "-->", "*/"}

// ParseDirective finds an inline suppression directive in one line of source. found is false when
// the line holds none: the keyword is absent, is part of a longer word, or does not follow a
// comment marker (`//`, `#`, `/*`, `<!--`, `--`, `;`, or `*` at the start of a block-comment line).
// When the keyword is there but the directive is unusable — no rule ID, an invalid one, or no
// reason — found is true and err says why; such a directive suppresses nothing.
//
// The line's text is never copied into an error, because the line may hold the very secret the
// directive is about.
func ParseDirective(line string) (d Directive, found bool, err error) {
	// A byte-order mark can start a file's first line; it is not code before the comment.
	line = strings.TrimPrefix(strings.TrimSuffix(line, "\r"), "\ufeff")
	start, ok := locate(line)
	if !ok {
		return Directive{}, false, nil
	}
	d.Standalone = isStandalone(line[:start])
	rest := trimCloser(strings.TrimSpace(line[start+len(DirectiveKeyword):]))
	ruleID, reason := rest, ""
	if i := strings.IndexFunc(rest, unicode.IsSpace); i >= 0 {
		ruleID, reason = rest[:i], rest[i:]
	}
	if ruleID == "" {
		return d, true, ErrNoRule
	}
	if !validRuleID(ruleID) {
		return d, true, fmt.Errorf("%w: want letters, digits and . _ : / - or %q", ErrBadRule, AllRules)
	}
	d.RuleID = ruleID
	d.Reason = strings.Join(strings.Fields(reason), " ")
	if d.Reason == "" {
		return d, true, fmt.Errorf("%w for rule %s: a palisade:ignore comment must say why", ErrNoReason, ruleID)
	}
	return d, true, nil
}

// locate returns the offset of the first keyword occurrence that is a real directive.
func locate(line string) (int, bool) {
	for off := 0; ; {
		i := strings.Index(line[off:], DirectiveKeyword)
		if i < 0 {
			return 0, false
		}
		start := off + i
		end := start + len(DirectiveKeyword)
		off = end
		if end < len(line) && !isSpace(line[end]) {
			continue // "palisade:ignored" and the like are ordinary words
		}
		if followsMarker(line[:start]) {
			return start, true
		}
	}
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\v' || b == '\f' }

// followsMarker reports whether before (the text ahead of the keyword) ends in a comment marker,
// optionally followed by spaces.
func followsMarker(before string) bool {
	t := strings.TrimRight(before, " \t")
	for _, m := range commentMarkers {
		if strings.HasSuffix(t, m) {
			if m == "*" {
				// A lone * only counts as a block-comment continuation at the start of a line.
				return strings.TrimSpace(t) == "*" || strings.HasSuffix(t, "/*")
			}
			return true
		}
	}
	return false
}

// standaloneMarkers may be all that precedes a standalone directive: the comment markers, and the
// template openers of Helm and Go templates (`{{/* … */}}`, `{{- /* … */ -}}`).
var standaloneMarkers = append([]string{"{{-", "{{"}, commentMarkers...)

// isStandalone reports whether before is whitespace, comment markers and nothing else.
func isStandalone(before string) bool {
	t := strings.TrimSpace(before)
	for t != "" {
		trimmed := false
		for _, m := range standaloneMarkers {
			if strings.HasPrefix(t, m) {
				t = strings.TrimSpace(t[len(m):])
				trimmed = true
				break
			}
		}
		if !trimmed {
			return false
		}
	}
	return true
}

// trimCloser drops a comment closer from the end of the directive text.
func trimCloser(s string) string {
	for _, c := range commentClosers {
		if strings.HasSuffix(s, c) {
			return strings.TrimSpace(strings.TrimSuffix(s, c))
		}
	}
	return s
}

// validRuleID accepts the IDs Palisade's rules use — kebab-case names, advisory IDs such as
// GHSA-xxxx-xxxx-xxxx or GO-2024-1234, namespaced check IDs — and the wildcard.
func validRuleID(id string) bool {
	if id == AllRules {
		return true
	}
	if len(id) > 128 {
		return false
	}
	for _, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case r == '-', r == '_', r == '.', r == ':', r == '/':
		default:
			return false
		}
	}
	return true
}
