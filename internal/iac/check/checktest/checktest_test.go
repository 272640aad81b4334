package checktest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestWantLines(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []int
	}{
		{"trailing marker", "a: 1\nb: 2 # want\n", []int{2}},
		{"marker line marks the next", "# want\nFROM x\nRUN y\n# want\nUSER root\n", []int{2, 5}},
		{"indented", "x:\n  y: 1   # want\n    # want\n  z: 2\n", []int{2, 4}},
		{"none", "a: 1\n# wanted\nb: '# want it'\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, WantLines(tc.src)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
