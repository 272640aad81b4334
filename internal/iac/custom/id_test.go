package custom

import (
	"regexp"
	"strings"
	"testing"
)

// idPattern is the rule validID implements, as the regular expression it replaced.
var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)

func TestValidID(t *testing.T) {
	for _, tc := range []struct {
		id   string
		want bool
	}{
		{"ab", true},
		{"no-latest-tag", true},
		{"0x", true},
		{"a-", true},
		{"a", false},
		{"", false},
		{"-ab", false},
		{"Ab", false},
		{"a_b", false},
		{"a b", false},
		{"é1", false},
		{strings.Repeat("a", 63), true},
		{strings.Repeat("a", 64), false},
	} {
		if got := validID(tc.id); got != tc.want {
			t.Errorf("validID(%q) = %v, want %v", tc.id, got, tc.want)
		}
	}
}

// validID agrees with the pattern on every input.
func FuzzValidID(f *testing.F) {
	for _, s := range []string{"ab", "-a", "a", "Ab", "a\n", strings.Repeat("z", 63), strings.Repeat("9", 64), "é1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		if got, want := validID(id), idPattern.MatchString(id); got != want {
			t.Fatalf("validID(%q) = %v, the pattern says %v", id, got, want)
		}
	})
}
