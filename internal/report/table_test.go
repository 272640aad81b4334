package report

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/internal/finding"
)

func TestTableColourOnlyWhenAsked(t *testing.T) {
	for _, tc := range []struct {
		name  string
		color bool
	}{{"plain", false}, {"colour", true}} {
		t.Run(tc.name, func(t *testing.T) {
			out := string(write(t, &Table{Color: tc.color}, fixtureRun()))
			if got := strings.Contains(out, "\x1b["); got != tc.color {
				t.Errorf("escape codes present = %v, want %v", got, tc.color)
			}
		})
	}
}

// TestTableEscapesHostileText plants terminal escape sequences, bidirectional controls and
// invalid UTF-8 in fields that come from scanned files; none may reach the terminal raw.
func TestTableEscapesHostileText(t *testing.T) {
	r := emptyRun()
	r.Findings = []finding.Finding{{
		RuleID: "r\x1b[2J", Title: "title \x1b]0;owned\x07", Severity: finding.SeverityHigh, Fingerprint: "f",
		Location: finding.Location{Path: "a\u202egnp.go", StartLine: 1, Snippet: "x := 1 \x1b[31m\xff\r"},
	}}
	r.Problems = []finding.Problem{{Path: "b\x00.yaml", Message: "bad \x1b[1m"}}
	out := string(write(t, &Table{}, r))
	for _, raw := range []string{"\x1b", "\u202e", "\xff", "\x00", "\x07", "\r"} {
		if strings.Contains(out, raw) {
			t.Errorf("output contains raw %q:\n%s", raw, out)
		}
	}
	for _, want := range []string{`r\x1b[2J`, `a\u202egnp.go`, `\xff`, `b\x00.yaml`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks the escaped form %s:\n%s", want, out)
		}
	}
}

func TestClean(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"plain", "hello, 世界", "hello, 世界"},
		{"tab", "a\tb", "a    b"},
		{"escape", "\x1b[31mred", `\x1b[31mred`},
		{"bidi", "x\u2066y", `x\u2066y`},
		{"invalid utf-8", "a\xffb", `a\xffb`},
		{"real replacement char", "a\uFFFDb", "a\uFFFDb"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := clean(tc.in); got != tc.want {
				t.Errorf("clean(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestHumanBytes(t *testing.T) {
	for _, tc := range []struct {
		in   int64
		want string
	}{{0, "0 B"}, {1023, "1023 B"}, {1024, "1.0 KiB"}, {1_873_114, "1.8 MiB"}, {5 << 40, "5.0 TiB"}, {-3, "-3 B"}} {
		if got := humanBytes(tc.in); got != tc.want {
			t.Errorf("humanBytes(%d) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestIsTerminal(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, tc := range []struct {
		name string
		w    io.Writer
		want bool
	}{
		{"buffer", &bytes.Buffer{}, false},
		{"pipe", w, false},
		{"file", f, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := IsTerminal(tc.w); got != tc.want {
				t.Errorf("IsTerminal = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestTableSkipCountsFromList covers producers that fill only the Skipped list.
func TestTableSkipCountsFromList(t *testing.T) {
	r := emptyRun()
	r.Skipped = []finding.Skip{{Path: "a.png", Reason: finding.SkipBinary}, {Path: "b.png", Reason: finding.SkipBinary}, {Path: "v/x", Reason: finding.SkipDefault}}
	out := string(write(t, &Table{}, r))
	if want := "skipped     3 paths (binary 2, default-rule 1)"; !strings.Contains(out, want) {
		t.Errorf("table lacks %q:\n%s", want, out)
	}
	r.Skipped = r.Skipped[:1]
	r.Stats.FilesScanned = 1
	out = string(write(t, &Table{}, r))
	for _, want := range []string{"skipped     1 path (binary 1)", "scanned     1 file, 900 B"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestTableTruncatesLongSnippets(t *testing.T) {
	r := emptyRun()
	long := strings.Repeat("é", 300)
	r.Findings = []finding.Finding{{
		RuleID: "r", Severity: finding.SeverityLow, Fingerprint: "f", Location: finding.Location{Path: "a", StartLine: 1,
			Snippet: long + "\n2\n3\n4\n5\n6\n7\n8\n"},
	}}
	out := string(write(t, &Table{}, r))
	for _, want := range []string{"| " + strings.Repeat("é", 159) + "…\n", "| 6\n", "| … (2 lines not shown)\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "| 7") {
		t.Errorf("table shows more than %d snippet lines:\n%s", maxSnippetLines, out)
	}
	// The machine formats keep the whole snippet.
	if !strings.Contains(string(write(t, JSON{}, r)), long) {
		t.Error("JSON truncated the snippet")
	}
}
