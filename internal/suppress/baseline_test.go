package suppress

import (
	"bytes"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/report"
)

func TestReadBaselineFiles(t *testing.T) {
	tests := []struct {
		file       string
		wantFormat string
	}{
		{"baseline-report.json", "palisade-json"},
		{"baseline.sarif", "sarif"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			b, err := ReadBaselineFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if b.Format != tc.wantFormat {
				t.Errorf("format = %q, want %q", b.Format, tc.wantFormat)
			}
			if len(b.fps) != 2 {
				t.Errorf("%d fingerprints, want 2", len(b.fps))
			}
			for _, fp := range []string{"0a1b2c3d4e5f60718293a4b5c6d7e8f9", "FFEEDDCCBBAA99887766554433221100"} {
				if !b.Contains(fp) {
					t.Errorf("missing %s", fp)
				}
			}
			for _, fp := range []string{"", "0a1b2c3d4e5f60718293a4b5c6d7e8f0", "39fa2ee980eb94b0:1"} {
				if b.Contains(fp) {
					t.Errorf("unexpectedly contains %q", fp)
				}
			}
		})
	}
}

func TestReadBaselineErrors(t *testing.T) {
	tests := []struct {
		name, content, want string
	}{
		{"empty", ``, "unexpected end of JSON input"},
		{"not json", "findings:\n  - x\n", "line 1, column 2: invalid character 'i'"},
		{"syntax error position", "{\n  \"schemaVersion\": \"1.0.0\",\n  \"findings\": [,]\n}", "line 3, column 16: invalid character ','"},
		{"array", `[{"fingerprint": "aa"}]`, "cannot unmarshal array"},
		{"other json", `{"Results": []}`, `neither a Palisade JSON report (no "schemaVersion") nor a SARIF log (no "runs")`},
		{"future major", `{"schemaVersion": "2.0.0", "findings": []}`, `schemaVersion "2.0.0": unsupported major version (this build reads 1.x)`},
		{"version not a string", `{"schemaVersion": 1, "findings": []}`, `schemaVersion: want a string`},
		{"no findings", `{"schemaVersion": "1.0.0"}`, `missing "findings"`},
		{"findings not a list", `{"schemaVersion": "1.0.0", "findings": {}}`, `findings: want a list of objects`},
		{"finding without fingerprint", `{"schemaVersion": "1.0.0", "findings": [{"fingerprint": "ab"}, {"ruleId": "jwt"}]}`, `findings[1].fingerprint: missing`},
		{"fingerprint not hex", `{"schemaVersion": "1.0.0", "findings": [{"fingerprint": "xyz"}]}`, `findings[0].fingerprint: want a hexadecimal fingerprint`},
		{"sarif wrong version", `{"version": "2.0.0", "runs": []}`, `only SARIF 2.1.0 is read`},
		{"sarif runs not a list", `{"version": "2.1.0", "runs": 3}`, `runs: want a list of SARIF runs`},
		{"sarif other tool", `{"version": "2.1.0", "runs": [{"results": [{"partialFingerprints": {"primaryLocationLineHash": "ab:1"}}]}]}`,
			`runs[0].results[0].partialFingerprints["palisade/v1"]: missing (was this SARIF log written by Palisade?)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadBaseline("prev.json", strings.NewReader(tc.content))
			if err == nil {
				t.Fatalf("want error containing %q", tc.want)
			}
			if !strings.HasPrefix(err.Error(), "read baseline prev.json: ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error\n  %v\nwant it to name the file and contain\n  %s", err, tc.want)
			}
		})
	}
}

// The baseline reader must read what Palisade's own writers produce, in both formats.
func TestReadBaselineFromRealWriters(t *testing.T) {
	fps := []string{
		finding.Fingerprint("generic-password", "config/dev.env", "k1"),
		finding.Fingerprint("jwt", "test/token.txt", "k2"),
	}
	run := &report.Run{
		Tool:     report.Tool{Name: "palisade", Version: "test"},
		Target:   ".",
		Scanners: []string{"secret"},
		Findings: []finding.Finding{
			{RuleID: "generic-password", Title: "Generic password", Severity: finding.SeverityHigh, Confidence: finding.ConfidenceMedium,
				Location: finding.Location{Path: "config/dev.env", StartLine: 3}, Fingerprint: fps[0], Scanner: "secret"},
			{RuleID: "jwt", Title: "JSON Web Token", Severity: finding.SeverityMedium, Confidence: finding.ConfidenceHigh,
				Location: finding.Location{Path: "test/token.txt", StartLine: 1}, Fingerprint: fps[1], Scanner: "secret",
				Suppression: &finding.Suppression{Kind: finding.SuppressedInline, Reason: "test token", Source: "test/token.txt:1"}},
		},
	}
	for _, format := range []string{"json", "sarif"} {
		t.Run(format, func(t *testing.T) {
			w, err := report.New(format, report.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := w.Write(&buf, run); err != nil {
				t.Fatal(err)
			}
			b, err := ReadBaseline("prev."+format, &buf)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for fp := range b.fps {
				got = append(got, fp)
			}
			slices.Sort(got)
			want := slices.Sorted(slices.Values(fps))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("fingerprints (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadBaselineTooLarge(t *testing.T) {
	_, err := readBaseline("big.json", strings.NewReader(`{"schemaVersion": "1.0.0", "findings": []}`), 16)
	if err == nil || !strings.Contains(err.Error(), "read baseline big.json: larger than the 16-byte limit") {
		t.Errorf("err = %v, want a size error", err)
	}
	if _, err := readBaseline("ok.json", strings.NewReader(`{"schemaVersion": "1.0.0", "findings": []}`), 64); err != nil {
		t.Errorf("under the limit: %v", err)
	}
}
