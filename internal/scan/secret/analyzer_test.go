package secret

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/scan"
)

func analyze(t *testing.T, a *Analyzer, path, content string) []finding.Finding {
	t.Helper()
	fs, err := a.AnalyzeFile(context.Background(), &scan.File{Path: path, Content: []byte(content)})
	if err != nil {
		t.Fatalf("AnalyzeFile(%s): %v", path, err)
	}
	return fs
}

var (
	ghToken = "ghp_" + fake("test-ghp", 36, csAlnum)
	glToken = "glpat-" + fake("test-glpat", 20, csB64URL)
)

func TestLocations(t *testing.T) {
	a := New(Options{})
	type loc struct {
		Rule, Snippet  string
		SL, SC, EL, EC int
	}
	for _, tc := range []struct {
		name, path, content string
		offset              int
		want                []loc
	}{
		{
			name:    "first line",
			path:    "a.env",
			content: "GITHUB_TOKEN=" + ghToken + "\n",
			want:    []loc{{"github-pat-classic", "GITHUB_TOKEN=ghp_*****", 1, 14, 1, 54}},
		},
		{
			name:    "later line after multibyte characters, CRLF",
			path:    "b.yaml",
			content: "# héllo wörld\r\nname: x\r\n  tok: «" + glToken + "»\r\n",
			want:    []loc{{"gitlab-pat", "  tok: «glpa*****»", 3, 9, 3, 35}},
		},
		{
			name:    "line offset of a history fragment",
			path:    "c.txt",
			content: "x\n" + ghToken,
			offset:  40,
			want:    []loc{{"github-pat-classic", "ghp_*****", 42, 1, 42, 41}},
		},
		{
			name:    "two secrets on one line are both redacted in each snippet",
			path:    "d.txt",
			content: ghToken + " " + glToken,
			want: []loc{
				{"github-pat-classic", "ghp_***** glpa*****", 1, 1, 1, 41},
				{"gitlab-pat", "ghp_***** glpa*****", 1, 42, 1, 68},
			},
		},
		{
			name:    "multi-line private key spans lines",
			path:    "id_rsa",
			content: "\n" + fakePEM("RSA PRIVATE KEY", "loc", "\n"),
			want:    []loc{{"private-key-rsa", "-----BEGIN RSA PRIVATE KEY-----", 2, 1, 8, 30}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs, err := a.AnalyzeFile(context.Background(), &scan.File{Path: tc.path, Content: []byte(tc.content), LineOffset: tc.offset})
			if err != nil {
				t.Fatal(err)
			}
			var got []loc
			for _, f := range fs {
				l := f.Location
				got = append(got, loc{f.RuleID, l.Snippet, l.StartLine, l.StartColumn, l.EndLine, l.EndColumn})
				if l.Path != tc.path {
					t.Errorf("path = %q, want %q", l.Path, tc.path)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("locations (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFindingFields(t *testing.T) {
	a := New(Options{})
	commit := &finding.Commit{Hash: "abc123", Author: "dev"}
	fs, err := a.AnalyzeFile(context.Background(), &scan.File{Path: "x.env", Content: []byte("T=" + ghToken), Commit: commit})
	if err != nil || len(fs) != 1 {
		t.Fatalf("AnalyzeFile = %v, %v; want one finding", fs, err)
	}
	f := fs[0]
	if f.Scanner != "secret" || f.Severity != finding.SeverityCritical || f.Confidence != finding.ConfidenceHigh ||
		!cmp.Equal(f.CWE, []string{"CWE-798"}) || f.Title == "" || f.Remediation == "" || f.Location.Commit != commit {
		t.Errorf("finding fields not filled: %+v", f)
	}
	moved := analyze(t, a, "x.env", "\n\n# moved down\nT="+ghToken)
	if len(moved) != 1 || moved[0].Fingerprint != f.Fingerprint {
		t.Errorf("fingerprint changed when the secret moved lines: %v vs %v", moved, f.Fingerprint)
	}
	if f.Fingerprint != finding.Fingerprint("github-pat-classic", "x.env", ghToken) {
		t.Errorf("fingerprint is not Fingerprint(rule, path, secret)")
	}
}

// TestRedaction marshals findings of many kinds — plain, decoded, long and multi-line — and
// checks that no secret, nor its encoded form, nor any 8-character piece of it reaches the JSON.
func TestRedaction(t *testing.T) {
	a := New(Options{})
	longHex := fake("long-key", 1600, csHex)
	pem := fakePEM("PRIVATE KEY", "redact", "\n")
	escaped := fakePEM("EC PRIVATE KEY", "redact-json", `\n`)
	secrets := []string{ghToken, glToken, longHex, "postgres-" + fake("pgpw", 16, csAlnum), escaped[len("-----BEGIN EC PRIVATE KEY-----"):][:300]}
	content := strings.Join([]string{
		"token: " + ghToken,
		"blob: " + base64.StdEncoding.EncodeToString([]byte("gitlab="+glToken)),
		"var signingKeyHex = `" + longHex + "`",
		"DATABASE_URL=postgres://app:" + secrets[3] + "@db:5432/app",
		pem,
		`{"private_key": "` + escaped + `"}`,
	}, "\n")
	fs := analyze(t, a, "config.txt", content)
	if len(fs) != 6 {
		t.Fatalf("got %d findings, want 6: %+v", len(fs), fs)
	}
	b, err := json.Marshal(fs)
	if err != nil {
		t.Fatal(err)
	}
	out := string(b)
	body := strings.Split(pem, "\n")[2]
	for _, s := range append(secrets, body, base64.StdEncoding.EncodeToString([]byte("gitlab="+glToken))) {
		for i := 4; i+8 <= len(s); i += 4 {
			if piece := s[i : i+8]; strings.Contains(out, piece) {
				t.Fatalf("findings JSON contains %q, a piece of a secret:\n%s", piece, out)
			}
		}
	}
}

func TestDecoding(t *testing.T) {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	for _, tc := range []struct {
		name    string
		opts    Options
		content string
		want    map[string]string // rule → decoded property
	}{
		{"base64", Options{}, "data: " + b64("token="+ghToken), map[string]string{"github-pat-classic": "base64"}},
		{"url-safe base64 without padding", Options{}, "d=" + base64.RawURLEncoding.EncodeToString([]byte("k: "+ghToken+"??>")), map[string]string{"github-pat-classic": "base64"}},
		{"hex", Options{}, "x := \"" + hex.EncodeToString([]byte("auth "+glToken)) + "\"", map[string]string{"gitlab-pat": "hex"}},
		{"percent", Options{}, "u=" + url.QueryEscape("a="+ghToken+"&b=<c>"), map[string]string{"github-pat-classic": "percent"}},
		{"nested base64 of hex", Options{}, "n: " + b64(hex.EncodeToString([]byte("tok "+ghToken))), map[string]string{"github-pat-classic": "base64/hex"}},
		{"depth limit stops nesting", Options{MaxDecodeDepth: 1}, "n: " + b64(hex.EncodeToString([]byte("tok "+ghToken))), map[string]string{}},
		{"decoding off", Options{MaxDecodeDepth: -1}, "data: " + b64("token="+ghToken), map[string]string{}},
		{"byte budget stops decoding", Options{MaxDecodeBytes: 100},
			"pad: " + b64(strings.Repeat("harmless text ", 10)) + "\ndata: " + b64("token="+ghToken), map[string]string{}},
		{"budget large enough", Options{MaxDecodeBytes: 1000},
			"pad: " + b64(strings.Repeat("harmless text ", 10)) + "\ndata: " + b64("token="+ghToken), map[string]string{"github-pat-classic": "base64"}},
		{"binary base64 is not scanned", Options{}, "bin: " + base64.StdEncoding.EncodeToString([]byte("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09"+ghToken)), map[string]string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := map[string]string{}
			fs, err := New(tc.opts).AnalyzeFile(context.Background(), &scan.File{Path: "f.txt", Content: []byte(tc.content)})
			var inc *scan.Incomplete
			switch exhausted := tc.name == "byte budget stops decoding"; {
			case exhausted && (!errors.As(err, &inc) || len(inc.Problems) != 1 || inc.Problems[0].Path != "f.txt" ||
				!strings.Contains(inc.Problems[0].Message, "decoding budget")):
				t.Fatalf("an exhausted decoding budget must be reported as a problem of f.txt, got %v", err)
			case !exhausted && err != nil:
				t.Fatalf("AnalyzeFile: %v", err)
			}
			for _, f := range fs {
				got[f.RuleID] = f.Properties["decoded"]
				if strings.Contains(f.Location.Snippet, ghToken[4:12]) || strings.Contains(f.Location.Snippet, glToken[6:14]) {
					t.Errorf("snippet leaks the secret: %q", f.Location.Snippet)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("decoded findings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestInvalidUTF8(t *testing.T) {
	a := New(Options{})
	content := "\xff\xfe\x80 k=" + ghToken + " \xc3\x28\n\xed\xa0\x80 " + glToken
	fs := analyze(t, a, "bin.txt", content)
	if len(fs) != 2 {
		t.Fatalf("got %d findings, want 2", len(fs))
	}
	// Each invalid byte counts as one column.
	if l := fs[0].Location; l.StartLine != 1 || l.StartColumn != 7 {
		t.Errorf("first finding at %d:%d, want 1:7", l.StartLine, l.StartColumn)
	}
	for _, f := range fs {
		if !utf8.ValidString(f.Location.Snippet) {
			t.Errorf("snippet is not valid UTF-8: %q", f.Location.Snippet)
		}
		if _, err := json.Marshal(f); err != nil {
			t.Errorf("marshal: %v", err)
		}
	}
}

// TestHugeSingleLine feeds a 50 MB line dense with keywords and a secret at its very end: the scan
// must finish, find the secret, trim the snippet, and allocate far less than the line per rule.
func TestHugeSingleLine(t *testing.T) {
	if testing.Short() {
		t.Skip("50 MB input")
	}
	unit := "password=pass token=tok api_key= sk key-x secret: aqe eyJ0 " // keywords, no secrets
	line := []byte(strings.Repeat(unit, 50<<20/len(unit)) + " " + ghToken)
	a := New(Options{})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	fs, err := a.AnalyzeFile(context.Background(), &scan.File{Path: "huge.txt", Content: line})
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].RuleID != "github-pat-classic" {
		t.Fatalf("findings = %+v, want the one GitHub token", fs)
	}
	if n := len(fs[0].Location.Snippet); n > 4*snippetReach {
		t.Errorf("snippet is %d bytes; want it trimmed", n)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
		t.Errorf("allocated %d MB for a 50 MB line; want a bounded amount", alloc>>20)
	}
	if elapsed > 60*time.Second {
		t.Errorf("took %v", elapsed)
	}
	t.Logf("50 MB line: %v, %.0f MB/s", elapsed, 50/elapsed.Seconds())
}

func TestLiteralInCode(t *testing.T) {
	a := New(Options{})
	val := fake("lit", 16, csAlnum)
	for _, tc := range []struct {
		path, content string
		want          bool
	}{
		{"main.go", "password := cfg" + val, false},
		{"main.go", `password := "` + val + `"`, true},
		{".env", "PASSWORD=" + val, true},
		{"app.properties", "db.password=" + val, true},
		{"deploy.sh", "PASSWORD=" + val, true},
	} {
		got := len(analyze(t, a, tc.path, tc.content)) > 0
		if got != tc.want {
			t.Errorf("%s %q: found = %v, want %v", tc.path, tc.content, got, tc.want)
		}
	}
}

func TestOptions(t *testing.T) {
	extra := Rule{
		ID: "acme-internal-token", Title: "ACME internal token", Severity: finding.SeverityHigh,
		Keywords: []string{"acme_"}, Regex: `\b(acme_[a-z0-9]{24})\b`,
		Examples: Examples{True: []string{"acme_0123456789abcdefghijklmn"}},
	}
	t.Run("disable", func(t *testing.T) {
		a := New(Options{Disable: []string{"github-pat-classic"}})
		if err := a.Err(); err != nil {
			t.Fatal(err)
		}
		if fs := analyze(t, a, "a", "t="+ghToken); len(fs) != 0 {
			t.Errorf("disabled rule still reported: %+v", fs)
		}
		if len(a.Rules()) != len(Builtin())-1 {
			t.Errorf("Rules() = %d, want %d", len(a.Rules()), len(Builtin())-1)
		}
	})
	t.Run("extra rule", func(t *testing.T) {
		a := New(Options{Extra: []Rule{extra}})
		fs := analyze(t, a, "a", "x = "+extra.Examples.True[0])
		if len(fs) != 1 || fs[0].RuleID != extra.ID {
			t.Errorf("extra rule findings = %+v", fs)
		}
	})
	for _, tc := range []struct {
		name string
		opts Options
		want string
	}{
		{"unknown disable", Options{Disable: []string{"no-such-rule"}}, `disable rule "no-such-rule": no such rule`},
		{"extra duplicates a built-in", Options{Extra: []Rule{{ID: "jwt", Title: "x", Severity: 2, Keywords: []string{"x"}, Regex: "x"}}}, "rule jwt: duplicate id"},
		{"invalid extra", Options{Extra: []Rule{{ID: "bad", Title: "x", Severity: 2, Keywords: []string{"x"}, Regex: "(("}}}, "rule bad: regex"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := New(tc.opts)
			if err := a.Err(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Err() = %v, want %q", err, tc.want)
			}
			if _, err := a.AnalyzeFile(context.Background(), &scan.File{Path: "a", Content: []byte(ghToken)}); err == nil {
				t.Error("AnalyzeFile with a bad configuration must fail closed")
			}
		})
	}
}

func TestCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := New(Options{}).AnalyzeFile(ctx, &scan.File{Path: "a.txt", Content: []byte("t=" + ghToken)})
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "a.txt") || strings.Contains(err.Error(), ghToken[4:]) {
		t.Errorf("err = %v; want context.Canceled naming the file and not the secret", err)
	}
}

func TestRulesDescribeEveryRule(t *testing.T) {
	a := New(Options{})
	rs := a.Rules()
	if len(rs) != len(Builtin()) {
		t.Fatalf("Rules() = %d, want %d", len(rs), len(Builtin()))
	}
	for _, r := range rs {
		if r.ID == "" || r.Title == "" || len(r.CWE) == 0 || r.Severity == finding.SeverityUnknown {
			t.Errorf("rule info incomplete: %+v", r)
		}
	}
	if a.Name() != "secret" {
		t.Errorf("Name() = %q", a.Name())
	}
}
