package gateway

import (
	"bufio"
	"bytes"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/palisade-sec/palisade/internal/gateway/http1/http1test"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// h2Request is the client side of HTTP/2 after a switch: the preface, SETTINGS and one
// HEADERS frame on stream 3 (stream 1 belongs to the upgrade request) for method and path.
func h2Request(t *testing.T, method, path string) []byte {
	t.Helper()
	var buf bytes.Buffer
	buf.WriteString(http2.ClientPreface)
	fr := http2.NewFramer(&buf, nil)
	if err := fr.WriteSettings(); err != nil {
		t.Fatal(err)
	}
	var hb bytes.Buffer
	enc := hpack.NewEncoder(&hb)
	for _, f := range [][2]string{{":method", method}, {":scheme", "http"}, {":authority", "shop.localhost"}, {":path", path}} {
		_ = enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})
	}
	if err := fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 3, BlockFragment: hb.Bytes(), EndStream: true, EndHeaders: true}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestUpgradeH2CNeverTunnels sends, over TLS, an h2c upgrade on the open /public/** route
// followed at once by HTTP/2 frames for GET /admin — what an attacker does to get past routing
// once the upstream agrees to switch. The upgrade must be refused (403, audited, connection
// closed) and nothing, neither the upgrade request nor /admin, may reach the upstream; the
// same upgrade on a route that allows only websocket is refused too. Run on both HTTP/1
// servers, on virtual time over an in-memory network.
func TestUpgradeH2CNeverTunnels(t *testing.T) {
	for _, server := range []string{HTTP1Palisade, HTTP1NetHTTP} {
		t.Run(server, func(t *testing.T) { synctest.Test(t, func(t *testing.T) { testUpgradeH2CNeverTunnels(t, server) }) })
	}
}

func testUpgradeH2CNeverTunnels(t *testing.T, server string) {
	e := startEdgeOn(t, newMemNet(), server, "")
	for _, path := range []string{"/public/x", "/ws/x"} {
		c := e.dial(t, "http/1.1")
		raw := "GET " + path + " HTTP/1.1\r\nHost: shop.localhost\r\nConnection: Upgrade, HTTP2-Settings\r\n" +
			"Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n"
		if _, err := c.Write(append([]byte(raw), h2Request(t, "GET", "/admin")...)); err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(c)
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if resp.StatusCode == http.StatusSwitchingProtocols {
			// the tunnel is open: see whether the upstream answers the HTTP/2 request
			fr := http2.NewFramer(nil, br)
			for {
				f, err := fr.ReadFrame()
				if err != nil {
					break
				}
				if f.Header().StreamID == 3 {
					t.Errorf("%s: the upstream answered an HTTP/2 request tunnelled through an h2c upgrade", path)
					break
				}
			}
		}
		if resp.StatusCode != http.StatusForbidden || !resp.Close {
			t.Errorf("%s: %d (close %v), want 403 and the connection closed", path, resp.StatusCode, resp.Close)
		}
		rest := http1test.ReadAll(c, 2*time.Second)
		_ = rest
	}
	if reqs, tunnel := e.up.seen(); len(reqs) != 0 || tunnel != "" {
		t.Errorf("the upstream saw %+v (tunnel %q), want nothing", reqs, tunnel)
	}
	var reasons []string
	for _, r := range e.records(t) {
		reasons = append(reasons, r.Path+" "+r.Reason)
	}
	if got := strings.Join(reasons, ", "); got != "/public/x upgrade_not_allowed, /ws/x upgrade_not_allowed" {
		t.Errorf("audit: %s", got)
	}
}

// TestUpgradeWebSocketIsOneAuditedTunnel: on a route that allows websocket the switch goes
// through, HTTP2-Settings is not forwarded, and the whole tunnel is one audit record with the
// bytes each way and its duration; an upgrade to websocket on a route that does not allow it is
// refused and never reaches the upstream, and Upgrade without "Connection: upgrade" is removed.
// Run on both HTTP/1 servers, on virtual time over an in-memory network.
func TestUpgradeWebSocketIsOneAuditedTunnel(t *testing.T) {
	for _, server := range []string{HTTP1Palisade, HTTP1NetHTTP} {
		t.Run(server, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { testUpgradeWebSocketIsOneAuditedTunnel(t, server) })
		})
	}
}

func testUpgradeWebSocketIsOneAuditedTunnel(t *testing.T, server string) {
	e := startEdgeOn(t, newMemNet(), server, "")
	c := e.dial(t, "http/1.1")
	_, _ = c.Write([]byte("GET /ws/chat HTTP/1.1\r\nHost: shop.localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
		"HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"))
	br := bufio.NewReader(c)
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("websocket on /ws: %d, want 101", resp.StatusCode)
	}
	_, _ = c.Write([]byte("ping\n"))
	line, err := br.ReadString('\n')
	if err != nil || line != "ping\n" {
		t.Fatalf("echo through the tunnel: %q, %v", line, err)
	}
	time.Sleep(time.Second) // virtual time: the tunnel lasts a second
	c.Close()

	c2 := e.dial(t, "http/1.1")
	_, _ = c2.Write([]byte("GET /public/ws HTTP/1.1\r\nHost: shop.localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n" +
		"GET /public/plain HTTP/1.1\r\nHost: shop.localhost\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n"))
	out := http1test.ReadAll(c2, 2*time.Second)
	if !strings.HasPrefix(out, "HTTP/1.1 403") {
		t.Errorf("websocket on /public: %q, want 403", out)
	}
	c3 := e.dial(t, "http/1.1")
	_, _ = c3.Write([]byte("GET /public/plain HTTP/1.1\r\nHost: shop.localhost\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n"))
	_ = c3.SetReadDeadline(time.Now().Add(5 * time.Second))
	if resp, err := http.ReadResponse(bufio.NewReader(c3), nil); err != nil || resp.StatusCode != 200 {
		t.Fatalf("Upgrade without Connection: upgrade: %v %v, want 200 with the field removed", resp, err)
	}

	// the tunnel's record is written when it ends: by now, once every goroutine is idle
	synctest.Wait()
	var tunnel *Record
	for _, r := range e.records(t) {
		if r.Path == "/ws/chat" {
			tunnel = &r
		}
	}
	if tunnel == nil {
		t.Fatal("no audit record for the tunnel")
	}
	if tunnel.Upgrade != "websocket" || tunnel.Status != 101 || tunnel.BytesIn != 5 || tunnel.BytesOut != 5 || tunnel.LatencyMS < 1000 {
		t.Errorf("tunnel record %+v, want upgrade websocket, status 101, 5 bytes each way and its duration of a second or more", *tunnel)
	}
	reqs, _ := e.up.seen()
	var got []string
	for _, r := range reqs {
		got = append(got, r.URI)
		for _, k := range []string{"Http2-Settings", "Upgrade"} {
			if v := r.Header[k]; v != nil && r.URI != "/ws/chat" || k == "Http2-Settings" && v != nil {
				t.Errorf("%s reached the upstream with %s: %q", r.URI, k, v)
			}
		}
	}
	if strings.Join(got, " ") != "/ws/chat /public/plain" {
		t.Errorf("the upstream saw %q, want /ws/chat and /public/plain", got)
	}
}
