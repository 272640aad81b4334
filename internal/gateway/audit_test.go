package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/palisade-sec/palisade/internal/gateway/http1/http1test"
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

// flakyWriter is an audit destination that refuses writes while down, and can take only part
// of a write before failing (a disk filling up mid-write).
type flakyWriter struct {
	mu      sync.Mutex
	got     bytes.Buffer
	down    bool
	partial int // while down, bytes of each write accepted before the error
}

func (f *flakyWriter) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		n := min(f.partial, len(p))
		f.got.Write(p[:n])
		return n, errors.New("no space left on device")
	}
	return f.got.Write(p)
}

func (f *flakyWriter) set(down bool, partial int) {
	f.mu.Lock()
	f.down, f.partial = down, partial
	f.mu.Unlock()
}

// TestAuditLogSurvivesWriteFailures checks that records written while the destination fails
// — even one that takes part of a write — reach it once it recovers, whole, in order and once;
// that the backlog is bounded, with what it drops counted; and that Failing says so meanwhile.
func TestAuditLogSurvivesWriteFailures(t *testing.T) {
	out := &flakyWriter{}
	a := &auditLog{out: out}
	var want []string
	put := func(n int) {
		for range n {
			id := fmt.Sprintf("r%05d", len(want))
			a.write(&Record{RequestID: id, Path: "/orders/" + id})
			want = append(want, id)
		}
	}
	put(10)
	if err := a.Flush(); err != nil || a.Failing() {
		t.Fatalf("healthy flush: %v, failing %v", err, a.Failing())
	}
	out.set(true, 37) // every write from now on takes 37 bytes, then fails
	put(2000)         // more than a chunk: write tries (and fails) on its own too
	if err := a.Flush(); err == nil || !a.Failing() {
		t.Fatalf("flush to a failing destination: %v, failing %v", err, a.Failing())
	}
	put(10)
	out.set(false, 0)
	if err := a.Flush(); err != nil || a.Failing() {
		t.Fatalf("flush after recovery: %v, failing %v", err, a.Failing())
	}
	var got []string
	for i, line := range strings.Split(strings.TrimSuffix(out.got.String(), "\n"), "\n") {
		var r Record
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("line %d is not a whole record: %v: %q", i+1, err, line)
		}
		got = append(got, r.RequestID)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("records (-want +got):\n%s", d)
	}

	// a long outage: the backlog stops at auditMaxPending and the rest is counted as dropped
	out.set(true, 0)
	rec := &Record{RequestID: "x", Path: "/" + strings.Repeat("p", 1000)}
	line := len(appendRecord(nil, rec)) + 1
	total := auditMaxPending/line + 500
	for range total {
		a.write(rec)
	}
	_ = a.Flush()
	dropped := a.TakeDropped()
	if dropped < 400 || dropped > 600 {
		t.Errorf("dropped %d of %d records of %d bytes, want about 500 past the %d-byte bound", dropped, total, line, auditMaxPending)
	}
	if a.TakeDropped() != 0 {
		t.Error("TakeDropped did not reset")
	}
	out.set(false, 0)
	before := out.got.Len()
	if err := a.Flush(); err != nil {
		t.Fatal(err)
	}
	if kept := (out.got.Len() - before) / line; int64(kept) != int64(total)-dropped {
		t.Errorf("%d records written after the outage, want %d", kept, int64(total)-dropped)
	}
}

const failClosedCfg = sidecarHead + "audit: {fail_closed: true}\n" + appRoute

// TestAuditFailClosed runs a gateway with audit.fail_closed whose audit destination fails for a
// while: requests are refused 503 (audit_unavailable) while it fails and served again once it
// recovers, and every record — the refusals' too — reaches the log. The flush timer finds out
// within one period either way. It runs on virtual time over an in-memory network.
func TestAuditFailClosed(t *testing.T) { synctest.Test(t, testAuditFailClosed) }

func testAuditFailClosed(t *testing.T) {
	out := &flakyWriter{}
	app := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") })}
	sc := startMemSidecar(t, failClosedCfg, app, HTTP1Palisade, true, out)
	g, addr, cl := sc.g, sc.addr, sc.cl
	status := func(path string) int {
		t.Helper()
		resp, _, err := http1test.Get(t, cl.Transport, http.MethodGet, "https://"+addr+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode
	}
	waitFailing := func(want bool) {
		t.Helper()
		start := time.Now()
		time.Sleep(flushEvery) // virtual time: the flush timer of Gateway.Run looks once
		synctest.Wait()
		if g.audit.Failing() != want {
			t.Fatalf("audit log failing = %v %s later, want %v", g.audit.Failing(), time.Since(start), want)
		}
	}
	if s := status("/before"); s != 200 {
		t.Fatalf("healthy: %d", s)
	}
	out.set(true, 0)
	waitFailing(true) // the flush timer found out
	if s := status("/during"); s != http.StatusServiceUnavailable {
		t.Fatalf("while the audit log fails: %d, want 503", s)
	}
	out.set(false, 0)
	waitFailing(false)
	if s := status("/after"); s != 200 {
		t.Fatalf("after recovery: %d", s)
	}
	if err := g.audit.Flush(); err != nil {
		t.Fatal(err)
	}
	out.mu.Lock()
	log := out.got.String()
	out.mu.Unlock()
	for _, want := range []string{`"path":"/before","protocol":"HTTP/2.0","route":"app","decision":"allow"`,
		`"path":"/during"`, `"reason":"audit_unavailable","status":503`, `"path":"/after"`} {
		if !strings.Contains(log, want) {
			t.Errorf("audit log lacks %s:\n%s", want, log)
		}
	}
}
