package secret

import (
	"context"
	"strings"
	"testing"
)

func TestBuiltinRulesAreWellFormed(t *testing.T) {
	rules := Builtin()
	if len(rules) < 150 {
		t.Errorf("built-in rules = %d, want at least 150", len(rules))
	}
	seen := map[string]bool{}
	for _, r := range rules {
		if seen[r.ID] {
			t.Errorf("duplicate rule id %q", r.ID)
		}
		seen[r.ID] = true
		if _, err := compile(&r); err != nil {
			t.Errorf("compile: %v", err)
		}
		if len(r.Keywords) == 0 {
			t.Errorf("rule %s: no keywords", r.ID)
		}
		if len(r.Examples.True) == 0 || len(r.Examples.False) == 0 {
			t.Errorf("rule %s: needs true and false examples", r.ID)
		}
		if r.Remediation == "" || r.Title == "" {
			t.Errorf("rule %s: title and remediation are required", r.ID)
		}
		for _, k := range r.Keywords {
			found := false
			for _, ex := range r.Examples.True {
				if strings.Contains(strings.ToLower(ex), k) {
					found = true
					break
				}
			}
			if !found {
				t.Errorf("rule %s: keyword %q occurs in no true example", r.ID, k)
			}
		}
	}
}

// TestWordStartKeepsSemantics checks the \b-stripping speed-up against the plain regex.
func TestWordStartKeepsSemantics(t *testing.T) {
	for _, tc := range []struct {
		regex, text string
		want        int
	}{
		{`\b(tok_[a-z]{4})`, "tok_abcd xtok_abcd _tok_abcd -tok_abcd", 2},
		{`\btok_[a-z]{4}|zz_[a-z]{4}`, "xzz_abcd tok_abcd", 2}, // \b binds to the first alternative only
	} {
		d, err := newDetector([]Rule{{ID: "t", Title: "t", Severity: 3, Keywords: []string{"tok_", "zz_"}, Regex: tc.regex}}, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		ms, err := d.detect(context.Background(), []byte(tc.text), false)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) != tc.want {
			t.Errorf("%s on %q: %d matches, want %d", tc.regex, tc.text, len(ms), tc.want)
		}
	}
}

func TestNewDetectorRejectsBadRules(t *testing.T) {
	good := Rule{ID: "x-token", Title: "x", Severity: 3, Keywords: []string{"x_"}, Regex: `x_(\w+)`}
	for _, tc := range []struct {
		name  string
		rules []Rule
		want  string
	}{
		{"duplicate id", []Rule{good, good}, "rule x-token: duplicate id"},
		{"no keywords", []Rule{{ID: "a", Title: "a", Severity: 3, Regex: "a"}}, "rule a: no keywords"},
		{"uppercase keyword", []Rule{{ID: "a", Title: "a", Severity: 3, Keywords: []string{"A"}, Regex: "a"}}, `keyword "A" must be a non-empty lowercase literal`},
		{"bad id", []Rule{{ID: "Not_Kebab", Title: "a", Severity: 3, Keywords: []string{"a"}, Regex: "a"}}, "id must be kebab-case"},
		{"bad regex", []Rule{{ID: "a", Title: "a", Severity: 3, Keywords: []string{"a"}, Regex: "("}}, "rule a: regex:"},
		{"bad allow", []Rule{{ID: "a", Title: "a", Severity: 3, Keywords: []string{"a"}, Regex: "a", Allow: []string{"["}}}, "rule a: allow[0]:"},
		{"no severity", []Rule{{ID: "a", Title: "a", Keywords: []string{"a"}, Regex: "a"}}, "severity"},
		{"no rules", nil, "no rules to run"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := newDetector(tc.rules, 0, 0)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("newDetector error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

// TestRuleExamples runs every rule's own examples through the real engine with every built-in
// rule enabled (keywords, windows, regex, entropy, filters, decoding and de-duplication): each
// true example must yield a finding of that rule, and no false example may.
func TestRuleExamples(t *testing.T) {
	rules := Builtin()
	det, err := newDetector(rules, DefaultDecodeBytes, DefaultDecodeDepth)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		t.Run(r.ID, func(t *testing.T) {
			for i, ex := range r.Examples.True {
				if got := ruleIDs(t, det, ex); !got[r.ID] {
					t.Errorf("true example %d not found (got rules %v): %q", i, keys(got), ex)
				}
			}
			for i, ex := range r.Examples.False {
				if got := ruleIDs(t, det, ex); got[r.ID] {
					t.Errorf("false example %d found: %q", i, ex)
				}
			}
		})
	}
}

func ruleIDs(t *testing.T, det *detector, content string) map[string]bool {
	t.Helper()
	ms, err := det.detect(context.Background(), []byte(content), false)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, m := range ms {
		got[det.rules[m.rule].ID] = true
	}
	return got
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
