package cvss

import "testing"

// The ratings the approximation must reproduce are the official CVSS v4.0 ratings of these vectors
// (scores from the FIRST v4.0 calculator in the comments).
func TestApproximateV4Ratings(t *testing.T) {
	for _, tc := range []struct {
		name, vector string
		want         Rating
	}{
		{"network all high (9.3)", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", Critical},
		{"network availability (8.7)", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N", High},
		{"local privileged (8.5)", "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", High},
		{"no impact (0)", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", None},
		{"with threat metric", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:P", Critical},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ApproximateV4(tc.vector)
			if err != nil {
				t.Fatal(err)
			}
			if r := RatingOf(s); r != tc.want {
				t.Errorf("ApproximateV4(%s) = %v (%s), want %s", tc.vector, s, r, tc.want)
			}
		})
	}
	for _, bad := range []string{
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N",
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:R/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
		"CVSS:4.0/AV:N/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/XX:Y",
	} {
		if _, err := ApproximateV4(bad); err == nil {
			t.Errorf("ApproximateV4(%q): want an error", bad)
		}
	}
}
