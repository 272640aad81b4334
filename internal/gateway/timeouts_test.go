package gateway

import (
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/palisade-sec/palisade/internal/gateway/http1/http1test"
	"github.com/palisade-sec/palisade/internal/identity/identitytest"
)

// sidecarHead starts the sidecar configurations of the timeout and limit tests: %[1]s is the
// bundle, %[2]s and %[3]s the SVID, %[5]s the http1_server; the routes that follow it use %[4]s,
// the upstream.
const sidecarHead = `mode: sidecar
identity:
  trust_domain: example.org
  bundle_file: %[1]s
  svid: {cert_file: %[2]s, key_file: %[3]s}
inbound:
  listen: 127.0.0.1:0
http1_server: %[5]s
`

const timeoutsCfg = sidecarHead + "timeouts: {client_body: 300ms, client_write: 300ms, upstream_read: 300ms}\n" + appRoute

// appRoute lets every mTLS caller through to the upstream (%[4]s).
const appRoute = `routes:
  - name: app
    path: /**
    require: [mtls]
    allow: 'true'
    upstream: %[4]s
`

// threeServers are the servers a request can reach: the gateway's HTTP/1 server, net/http's
// HTTP/1 server (http1_server: net/http) and net/http's HTTP/2 server.
var threeServers = []struct {
	name, server string
	h2           bool
}{
	{"palisade http/1.1", HTTP1Palisade, false},
	{"net/http http/1.1", HTTP1NetHTTP, false},
	{"http/2", HTTP1Palisade, true},
}

// startSidecar starts cfg (a sidecarHead template) in front of an upstream serving upstream,
// with the given HTTP/1 server, and returns it, its address, its audit log and a client holding
// an SVID that speaks HTTP/2, or only HTTP/1.1. It must run in a synctest bubble: see
// startMemSidecar.
func startSidecar(t *testing.T, cfg string, upstream http.Handler, server string, h2 bool) (*Gateway, string, *lockedBuffer, *http.Client) {
	t.Helper()
	audit := &lockedBuffer{}
	sc := startMemSidecar(t, cfg, &http.Server{Handler: upstream}, server, h2, audit)
	return sc.g, sc.addr, audit, sc.cl
}

// memSidecar is a sidecar gateway running on an in-memory network.
type memSidecar struct {
	g       *Gateway
	addr    string       // the inbound listener
	cfgPath string       // the configuration file
	cl      *http.Client // holds an SVID; dials the in-memory network
}

// startMemSidecar starts cfg (a sidecarHead template) in front of upstream, with the given
// HTTP/1 server and audit destination, and a client that speaks HTTP/2 or only HTTP/1.1. It must
// run in a synctest bubble: gateway, upstream and client meet on an in-memory network (memNet),
// so every timeout is virtual and a test waits for nothing; the client's transport dials that
// network, and its DialContext reaches the gateway's address.
func startMemSidecar(t *testing.T, cfg string, upstream *http.Server, server string, h2 bool, audit io.Writer) *memSidecar {
	t.Helper()
	n := newMemNet()
	upURL := serveMem(t, n, upstream)
	p := identitytest.NewCA(t, "example.org")
	cert, key := p.IssueFiles("spiffe://example.org/app", "app")
	g, path := runMemGateway(t, n, fmt.Sprintf(cfg, p.BundleFile(), cert, key, upURL, server), audit)
	addr, _, _ := g.Addrs()
	roots := x509.NewCertPool()
	roots.AddCert(p.CA.Bundle()[0])
	cl := clientFor(roots, p.Issue("spiffe://example.org/web", time.Hour))
	tr := cl.Transport.(*http.Transport)
	tr.DialContext = n.DialContext
	t.Cleanup(tr.CloseIdleConnections)
	if !h2 {
		tr.ForceAttemptHTTP2 = false
		tr.TLSClientConfig.NextProtos = []string{"http/1.1"}
	}
	return &memSidecar{g: g, addr: addr, cfgPath: path, cl: cl}
}

// slowApp is an upstream with one endpoint per way a peer can stall.
func slowApp() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/hang": // silent far past upstream_read
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		case "/stream": // slow but moving: 8 chunks 100 ms apart, 800 ms in all
			for i := range 8 {
				fmt.Fprintf(w, "chunk %d\n", i)
				w.(http.Flusher).Flush()
				time.Sleep(100 * time.Millisecond) // virtual time
			}
		case "/big": // more than the sockets between here and a client that never reads can hold
			buf := make([]byte, 64<<10)
			for range 1024 {
				if _, err := w.Write(buf); err != nil {
					return
				}
			}
		case "/upload":
			n, err := io.Copy(io.Discard, r.Body)
			if err != nil {
				return
			}
			fmt.Fprintf(w, "%d bytes", n)
		}
	})
}

// TestTimeoutsCutOffStalledPeersNotSlowOnes runs each stall against the three servers a
// request can reach (Palisade's HTTP/1, net/http's HTTP/1, net/http's HTTP/2): a silent upstream
// is answered 504, a stalled upload 408, a client that stops reading is cut off — each within
// its 300 ms timeout (a progress timeout fires between 7/8 of it and all of it) and recorded in
// the audit log with its reason — while a stream that moves every 100 ms runs for 800 ms, past
// every timeout, and arrives whole. Each case runs on virtual time over an in-memory network.
func TestTimeoutsCutOffStalledPeersNotSlowOnes(t *testing.T) {
	const timeout = 300 * time.Millisecond // timeoutsCfg's
	// within reports whether d is when a progress timeout fires
	within := func(d time.Duration) bool { return d >= timeout*7/8 && d <= timeout }
	type sidecar struct {
		g      *Gateway
		addr   string
		audit  *lockedBuffer
		cl     *http.Client
		server string
		h2     bool
	}
	proto := func(t *testing.T, sc sidecar, resp *http.Response) {
		t.Helper()
		if (resp.ProtoMajor == 2) != sc.h2 {
			t.Fatalf("served over %s", resp.Proto)
		}
	}
	cases := []struct {
		name string
		run  func(t *testing.T, sc sidecar)
	}{
		{"silent upstream is answered 504", func(t *testing.T, sc sidecar) {
			start := time.Now()
			resp, _, err := http1test.Get(t, sc.cl.Transport, http.MethodGet, "https://"+sc.addr+"/hang", nil)
			if err != nil {
				t.Fatal(err)
			}
			proto(t, sc, resp)
			if took := time.Since(start); resp.StatusCode != http.StatusGatewayTimeout || !within(took) {
				t.Fatalf("status %d after %s, want 504 after the %s upstream_read timeout", resp.StatusCode, took, timeout)
			}
			waitAudit(t, sc.g, sc.audit, "/hang", "upstream_timeout")
		}},
		{"slow but moving stream arrives whole", func(t *testing.T, sc sidecar) {
			start := time.Now()
			resp, body, err := http1test.Get(t, sc.cl.Transport, http.MethodGet, "https://"+sc.addr+"/stream", nil)
			if err != nil || resp.StatusCode != 200 || strings.Count(body, "chunk") != 8 {
				t.Fatalf("%v, body %q", err, body)
			}
			if took := time.Since(start); took != 800*time.Millisecond {
				t.Errorf("the stream took %s, want the upstream's 800ms", took)
			}
		}},
		{"stalled upload is answered 408", func(t *testing.T, sc sidecar) {
			pr, pw := io.Pipe()
			defer pw.Close()
			go func() { _, _ = pw.Write([]byte("the first bytes of a body that never ends")) }()
			req, _ := http.NewRequest(http.MethodPost, "https://"+sc.addr+"/upload", pr)
			req.ContentLength = 1 << 20
			start := time.Now()
			resp, err := sc.cl.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			proto(t, sc, resp)
			if took := time.Since(start); resp.StatusCode != http.StatusRequestTimeout || !within(took) {
				t.Fatalf("status %d after %s, want 408 after the %s client_body timeout", resp.StatusCode, took, timeout)
			}
			waitAudit(t, sc.g, sc.audit, "/upload", "client_timeout")
		}},
		{"a complete upload still goes through", func(t *testing.T, sc sidecar) {
			resp, body, err := http1test.Get(t, sc.cl.Transport, http.MethodPost, "https://"+sc.addr+"/upload", strings.NewReader(strings.Repeat("x", 100000)))
			if err != nil || resp.StatusCode != 200 || body != "100000 bytes" {
				t.Fatalf("%v, body %q", err, body)
			}
		}},
		{"client that stops reading is cut off", func(t *testing.T, sc sidecar) {
			resp, err := sc.cl.Get("https://" + sc.addr + "/big")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			proto(t, sc, resp)
			// read nothing: the gateway must give up on its own
			start := time.Now()
			rec := waitAudit(t, sc.g, sc.audit, "/big", "client_timeout")
			limit := timeout + 50*time.Millisecond // waitAudit looks every 50ms
			if sc.server == HTTP1NetHTTP && !sc.h2 {
				// net/http's HTTP/1 server closes the connection inside the failed Write, and
				// crypto/tls waits up to 5s more to send close_notify to a client that reads
				// nothing (with real sockets their buffers usually hide this)
				limit += 5 * time.Second
			}
			if took := time.Since(start); took > limit {
				t.Errorf("cut off after %s (seen at waitAudit's next look), want the %s client_write timeout", took, timeout)
			}
			if rec.BytesOut >= 64<<20 {
				t.Fatalf("the whole body counted as sent: %d bytes", rec.BytesOut)
			}
			n, _ := io.Copy(io.Discard, resp.Body)
			if n >= 64<<20 {
				t.Fatalf("the client received the whole body (%d bytes) after being cut off", n)
			}
		}},
	}
	for _, srv := range threeServers {
		t.Run(srv.name, func(t *testing.T) {
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					synctest.Test(t, func(t *testing.T) {
						g, addr, audit, cl := startSidecar(t, timeoutsCfg, slowApp(), srv.server, srv.h2)
						tc.run(t, sidecar{g: g, addr: addr, audit: audit, cl: cl, server: srv.server, h2: srv.h2})
					})
				})
			}
		})
	}
}

// waitAudit waits (at most 10 s of the bubble's virtual time) for the audit record of path and
// checks its reason. Each look comes once every goroutine of the bubble is blocked, so a record
// due now is written; the gaps between looks let timeouts due later fire.
func waitAudit(t *testing.T, g *Gateway, audit *lockedBuffer, path, reason string) Record {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		synctest.Wait()
		if err := g.audit.Flush(); err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSpace(audit.String()), "\n") {
			var r Record
			if line == "" || json.Unmarshal([]byte(line), &r) != nil || r.Path != path {
				continue
			}
			if r.Reason != reason {
				t.Fatalf("audit reason %q for %s, want %q: %s", r.Reason, path, reason, line)
			}
			return r
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			n := runtime.Stack(buf, true)
			os.Stderr.Write(buf[:n])
			t.Fatalf("no audit record for %s within 10s:\n%s", path, audit.String())
		}
		time.Sleep(50 * time.Millisecond) // virtual time
	}
}

// TestTimeoutsConfig checks defaults, the refusal of negative and nanosecond timeouts with the
// field named, and that a reload cannot change the client-side ones.
func TestTimeoutsConfig(t *testing.T) {
	p := identitytest.NewCA(t, "example.org")
	cert, key := p.IssueFiles("spiffe://example.org/app", "app")
	base := fmt.Sprintf(timeoutsCfg, p.BundleFile(), cert, key, "http://127.0.0.1:1", HTTP1Palisade)

	cfg, err := ParseConfig("gateway.yaml", []byte(strings.Replace(base, "timeouts: {client_body: 300ms, client_write: 300ms, upstream_read: 300ms}\n", "", 1)))
	if err != nil {
		t.Fatal(err)
	}
	want := TimeoutsConfig{DefaultReadHeaderTimeout, DefaultIdleTimeout, DefaultClientBodyTimeout, DefaultClientWriteTimeout,
		DefaultUpstreamConnectTimeout, DefaultUpstreamReadTimeout, DefaultUpstreamWriteTimeout}
	if cfg.Timeouts != want {
		t.Errorf("defaults: %+v, want %+v", cfg.Timeouts, want)
	}
	for _, bad := range []string{"upstream_read: -1s", "idle: 10ns", "client_write: 0.5us"} {
		text := strings.Replace(base, "timeouts: {client_body: 300ms, client_write: 300ms, upstream_read: 300ms}", "timeouts: {"+bad+"}", 1)
		_, err := ParseConfig("gateway.yaml", []byte(text))
		field := "timeouts." + strings.SplitN(bad, ":", 2)[0]
		if err == nil || !strings.Contains(err.Error(), field) || !strings.Contains(err.Error(), "gateway.yaml:") {
			t.Errorf("%s: %v, want an error naming the file and %s", bad, err, field)
		}
	}

	g, path := startGateway(t, base, nil, io.Discard)
	for _, change := range []struct {
		from, to string
		ok       bool
	}{
		{"upstream_read: 300ms", "upstream_read: 2s", true},
		{"client_write: 300ms", "client_write: 2s", false},
	} {
		if err := os.WriteFile(path, []byte(strings.Replace(base, change.from, change.to, 1)), 0o600); err != nil {
			t.Fatal(err)
		}
		err := g.Reload()
		if change.ok != (err == nil) || err != nil && !strings.Contains(err.Error(), "timeouts") {
			t.Errorf("reload with %s: %v (want success %v)", change.to, err, change.ok)
		}
	}
}
