package cvss

import (
	"testing"
)

// The expected scores are those the FIRST CVSS v3.1 calculator and NVD publish for these vectors.
func TestBaseScore(t *testing.T) {
	for _, tc := range []struct {
		name   string
		vector string
		want   float64
		rating Rating
	}{
		{"all high network", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, Critical},
		{"scope changed max", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0, Critical},
		{"log4shell", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0, Critical},
		{"heartbleed", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5, High},
		{"dos only", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5, High},
		{"reflected xss", "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1, Medium},
		{"no impact", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0, None},
		{"local low", "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", 1.8, Low},
		{"physical", "CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 6.8, Medium},
		{"PR:L scope changed", "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", 6.4, Medium},
		{"PR:H scope changed", "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:C/C:H/I:H/A:H", 9.1, Critical},
		{"adjacent", "CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 6.5, Medium},
		{"high complexity", "CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H", 8.1, High},
		{"v3.0 xss", "CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1, Medium},
		{"local privesc", "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8, High},
		{"temporal ignored", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C", 9.8, Critical},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Score(tc.vector)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("Score(%s) = %v, want %v", tc.vector, got, tc.want)
			}
			if r := RatingOf(got); r != tc.rating {
				t.Errorf("RatingOf(%v) = %s, want %s", got, r, tc.rating)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	for name, vector := range map[string]string{
		"v2":             "AV:N/AC:L/Au:N/C:P/I:P/A:P",
		"v4":             "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
		"missing metric": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",
		"bad value":      "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
		"duplicate":      "CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
		"unknown metric": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/ZZ:1",
		"no colon":       "CVSS:3.1/AV",
		"empty":          "",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Score(vector); err == nil {
				t.Errorf("Score(%q): want an error", vector)
			}
		})
	}
}
