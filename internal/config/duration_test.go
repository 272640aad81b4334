package config

import (
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"7d", 7 * 24 * time.Hour, true},
		{"36h", 36 * time.Hour, true},
		{" 90m ", 90 * time.Minute, true},
		{"0d", 0, true},
		{"d", 0, false},
		{"-1d", 0, false},
		{"1.5d", 0, false},
		{"week", 0, false},
	} {
		got, err := ParseDuration(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("ParseDuration(%q) error = %v, want ok=%v", tc.in, err, tc.ok)
			continue
		}
		if tc.ok && time.Duration(got) != tc.want {
			t.Errorf("ParseDuration(%q) = %v, want %v", tc.in, time.Duration(got), tc.want)
		}
		if tc.ok {
			back, err := ParseDuration(got.String())
			if err != nil || back != got {
				t.Errorf("round trip of %q via %q: %v, %v", tc.in, got.String(), back, err)
			}
		}
	}
}
