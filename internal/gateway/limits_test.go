package gateway

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/palisade-sec/palisade/internal/gateway/http1/http1test"
	"github.com/palisade-sec/palisade/internal/identity/identitytest"
)

const limitsCfg = sidecarHead + `limits: {max_request_body: 1KiB}
routes:
  - name: big
    path: /big/**
    require: [mtls]
    allow: 'true'
    upstream: %[4]s
    max_request_body: 1MiB
  - name: app
    path: /**
    require: [mtls]
    allow: 'true'
    upstream: %[4]s
`

// unsized hides a reader's length, so the client sends the body chunked (HTTP/1.1) or without
// a content-length (HTTP/2): the gateway learns its size only by reading it.
type unsized struct{ r io.Reader }

func (u unsized) Read(p []byte) (int, error) { return u.r.Read(p) }

// TestRequestBodyLimit checks limits.max_request_body and its per-route override on every
// server: a declared length over the limit is refused 413 before the upstream hears of the
// request; an undeclared one is cut off at the limit and refused 413 (audited as a deny with
// reason body_too_large); a body of exactly the limit passes, declared or not. It runs on
// virtual time over an in-memory network (see startSidecar).
func TestRequestBodyLimit(t *testing.T) {
	for _, tc := range threeServers {
		t.Run(tc.name, func(t *testing.T) { synctest.Test(t, func(t *testing.T) { testRequestBodyLimit(t, tc.server, tc.h2) }) })
	}
}

func testRequestBodyLimit(t *testing.T, server string, h2 bool) {
	var seen atomic.Int64 // requests whose body the upstream read to the end
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		if err != nil {
			return
		}
		seen.Add(1)
		fmt.Fprintf(w, "%d bytes", n)
	})
	g, addr, audit, cl := startSidecar(t, limitsCfg, app, server, h2)
	post := func(path string, size int, declared bool) (int, string) {
		t.Helper()
		var body io.Reader = strings.NewReader(strings.Repeat("x", size))
		if !declared {
			body = unsized{body}
		}
		resp, b, err := http1test.Get(t, cl.Transport, http.MethodPost, "https://"+addr+path, body)
		if err != nil {
			t.Fatalf("POST %s (%d bytes): %v", path, size, err)
		}
		if (resp.ProtoMajor == 2) != h2 {
			t.Fatalf("served over %s", resp.Proto)
		}
		return resp.StatusCode, b
	}

	for _, c := range []struct {
		path     string
		size     int
		declared bool
		status   int
		body     string
	}{
		{"/a", 1024, true, 200, "1024 bytes"},
		{"/b", 1024, false, 200, "1024 bytes"},
		{"/big/c", 100000, false, 200, "100000 bytes"},
	} {
		if status, body := post(c.path, c.size, c.declared); status != c.status || body != c.body {
			t.Errorf("POST %s, %d bytes (declared %v): %d %q, want %d %q", c.path, c.size, c.declared, status, body, c.status, c.body)
		}
	}
	before := seen.Load()
	if status, _ := post("/declared", 2000, true); status != http.StatusRequestEntityTooLarge {
		t.Errorf("declared 2000 bytes over a 1KiB limit: %d, want 413", status)
	}
	if status, _ := post("/undeclared", 2000, false); status != http.StatusRequestEntityTooLarge {
		t.Errorf("undeclared 2000 bytes over a 1KiB limit: %d, want 413", status)
	}
	if status, _ := post("/big/over", 2<<20, true); status != http.StatusRequestEntityTooLarge {
		t.Errorf("2MiB over the route's 1MiB: %d, want 413", status)
	}
	if n := seen.Load() - before; n != 0 {
		t.Errorf("the upstream read %d oversized bodies to the end", n)
	}
	for _, path := range []string{"/declared", "/undeclared", "/big/over"} {
		if rec := waitAudit(t, g, audit, path, "body_too_large"); rec.Decision != decisionDeny || rec.Status != http.StatusRequestEntityTooLarge {
			t.Errorf("%s audited as %s/%d, want deny/413", path, rec.Decision, rec.Status)
		}
	}
}

// TestRequestBodyLimitConfig checks that a negative or unreadable size is refused with its
// field and line.
func TestRequestBodyLimitConfig(t *testing.T) {
	p := identitytest.NewCA(t, "example.org")
	cert, key := p.IssueFiles("spiffe://example.org/app", "app")
	base := fmt.Sprintf(limitsCfg, p.BundleFile(), cert, key, "http://127.0.0.1:1", HTTP1Palisade)
	for _, c := range []struct{ from, to, want string }{
		{"max_request_body: 1KiB", "max_request_body: -1", `gateway.yaml:9:28: limits.max_request_body: size "-1": want a number`},
		{"max_request_body: 1MiB", "max_request_body: 5 parsecs", `gateway.yaml:16:23: routes[0].max_request_body: size "5 parsecs": unknown unit`},
		{"max_request_body: 1KiB", "max_request_body: [1]", "gateway.yaml:9:28: limits.max_request_body: want a single value, got a list"},
	} {
		_, err := ParseConfig("gateway.yaml", []byte(strings.Replace(base, c.from, c.to, 1)))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", c.to, err, c.want)
		}
	}
	cfg, err := ParseConfig("gateway.yaml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Limits.MaxRequestBody != 1<<10 || cfg.Routes[0].MaxRequestBody != 1<<20 {
		t.Errorf("sizes read as %d and %d", cfg.Limits.MaxRequestBody, cfg.Routes[0].MaxRequestBody)
	}
}
