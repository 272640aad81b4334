package cvss

import "testing"

func FuzzScore(f *testing.F) {
	for _, s := range []string{
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
		"CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N",
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P",
		"CVSS:3.1/AV",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		score, err := Score(s)
		if err != nil {
			return
		}
		if score < 0 || score > 10 {
			t.Fatalf("Score(%q) = %v, outside 0..10", s, score)
		}
	})
}
