package gateway

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/palisade-sec/palisade/internal/gateway/http1"
	"github.com/palisade-sec/palisade/internal/gateway/http1/http1test"
)

// forwardVia serves a front end (http1.Server, plain HTTP) whose every request goes through a
// forwarder to upstream, as an authenticated caller with the given SPIFFE ID.
func forwardVia(t *testing.T, upstream string) string {
	t.Helper()
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	f := &forwarder{upstream: upstream, target: u, transport: http1.NewTransport(hostPort(u), nil, http1.TransportConfig{}), buffers: &bufferPool{}, log: log}
	t.Cleanup(f.transport.CloseIdleConnections)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		x := &exchange{rec: Record{RequestID: "req-1", SPIFFEID: "spiffe://example.org/web"}}
		x.sw = statusWriter{ResponseWriter: w}
		x.upgrade, _ = upgradeDecision(r.Header, []string{"echo"}) // the route's decision, as a route allowing "echo" makes it
		x.forward(f, r)
	})
	return serveHTTP1(t, h)
}

// serveHTTP1 serves h with http1.Server on a loopback port until the test ends.
func serveHTTP1(t *testing.T, h http.Handler) string {
	t.Helper()
	s := http1.NewServer(h, nil, http1.ServerConfig{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return ln.Addr().String()
}

func TestForwarderRequestHeaders(t *testing.T) {
	seen := make(chan http.Header, 1)
	var seenURI string
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seenURI = r.RequestURI
		h := r.Header.Clone()
		h.Set("Host", r.Host)
		seen <- h
	}))
	t.Cleanup(app.Close)
	addr := forwardVia(t, app.URL+"/base")
	raw := "GET /v1/items?a=1;b=2&c=3&d=%zz HTTP/1.1\r\nHost: public.example\r\n" +
		"Connection: keep-alive, X-Drop, X-Palisade-Spiffe-Id, X-Request-Id\r\nX-Drop: 1\r\nKeep-Alive: timeout=5\r\n" +
		"X-Palisade-Spiffe-Id: spiffe://example.org/admin\r\nX-Palisade-Jwt-Sub: root\r\nX-Request-Id: forged\r\n" +
		"X-Forwarded-For: 6.6.6.6\r\nX-Forwarded-Host: evil\r\nForwarded: for=6.6.6.6\r\n" +
		"Te: trailers, deflate\r\nProxy-Authorization: Basic eDp5\r\nX-Keep: yes\r\n\r\n"
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	// one response: the connection stays open (keep-alive), so nothing waits for its end
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("response: %v %v", resp, err)
	}
	h := <-seen
	want := map[string]string{
		"Host":                 strings.TrimPrefix(app.URL, "http://"),
		"X-Palisade-Spiffe-Id": "spiffe://example.org/web",
		"X-Palisade-Jwt-Sub":   "",
		"X-Request-Id":         "req-1",
		"X-Forwarded-For":      "127.0.0.1",
		"X-Forwarded-Host":     "public.example",
		"X-Forwarded-Proto":    "http",
		"Forwarded":            "",
		"Te":                   "trailers",
		"X-Drop":               "",
		"Keep-Alive":           "",
		"Proxy-Authorization":  "",
		"User-Agent":           "",
		"X-Keep":               "yes",
	}
	for k, v := range want {
		if got := h.Get(k); got != v {
			t.Errorf("upstream saw %s = %q, want %q", k, got, v)
		}
	}
	if seenURI != "/base/v1/items?c=3" {
		t.Errorf("upstream request URI %q, want the base path joined and the ambiguous parameters dropped", seenURI)
	}
}

func TestForwarderResponseHeadersTrailersAndStreaming(t *testing.T) {
	release := make(chan struct{})
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/hop":
			w.Header().Set("Connection", "X-Internal")
			w.Header().Set("X-Internal", "secret")
			w.Header().Set("X-Public", "ok")
			io.WriteString(w, "body")
		case "/trailer":
			w.Header().Set("Trailer", "X-Checksum")
			io.WriteString(w, "data")
			w.Header().Set("X-Checksum", "abc")
		case "/events":
			w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
			w.Header().Set("Content-Length", "22")
			io.WriteString(w, "data: one\n\n")
			w.(http.Flusher).Flush()
			<-release // the client must get the first event before the second is written
			io.WriteString(w, "data: two\n\n")
		}
	}))
	t.Cleanup(app.Close)
	addr := forwardVia(t, app.URL)
	cl := &http.Client{Timeout: 5 * time.Second}

	resp, err := cl.Get("http://" + addr + "/hop")
	if err != nil {
		t.Fatal(err)
	}
	if resp.Header.Get("X-Internal") != "" || resp.Header.Get("X-Public") != "ok" || http1test.BodyOf(resp) != "body" {
		t.Errorf("hop-by-hop response headers: %v", resp.Header)
	}
	resp.Body.Close()

	resp, err = cl.Get("http://" + addr + "/trailer")
	if err != nil {
		t.Fatal(err)
	}
	if http1test.BodyOf(resp) != "data" || resp.Trailer.Get("X-Checksum") != "abc" {
		t.Errorf("trailer: %v", resp.Trailer)
	}
	resp.Body.Close()

	resp, err = cl.Get("http://" + addr + "/events")
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(resp.Body)
	line, err := br.ReadString('\n')
	if err != nil || line != "data: one\n" {
		t.Fatalf("first event: %q %v (not flushed through the gateway?)", line, err)
	}
	close(release)
	rest, _ := io.ReadAll(br)
	if string(rest) != "\ndata: two\n\n" {
		t.Errorf("rest of the stream: %q", rest)
	}
	resp.Body.Close()
}

func TestForwarderAbortsAResponseTheUpstreamCutShort(t *testing.T) {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ok" {
			io.WriteString(w, "fine")
			return
		}
		if r.URL.Path == "/chunked" {
			io.WriteString(w, "first part")
			w.(http.Flusher).Flush()
		} else {
			w.Header().Set("Content-Length", "100")
			io.WriteString(w, "only ten!!")
			w.(http.Flusher).Flush()
		}
		c, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			c.Close() // the upstream dies midway
		}
	}))
	t.Cleanup(app.Close)
	addr := forwardVia(t, app.URL)
	for _, path := range []string{"/chunked", "/length"} {
		resp, err := http.Get("http://" + addr + path)
		if err == nil { // the header may or may not have left before the abort
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		if err == nil {
			t.Errorf("%s: the client read a complete body of a response the upstream cut short", path)
		}
	}
	// an abort ends its own connection only: the front end serves the next request
	resp, err := http.Get("http://" + addr + "/ok")
	if err != nil {
		t.Fatalf("after the aborts: %v", err)
	}
	if got := http1test.BodyOf(resp); resp.StatusCode != 200 || got != "fine" {
		t.Errorf("after the aborts: %d %q, want 200 fine", resp.StatusCode, got)
	}
	resp.Body.Close()
}

func TestForwarderUpgradeAndBadGateway(t *testing.T) {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "echo" || r.Header.Get("X-Palisade-Spiffe-Id") != "spiffe://example.org/web" {
			http.Error(w, "want an echo upgrade with identity", http.StatusBadRequest)
			return
		}
		http1test.ServeEchoUpgrade(w, r)
	}))
	t.Cleanup(app.Close)
	addr := forwardVia(t, app.URL)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	http1test.CheckEchoUpgrade(t, c, "one\n", "two\n")

	dead := forwardVia(t, "http://127.0.0.1:1")
	resp, err := http.Get("http://" + dead + "/")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusBadGateway {
		t.Errorf("unreachable upstream: %d, want 502", resp.StatusCode)
	}
	resp.Body.Close()
}
