package cvss

import (
	"math"
	"testing"
)

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

// FuzzScoreV4 checks that any input either fails to parse or scores within 0..10 in steps of 0.1,
// and that the canonical form of a parsed vector parses again to the same score.
func FuzzScoreV4(f *testing.F) {
	for _, s := range []string{
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
		"CVSS:4.0/AV:L/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:H/SI:L/SA:N/E:U/MSI:S",
		"CVSS:4.0/AV:A/AC:H/AT:P/PR:L/UI:P/VC:L/VI:H/VA:N/SC:L/SI:L/SA:H/E:P/CR:H/IR:M/AR:L/MAV:L/MPR:N/MVC:H/MSI:S/MSA:N",
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/S:P/AU:Y/R:U/V:C/RE:H/U:Red",
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/SC:N/VI:H/SI:N/VA:H/SA:N",
		"CVSS:4.0/AV",
		"CVSS:4.0/",
		"CVSS:4.0/AV:N/AV:N",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseV4(s)
		if err != nil {
			return
		}
		score := v.Score()
		if score < 0 || score > 10 || math.Abs(score*10-math.Round(score*10)) > 1e-9 {
			t.Fatalf("ParseV4(%q).Score() = %v, not in 0.0..10.0 by tenths", s, score)
		}
		again, err := ScoreV4(v.String())
		if err != nil || again != score {
			t.Fatalf("canonical %q of %q scores %v (%v), original %v", v.String(), s, again, err, score)
		}
	})
}
