package suppress

import (
	"testing"
	"testing/fstest"
)

func TestFSReaderPaths(t *testing.T) {
	read := FSReader(fstest.MapFS{"a/b.go": {Data: []byte("x")}})
	tests := []struct {
		name, path string
		ok         bool
	}{
		{"canonical", "a/b.go", true},
		{"dot slash", "./a/b.go", true},
		{"redundant parts", "a/./c/../b.go", true},
		{"leaves the root", "../a/b.go", false},
		{"absolute", "/a/b.go", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := read(tc.path)
			if (err == nil) != tc.ok {
				t.Errorf("read(%q) err = %v, want ok=%v", tc.path, err, tc.ok)
			}
		})
	}
}

func TestSplitLines(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want int
	}{
		{"empty", "", 0},
		{"one without newline", "a", 1},
		{"one with newline", "a\n", 1},
		{"crlf", "a\r\nb\r\n", 2},
		{"blank last line kept", "a\n\n", 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := splitLines([]byte(tc.in))
			if len(got) != tc.want {
				t.Fatalf("%d lines, want %d", len(got), tc.want)
			}
			for _, l := range got {
				if len(l) > 0 && l[len(l)-1] == '\r' {
					t.Errorf("line %q keeps its \\r", l)
				}
			}
		})
	}
}
