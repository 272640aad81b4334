package gateway

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestAuditFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	a, err := openAudit(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []Record{
		{Time: time.Unix(1, 0).UTC(), RequestID: "r1", Direction: "inbound", Decision: "allow", Reason: "allowed", Status: 200},
		{Time: time.Unix(2, 0).UTC(), RequestID: "r2", Direction: "inbound", Decision: "deny", Reason: "no_route", Status: 404},
	}
	for i := range want {
		a.write(&want[i])
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("audit file mode %v, want 0600", fi.Mode().Perm())
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	var got []Record
	for dec.More() {
		var r Record
		if err := dec.Decode(&r); err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("records (-want +got):\n%s", d)
	}
}

// recordWith returns a Record whose every string field is s, so one case exercises the escaping
// of each field and the omitempty fields both present and absent.
func recordWith(s string, n int64, lat float64, t time.Time) Record {
	return Record{Time: t, RequestID: s, Direction: s, SourceAddr: s, SPIFFEID: s, JWTSubject: s, JWTIssuer: s,
		JWTID: s, Method: s, Host: s, Path: s, Protocol: s, Route: s, Decision: s, Reason: s,
		Status: int(n), UpstreamStatus: int(n), BytesIn: n, BytesOut: -n, LatencyMS: lat}
}

func TestAppendRecordMatchesJSON(t *testing.T) {
	ts := time.Date(2026, 11, 23, 9, 41, 5, 123456789, time.UTC)
	for _, tc := range []struct {
		name string
		rec  Record
	}{
		{"zero", Record{}},
		{"typical", Record{Time: ts, RequestID: "0a1b", Direction: "inbound", SourceAddr: "127.0.0.1:5555",
			JWTSubject: "alice", Method: "GET", Host: "shop.localhost", Path: "/orders/1", Protocol: "HTTP/1.1",
			Route: "orders", Decision: "allow", Reason: "allowed", Status: 200, UpstreamStatus: 200, BytesOut: 31, LatencyMS: 0.412}},
		{"quotes and backslashes", recordWith(`a"b\c`, 1, 1, ts)},
		{"control characters", recordWith("\x00\x01\b\f\n\r\t\x1f\x7f", 2, 0.001, ts)},
		{"html characters", recordWith("<script>&amp;</script>", 3, 12.5, ts)},
		{"line separators", recordWith("a\u2028b\u2029c", 4, 1e-7, ts)},
		{"invalid utf-8", recordWith("/\xff\xfe/\xc3(/ok/é/日本", 5, 3e21, ts)},
		{"truncated rune at end", recordWith("abc\xe6\x97", 6, 123456789.25, ts)},
		{"whole second time", recordWith("x", 7, 0, time.Unix(1, 0).UTC())},
		{"non-UTC zone", recordWith("x", 8, 0, time.Date(2026, 1, 2, 3, 4, 5, 6, time.FixedZone("x", 3600)))},
		{"negative latency", recordWith("x", -9, -0.5, ts)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, err := json.Marshal(&tc.rec)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(string(want), string(appendRecord(nil, &tc.rec))); d != "" {
				t.Errorf("appendRecord differs from encoding/json (-want +got):\n%s", d)
			}
		})
	}
}
