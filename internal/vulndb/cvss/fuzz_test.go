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

func FuzzApproximateV4(f *testing.F) {
	f.Add("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")
	f.Add("CVSS:4.0/AV:L/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:H/SI:L/SA:N/E:U/MSI:S")
	f.Add("CVSS:4.0/AV")
	f.Fuzz(func(t *testing.T, s string) {
		score, err := ApproximateV4(s)
		if err == nil && (score < 0 || score > 10) {
			t.Fatalf("ApproximateV4(%q) = %v, outside 0..10", s, score)
		}
	})
}
