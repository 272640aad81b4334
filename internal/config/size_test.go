package config

import (
	"strings"
	"testing"
)

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want Size
	}{
		{"0", 0},
		{"1048576", 1 << 20},
		{"10MiB", 10 << 20},
		{"10 MiB", 10 << 20},
		{"10mib", 10 << 20},
		{"10m", 10 << 20},
		{"10MB", 10_000_000},
		{"512KiB", 512 << 10},
		{"2kB", 2000},
		{"1.5GiB", 3 << 29},
		{"1GB", 1_000_000_000},
		{"1TiB", 1 << 40},
		{"100B", 100},
		{"1_000", 1000},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseSize(tc.in)
			if err != nil || got != tc.want {
				t.Errorf("ParseSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestParseSizeErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "want a number"},
		{"MiB", "want a number"},
		{"-1", "want a number"},
		{"10 megs", `unknown unit "megs"`},
		{"1.2.3MiB", "invalid syntax"},
		{"99999999999TiB", "too large"},
		{"9223372036854775808", "out of range"},
		{"1e3", `unknown unit "e3"`},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			_, err := ParseSize(tc.in)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ParseSize(%q) = %v, want error containing %q", tc.in, err, tc.want)
			}
		})
	}
}

func TestSizeStringRoundTrip(t *testing.T) {
	for _, s := range []Size{1, 1000, 1 << 10, 10 << 20, 3 << 29, 1<<40 + 1} {
		back, err := ParseSize(s.String())
		if err != nil || back != s {
			t.Errorf("%d -> %q -> %d, %v", int64(s), s.String(), back, err)
		}
	}
}
