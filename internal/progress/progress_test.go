package progress

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

func TestBarDraws(t *testing.T) {
	tests := []struct {
		name  string
		total int
		add   int
		want  string
	}{
		{name: "known total", total: 4, add: 2, want: "2/4"},
		{name: "unknown total spins", total: -1, add: 3, want: "scanning"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			b := New(&buf, "scanning")
			b.Start(tc.total)
			b.Add(tc.add)
			b.Done()
			if out := buf.String(); !strings.Contains(out, tc.want) {
				t.Errorf("output %q does not contain %q", out, tc.want)
			}
		})
	}
}

func TestNilBarIsSilent(t *testing.T) {
	var b *Bar
	b.Start(3)
	b.Add(1)
	b.Done() // must not panic
}

func TestForTerminalOnAFile(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if b := ForTerminal(f, "x"); b != nil {
		t.Error("a regular file is not a terminal, yet ForTerminal returned a bar")
	}
}
