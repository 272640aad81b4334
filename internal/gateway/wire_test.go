package gateway

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/palisade-sec/palisade/internal/gateway/http1/http1test"
	"github.com/palisade-sec/palisade/internal/identity/identitytest"
	"github.com/palisade-sec/palisade/internal/jwtauth/jwttest"
)

// The gateway over its HTTP/1 wire (package http1): large bodies both ways, the disconnect
// watcher wired to the forwarder, and a reload closing the idle upstream connections.

const watchCfg = sidecarHead + "timeouts: {read_header: 200ms}\n" + appRoute

// TestHTTP1ClientDisconnect checks that the disconnect watcher is wired through the gateway: a
// client that hangs up while the upstream works on its request gets the upstream request
// cancelled at once and audited as client_gone. It runs the whole gateway (TLS, the forwarder,
// an upstream, the audit log) on virtual time over an in-memory network; package http1's
// TestHTTP1WatcherTiming holds the watcher itself (timing, pipelining, the header deadline).
func TestHTTP1ClientDisconnect(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cancelled := make(chan time.Time, 1)
		app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/hang" {
				select {
				case <-r.Context().Done():
					cancelled <- time.Now()
				case <-time.After(5 * time.Second):
				}
			}
		})
		g, addr, audit, cl := startSidecar(t, watchCfg, app, HTTP1Palisade, false)
		tr := cl.Transport.(*http.Transport)
		raw, err := tr.DialContext(context.Background(), "tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c := tls.Client(raw, tr.TLSClientConfig.Clone())
		defer c.Close()
		if _, err := io.WriteString(c, "GET /hang HTTP/1.1\r\nHost: app\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(201 * time.Millisecond) // virtual time: past the disconnect scanner's two looks
		closed := time.Now()
		c.Close()
		select {
		case at := <-cancelled:
			if d := at.Sub(closed); d != 0 {
				t.Errorf("upstream request cancelled %s after the client left, want at once", d)
			}
		case <-time.After(3 * time.Second):
			t.Fatal("the upstream request ran on after its client left")
		}
		waitAudit(t, g, audit, "/hang", "client_gone")
	})
}

func TestReloadClosesIdleUpstreamConnections(t *testing.T) {
	synctest.Test(t, testReloadClosesIdleUpstreamConnections)
}

func testReloadClosesIdleUpstreamConnections(t *testing.T) {
	var opened, closed atomic.Int32
	app := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }),
		ConnState: func(_ net.Conn, s http.ConnState) {
			switch s {
			case http.StateNew:
				opened.Add(1)
			case http.StateClosed:
				closed.Add(1)
			}
		}}
	sc := startMemSidecar(t, sidecarHead+appRoute, app, HTTP1Palisade, true, io.Discard)
	for i := 0; i < 3; i++ {
		resp, err := sc.cl.Get("https://" + sc.addr + "/orders/1")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("request %d: status %d", i, resp.StatusCode)
		}
	}
	if n := opened.Load(); n != 1 {
		t.Fatalf("%d upstream connections for 3 sequential requests, want 1", n)
	}
	if err := os.Chtimes(sc.cfgPath, time.Now(), time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := sc.g.Reload(); err != nil {
		t.Fatal(err)
	}
	synctest.Wait() // the close has reached the upstream, if it was made
	if closed.Load() < 1 {
		t.Fatal("the replaced configuration's idle upstream connection was not closed")
	}
}

// TestGatewayStreamsLargeBodiesBothWays sends an 8 MiB upload and a 32 MiB chunked download
// through a sidecar (mTLS in, HTTP/1.1 out) on both HTTP/1 servers and checks every byte.
func TestGatewayStreamsLargeBodiesBothWays(t *testing.T) {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/orders/upload":
			h := sha256.New()
			n, _ := io.Copy(h, r.Body)
			fmt.Fprintf(w, "%d %x", n, h.Sum(nil))
		case "/orders/download":
			buf := bytes.Repeat([]byte("0123456789abcdef"), 4096) // 64 KiB
			for i := 0; i < 512; i++ {
				if _, err := w.Write(buf); err != nil {
					return
				}
			}
		}
	}))
	t.Cleanup(app.Close)
	for _, server := range []string{HTTP1Palisade, HTTP1NetHTTP} {
		t.Run(server, func(t *testing.T) {
			p := identitytest.NewCA(t, "example.org")
			idp := jwttest.NewIssuer(t, "k1")
			cert, key := p.IssueFiles("spiffe://example.org/orders", "orders")
			cfg := fmt.Sprintf(sidecarB, p.BundleFile(), cert, key, app.URL, idp.Server.URL) + "http1_server: " + server + "\n"
			g, _ := startGateway(t, cfg, idp.Server.Client(), io.Discard)
			addr, _, _ := g.Addrs()
			roots := x509.NewCertPool()
			for _, r := range p.CA.Bundle() {
				roots.AddCert(r)
			}
			cl := clientFor(roots, p.Issue("spiffe://example.org/web", time.Hour))

			upload := bytes.Repeat([]byte{0xA5, 0x5A, 0x00, 0xFF}, 2<<20) // 8 MiB
			resp, err := cl.Post("https://"+addr+"/orders/upload", "application/octet-stream", bytes.NewReader(upload))
			if err != nil {
				t.Fatal(err)
			}
			want := fmt.Sprintf("%d %x", len(upload), sha256.Sum256(upload))
			if got := http1test.BodyOf(resp); resp.StatusCode != 200 || got != want {
				t.Errorf("upload: %d %q, want %q", resp.StatusCode, got, want)
			}
			resp.Body.Close()

			resp, err = cl.Get("https://" + addr + "/orders/download")
			if err != nil {
				t.Fatal(err)
			}
			h := sha256.New()
			n, err := io.Copy(h, resp.Body)
			resp.Body.Close()
			wantSum := sha256.Sum256(bytes.Repeat([]byte("0123456789abcdef"), 4096*512))
			if err != nil || n != 32<<20 || !bytes.Equal(h.Sum(nil), wantSum[:]) {
				t.Errorf("download: %d bytes, err %v, checksum match %v", n, err, bytes.Equal(h.Sum(nil), wantSum[:]))
			}
		})
	}
}
