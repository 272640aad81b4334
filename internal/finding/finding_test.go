package finding

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestSeverityRoundTrip(t *testing.T) {
	for _, s := range Severities() {
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var got Severity
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("unmarshal %s: %v", b, err)
		}
		if got != s {
			t.Errorf("round trip %v: got %v", s, got)
		}
	}
	if _, err := ParseSeverity("severe"); err == nil {
		t.Error("ParseSeverity(severe): want error")
	}
	if s, _ := ParseSeverity(" HIGH "); s != SeverityHigh {
		t.Errorf("ParseSeverity(HIGH) = %v", s)
	}
}

func TestFingerprintIgnoresLinesButNotKey(t *testing.T) {
	a := Fingerprint("aws-access-key", "a.go", "AKIAEXAMPLE")
	if a != Fingerprint("aws-access-key", "a.go", "AKIAEXAMPLE") {
		t.Error("fingerprint not deterministic")
	}
	for name, other := range map[string]string{
		"rule": Fingerprint("other", "a.go", "AKIAEXAMPLE"),
		"path": Fingerprint("aws-access-key", "b.go", "AKIAEXAMPLE"),
		"key":  Fingerprint("aws-access-key", "a.go", "AKIAOTHER"),
		// parts are separated, so shifting a byte between parts changes the hash
		"boundary": Fingerprint("aws-access-ke", "ya.go", "AKIAEXAMPLE"),
	} {
		if other == a {
			t.Errorf("changing %s did not change the fingerprint", name)
		}
	}
	if strings.Contains(a, "AKIA") {
		t.Error("fingerprint leaks the key")
	}
}

func TestRedact(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"short", "*****"},
		{"ghp_0123456789abcdefghijklmnopqrstuvwxyz", "ghp_*****"},
	} {
		if got := Redact(tc.in); got != tc.want {
			t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSortAndGate(t *testing.T) {
	fs := []Finding{
		{RuleID: "b", Severity: SeverityLow, Location: Location{Path: "z"}},
		{RuleID: "a", Severity: SeverityCritical, Location: Location{Path: "z", StartLine: 9}},
		{RuleID: "a", Severity: SeverityCritical, Location: Location{Path: "a", StartLine: 3}},
		{RuleID: "c", Severity: SeverityHigh, Suppression: &Suppression{Kind: SuppressedInline, Reason: "test"}},
	}
	Sort(fs)
	var got []string
	for _, f := range fs {
		got = append(got, f.Severity.String()+":"+f.Location.Path)
	}
	want := "critical:a critical:z high: low:z"
	if strings.Join(got, " ") != want {
		t.Errorf("order = %v, want %s", got, want)
	}
	if n := AtOrAbove(fs, SeverityHigh); n != 2 {
		t.Errorf("AtOrAbove(high) = %d, want 2 (suppressed one excluded)", n)
	}
}

// TestLocationLayerJSON: a location outside an image has no "layer" field; one in an image
// carries the layer's index, digests, build step and whether it is the base image's (false too).
func TestLocationLayerJSON(t *testing.T) {
	tests := []struct {
		name string
		loc  Location
		want string
	}{
		{"not in an image", Location{Path: "go.sum"}, `{"path":"go.sum"}`},
		{"an own layer", Location{Path: "app/.env", Layer: &Layer{Index: 3, Digest: "sha256:aa", DiffID: "sha256:bb", CreatedBy: "COPY . /app"}},
			`{"path":"app/.env","layer":{"index":3,"digest":"sha256:aa","diffID":"sha256:bb","createdBy":"COPY . /app","base":false}}`},
		{"a base layer", Location{Path: "var/lib/dpkg/status", Layer: &Layer{Index: 0, Base: true}},
			`{"path":"var/lib/dpkg/status","layer":{"index":0,"base":true}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.loc)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Errorf("got  %s\nwant %s", b, tt.want)
			}
		})
	}
}
