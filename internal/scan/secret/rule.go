package secret

import (
	"bytes"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"

	"github.com/palisade-sec/palisade/internal/finding"
)

// Rule describes one kind of secret. Built-in rules and users' extra rules share this model, and
// every rule carries the examples that prove it: Examples.True must be found and Examples.False
// must not, through the real engine.
type Rule struct {
	// ID is kebab-case and unique ("github-pat-classic"); it is what users disable.
	ID          string
	Title       string
	Description string
	Severity    finding.Severity
	// Confidence defaults to high; context-gated and generic rules say lower.
	Confidence finding.Confidence
	// Keywords are lowercase literals; the rule runs only near one of them. At least one is
	// required, and each must occur (case-insensitively) in some true example.
	Keywords []string
	// Regex (RE2 syntax) is matched in a window around each keyword hit. The first capture group
	// that takes part in a match is the secret (so alternatives may capture in separate groups);
	// without a group the whole match is.
	Regex string
	// MinEntropy, when above zero, drops secrets whose Shannon entropy (bits per byte) is lower.
	MinEntropy float64
	// StopWords drop a secret that contains any of them, case-insensitively (placeholders such as
	// "example" or "changeme").
	StopWords []string
	// Allow drops a secret that matches any of these regular expressions.
	Allow []string
	// AllowMatch drops a match when any of these regular expressions matches the whole match
	// together with up to 48 bytes before it on its line (so the rest of a name is seen), for
	// names that only look secret: csrf_token, password_length, confirm_password.
	AllowMatch []string
	// MultiLine lets the window run this many bytes past the hit's line, for secrets that span
	// lines (private keys); zero keeps the window on the hit's line.
	MultiLine int
	// LiteralInCode makes the rule, in source-code files, report only quoted values: there a bare
	// value after "password =" is an expression (cfg.Password, testKey1024), not a literal. In
	// configuration files (.env, YAML, properties) bare values still count.
	LiteralInCode bool
	// Generic marks a context-only rule (a password assignment): where it overlaps a specific
	// rule's match, the specific rule wins.
	Generic bool
	// CWE defaults to CWE-798 (use of hard-coded credentials).
	CWE         []string
	Remediation string
	References  []string
	Examples    Examples

	// anchored says every match starts exactly where one of the keywords starts, so the engine
	// tries the regex once at each keyword hit instead of searching windows. Set by the built-in
	// assignment rules, whose regexes begin with their names.
	anchored bool
}

// Examples are a rule's own test cases: every True string must produce a finding of the rule and
// no False string may.
type Examples struct {
	True  []string
	False []string
}

// Info returns the rule as reports describe it.
func (r *Rule) Info() finding.Rule {
	return finding.Rule{
		ID:          r.ID,
		Title:       r.Title,
		Description: r.Description,
		Severity:    r.Severity,
		CWE:         r.cwe(),
		Remediation: r.Remediation,
		References:  r.References,
		Tags:        []string{"secret"},
	}
}

func (r *Rule) cwe() []string {
	if len(r.CWE) == 0 {
		return []string{"CWE-798"}
	}
	return r.CWE
}

func (r *Rule) confidence() finding.Confidence {
	if r.Confidence == finding.ConfidenceUnknown {
		return finding.ConfidenceHigh
	}
	return r.Confidence
}

// kebab reports whether id is kebab-case: lowercase letters and digits in dash-separated words.
func kebab(id string) bool {
	if id == "" || id[0] == '-' || id[len(id)-1] == '-' || strings.Contains(id, "--") {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// compiledRule is a Rule with its expressions compiled; the detector builds these once.
type compiledRule struct {
	*Rule
	re *regexp.Regexp
	// anchoredRe is re anchored at the start of its input, for anchored rules.
	anchoredRe *regexp.Regexp
	// wordStart: re is the rule's regex without its leading \b, which the engine checks.
	wordStart  bool
	allow      []*regexp.Regexp
	allowMatch []*regexp.Regexp
	stop       [][]byte // lowercase
}

// compile checks r and compiles its expressions. Errors name the rule and the field.
func compile(r *Rule) (*compiledRule, error) {
	if !kebab(r.ID) {
		return nil, fmt.Errorf("rule %q: id must be kebab-case", r.ID)
	}
	if r.Title == "" {
		return nil, fmt.Errorf("rule %s: title is empty", r.ID)
	}
	if r.Severity < finding.SeverityInfo || r.Severity > finding.SeverityCritical {
		return nil, fmt.Errorf("rule %s: severity %v is not valid", r.ID, r.Severity)
	}
	if len(r.Keywords) == 0 {
		return nil, fmt.Errorf("rule %s: no keywords (every rule needs at least one)", r.ID)
	}
	for _, k := range r.Keywords {
		if k == "" || k != strings.ToLower(k) {
			return nil, fmt.Errorf("rule %s: keyword %q must be a non-empty lowercase literal", r.ID, k)
		}
	}
	if r.MultiLine < 0 || r.MultiLine > maxMultiLine {
		return nil, fmt.Errorf("rule %s: multiLine %d is outside 0..%d", r.ID, r.MultiLine, maxMultiLine)
	}
	re, err := regexp.Compile(r.Regex)
	if err != nil {
		return nil, fmt.Errorf("rule %s: regex: %w", r.ID, err)
	}
	c := &compiledRule{Rule: r, re: re}
	if r.anchored {
		if c.anchoredRe, err = regexp.Compile(`\A(?:` + r.Regex + `)`); err != nil {
			return nil, fmt.Errorf("rule %s: regex: %w", r.ID, err)
		}
	}
	// Go's regexp skips ahead with a fast substring search only when a pattern starts with a
	// literal, and a leading \b hides the literal. Such patterns run without the \b and the
	// engine checks the word boundary itself, which is the same test.
	if rest, ok := strings.CutPrefix(r.Regex, `\b`); ok && leadingBoundary(r.Regex) {
		if re2, err := regexp.Compile(rest); err == nil {
			if prefix, _ := re2.LiteralPrefix(); prefix != "" {
				c.re, c.wordStart = re2, true
			}
		}
	}
	for i, a := range r.Allow {
		are, err := regexp.Compile(a)
		if err != nil {
			return nil, fmt.Errorf("rule %s: allow[%d]: %w", r.ID, i, err)
		}
		c.allow = append(c.allow, are)
	}
	for i, a := range r.AllowMatch {
		are, err := regexp.Compile(a)
		if err != nil {
			return nil, fmt.Errorf("rule %s: allowMatch[%d]: %w", r.ID, i, err)
		}
		c.allowMatch = append(c.allowMatch, are)
	}
	for _, w := range r.StopWords {
		c.stop = append(c.stop, []byte(strings.ToLower(w)))
	}
	return c, nil
}

// leadingBoundary reports whether the whole of expr is \b followed by the rest — not, say,
// `\bfoo|bar`, where the \b belongs to one alternative only.
func leadingBoundary(expr string) bool {
	re, err := syntax.Parse(expr, syntax.Perl)
	return err == nil && re.Op == syntax.OpConcat && len(re.Sub) > 1 && re.Sub[0].Op == syntax.OpWordBoundary
}

// accept reports whether a candidate secret survives the rule's entropy, stop-word and allow
// filters; whole is the full regex match, for AllowMatch.
func (c *compiledRule) accept(secret, whole []byte) bool {
	if len(secret) == 0 {
		return false
	}
	if c.MinEntropy > 0 && shannon(secret) < c.MinEntropy {
		return false
	}
	if len(c.stop) > 0 {
		lower := bytes.ToLower(secret)
		for _, w := range c.stop {
			if bytes.Contains(lower, w) {
				return false
			}
		}
	}
	for _, a := range c.allow {
		if a.Match(secret) {
			return false
		}
	}
	for _, a := range c.allowMatch {
		if a.Match(whole) {
			return false
		}
	}
	return true
}
