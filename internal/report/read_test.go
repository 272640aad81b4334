package report

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-sec/palisade/internal/finding"
)

// TestReadJSONRoundTrip reads a written report back: everything survives except the sensitive
// properties, which never left, and the order, which is canonical.
func TestReadJSONRoundTrip(t *testing.T) {
	for name, run := range map[string]func() *Run{"fixture": fixtureRun, "empty": emptyRun} {
		t.Run(name, func(t *testing.T) {
			got, err := ReadJSON(bytes.NewReader(write(t, JSON{}, run())))
			if err != nil {
				t.Fatal(err)
			}
			want := canonical(run())
			if want.Findings == nil {
				want.Findings = []finding.Finding{}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadJSONUnknownConfidence(t *testing.T) {
	r := emptyRun()
	r.Findings = []finding.Finding{{RuleID: "r", Severity: finding.SeverityLow, Fingerprint: "f", Location: finding.Location{Path: "a"}}}
	got, err := ReadJSON(bytes.NewReader(write(t, JSON{}, r)))
	if err != nil {
		t.Fatalf("a finding with unknown confidence must read back: %v", err)
	}
	if got.Findings[0].Confidence != finding.ConfidenceUnknown {
		t.Errorf("confidence = %v", got.Findings[0].Confidence)
	}
}

// TestReadJSONAcceptsNewerMinor follows the versioning policy: 1.x readers read any 1.x report
// and ignore fields a later minor added.
func TestReadJSONAcceptsNewerMinor(t *testing.T) {
	in := strings.Replace(string(write(t, JSON{}, fixtureRun())), `"schemaVersion": "1.0.0",`, `"schemaVersion": "1.7.2", "addedLater": {"x": 1},`, 1)
	got, err := ReadJSON(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Findings) != len(fixtureRun().Findings) {
		t.Errorf("read %d findings", len(got.Findings))
	}
}

func TestReadJSONErrors(t *testing.T) {
	valid := string(write(t, JSON{}, fixtureRun()))
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "read JSON report: line 1, column 1: unexpected end of JSON input"},
		{"not JSON", "hello", "read JSON report: line 1, column 1: invalid character 'h'"},
		{"array", "[]", "read JSON report: line 1, column 1: field (top level): want struct, got JSON array"},
		{"no version", `{"findings": []}`, "read JSON report: no schemaVersion: not a Palisade JSON report"},
		{"version not string", `{"schemaVersion": 1}`, `read JSON report: schemaVersion: want a string like "1.0.0"`},
		{"version malformed", `{"schemaVersion": "1.0"}`, `read JSON report: schemaVersion "1.0": want MAJOR.MINOR.PATCH`},
		{"version leading zero", `{"schemaVersion": "01.0.0"}`, `read JSON report: schemaVersion "01.0.0": want MAJOR.MINOR.PATCH`},
		{"major 2", `{"schemaVersion": "2.0.0", "findings": {}}`, `read JSON report: schemaVersion "2.0.0" is not supported: this palisade reads 1.x reports (written as 1.0.0)`},
		{"major 0", `{"schemaVersion": "0.9.0"}`, `read JSON report: schemaVersion "0.9.0" is not supported`},
		{"no findings", `{"schemaVersion": "1.0.0"}`, "read JSON report: no findings array"},
		{"wrong type", "{\"schemaVersion\": \"1.0.0\",\n  \"stats\": {\"filesScanned\": \"many\"}}", `read JSON report: line 2, column 34: field stats.filesScanned: want int, got JSON string`},
		{"bad severity", strings.Replace(valid, `"severity": "high",`+"\n      \"confidence\"", `"severity": "severe",`+"\n      \"confidence\"", 1), `read JSON report: findings[2] (k8s-privileged-container): severity: unknown severity "severe"`},
		{"bad confidence", strings.Replace(valid, `"confidence": "medium"`, `"confidence": "sure"`, 1), `read JSON report: findings[4] (github-pat): confidence: unknown confidence "sure"`},
		{"bad rule severity", strings.Replace(valid, `"severity": "info"`, `"severity": "none"`, 1), `read JSON report: rules[3] (k8s-default-namespace): severity: unknown severity "none"`},
		{"missing fingerprint", `{"schemaVersion": "1.0.0", "findings": [{"ruleId": "r", "severity": "low", "location": {"path": "a"}}]}`, "read JSON report: findings[0] (r): missing fingerprint"},
		{"missing rule", `{"schemaVersion": "1.0.0", "findings": [{"severity": "low", "fingerprint": "f"}]}`, "read JSON report: findings[0]: missing ruleId"},
		{"missing severity", `{"schemaVersion": "1.0.0", "findings": [{"ruleId": "r", "fingerprint": "f", "location": {"path": "a"}}]}`, "read JSON report: findings[0] (r): missing severity"},
		{"missing path", `{"schemaVersion": "1.0.0", "findings": [{"ruleId": "r", "severity": "low", "fingerprint": "f"}]}`, "read JSON report: findings[0] (r): missing location.path"},
		{"bad suppression", `{"schemaVersion": "1.0.0", "findings": [{"ruleId": "r", "severity": "low", "fingerprint": "f", "location": {"path": "a"}, "suppression": {"kind": "magic"}}]}`, `read JSON report: findings[0] (r): unknown suppression kind "magic"`},
		{"trailing data", `{"schemaVersion": "1.0.0", "findings": []}` + "\n{}", "read JSON report: line 2, column 1: invalid character '{' after top-level value"},
		{"truncated", valid[:200], "unexpected end of JSON input"},
		{"bad time", `{"schemaVersion": "1.0.0", "findings": [], "started": "yesterday"}`, `read JSON report: started: want an RFC 3339 time such as 2026-11-23T07:00:00Z, got "yesterday"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadJSON(strings.NewReader(tc.in))
			if err == nil {
				t.Fatalf("ReadJSON accepted %q", tc.in)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %q\nwant it to contain %q", err, tc.want)
			}
		})
	}
}

func TestReadJSONReaderError(t *testing.T) {
	boom := errors.New("disk on fire")
	_, err := ReadJSON(iotest.ErrReader(boom))
	if !errors.Is(err, boom) {
		t.Errorf("error = %v, want it to wrap the reader's", err)
	}
}

func TestReadSARIFFingerprints(t *testing.T) {
	got, err := ReadSARIFFingerprints(bytes.NewReader(write(t, SARIF{}, fixtureRun())))
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, f := range fixtureRun().Findings {
		want = append(want, f.Fingerprint)
	}
	if diff := cmp.Diff(want, got, cmpSorted); diff != "" {
		t.Errorf("fingerprints (-want +got):\n%s", diff)
	}
	empty, err := ReadSARIFFingerprints(bytes.NewReader(write(t, SARIF{}, emptyRun())))
	if err != nil || len(empty) != 0 {
		t.Errorf("empty run: %v, %v", empty, err)
	}

	tests := []struct{ name, in, want string }{
		{"not JSON", "<xml/>", "read SARIF fingerprints: line 1, column 1: invalid character '<'"},
		{"no version", `{"runs": []}`, "read SARIF fingerprints: no version: not a SARIF log"},
		{"old version", `{"version": "2.0.0", "runs": []}`, `read SARIF fingerprints: version "2.0.0" is not supported (want 2.1.0)`},
		{"no runs", `{"version": "2.1.0"}`, "read SARIF fingerprints: no runs"},
		{"runs not array", `{"version": "2.1.0", "runs": {}}`, "read SARIF fingerprints: line 1, column 30: field runs: want slice, got JSON object"},
		{"other tool", `{"version": "2.1.0", "runs": [{"results": [{"ruleId": "G101", "partialFingerprints": {"primaryLocationLineHash": "abc"}}]}]}`,
			`read SARIF fingerprints: runs[0].results[0] (rule "G101"): no partialFingerprints["palisade/v1"]: not written by Palisade`},
		{"trailing", `{"version": "2.1.0", "runs": []} x`, "read SARIF fingerprints: line 1, column 34: unexpected data after the log"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadSARIFFingerprints(strings.NewReader(tc.in))
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error = %v\nwant prefix %q", err, tc.want)
			}
		})
	}
}

var cmpSorted = cmp.Transformer("sort", func(in []string) []string {
	out := append([]string(nil), in...)
	slices.Sort(out)
	return out
})

func TestReadAllLimited(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		limit    int64
		wantErr  string
	}{
		{"under", "abc", 4, ""},
		{"at", "abcd", 4, ""},
		{"over", "abcde", 4, "input larger than 4 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readAllLimited(strings.NewReader(tc.in), tc.limit)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Errorf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || string(got) != tc.in {
				t.Errorf("got %q, %v", got, err)
			}
		})
	}
	// An endless stream stops at the limit instead of growing without bound.
	if _, err := readAllLimited(endless{}, 1<<20); err == nil {
		t.Error("endless input accepted")
	}
}

type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	return len(p), nil
}
