package http1

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/palisade-sec/palisade/internal/gateway/http1/http1test"
)

// connCounter counts the TCP connections an httptest server accepted.
type connCounter struct{ n atomic.Int32 }

func (c *connCounter) hook(_ net.Conn, s http.ConnState) {
	if s == http.StateNew {
		c.n.Add(1)
	}
}

func countingServer(t *testing.T, h http.Handler) (*httptest.Server, *connCounter) {
	return countingServerIdle(t, h, 0)
}

// countingServerIdle closes connections idle for longer than idle (0: never).
func countingServerIdle(t *testing.T, h http.Handler, idle time.Duration) (*httptest.Server, *connCounter) {
	t.Helper()
	var cc connCounter
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnState = cc.hook
	srv.Config.IdleTimeout = idle
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &cc
}

func transportTo(t *testing.T, rawURL string) *Transport {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	tr := NewTransport(u.Host, nil, TransportConfig{})
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

func TestTransportReusesConnections(t *testing.T) {
	srv, cc := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/chunked":
			w.Write([]byte("part one,"))
			w.(http.Flusher).Flush()
			w.Write([]byte("part two"))
		case "/empty":
			w.WriteHeader(http.StatusNoContent)
		default:
			fmt.Fprintf(w, "%s %s %s", r.Method, r.URL.RequestURI(), b)
		}
	}))
	tr := transportTo(t, srv.URL)
	cases := []struct {
		name, method, path, body, want string
		status                         int
	}{
		{"get", "GET", "/a?x=1", "", "GET /a?x=1 ", 200},
		{"post with body", "POST", "/b", "payload", "POST /b payload", 200},
		{"chunked response", "GET", "/chunked", "", "part one,part two", 200},
		{"no content", "GET", "/empty", "", "", 204},
		{"head", "HEAD", "/c", "", "", 200},
		{"get after head", "GET", "/d", "", "GET /d ", 200},
	}
	for _, tc := range cases {
		var body io.Reader
		if tc.body != "" {
			body = strings.NewReader(tc.body)
		}
		resp, got, err := http1test.Get(t, tr, tc.method, srv.URL+tc.path, body)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if resp.StatusCode != tc.status || got != tc.want {
			t.Errorf("%s: got %d %q, want %d %q", tc.name, resp.StatusCode, got, tc.status, tc.want)
		}
	}
	if n := cc.n.Load(); n != 1 {
		t.Errorf("%d upstream connections for %d sequential requests, want 1 reused", n, len(cases))
	}
}

func TestTransportReplacesConnectionsTheUpstreamClosed(t *testing.T) {
	// the upstream closes idle connections quickly
	srv, cc := countingServerIdle(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }), 50*time.Millisecond)
	tr := transportTo(t, srv.URL)
	for i, method := range []string{"GET", "POST", "POST"} {
		if _, got, err := http1test.Get(t, tr, method, srv.URL, strings.NewReader("x")); err != nil || got != "ok" {
			t.Fatalf("request %d (%s): %q, %v", i, method, got, err)
		}
		// Real sockets and a real wait: what is tested is the liveness check's peek at the
		// socket's file descriptor (transport_unix.go), which only a kernel socket has, so the
		// upstream's idle timeout runs on the real clock too.
		time.Sleep(200 * time.Millisecond) // the upstream has closed the idle connection by now
	}
	if n := cc.n.Load(); n != 3 {
		t.Errorf("%d upstream connections, want 3 (each idle one was closed by the upstream)", n)
	}
}

// rawUpstream serves each accepted connection with fn.
func rawUpstream(t *testing.T, fn func(n int, c net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for n := 0; ; n++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(n int) {
				defer c.Close()
				fn(n, c)
			}(n)
		}
	}()
	return "http://" + ln.Addr().String()
}

// readRequest reads one request head and body from br.
func readRequest(br *bufio.Reader) (*http.Request, error) {
	req, err := http.ReadRequest(br)
	if err != nil {
		return nil, err
	}
	_, _ = io.Copy(io.Discard, req.Body)
	return req, nil
}

// racingUpstream's first connection answers one request and then, as if its idle timer fired
// just as the next request arrived, reads the second request and closes without answering.
func racingUpstream(t *testing.T) string {
	return rawUpstream(t, func(n int, c net.Conn) {
		br := bufio.NewReader(c)
		for i := 0; ; i++ {
			if _, err := readRequest(br); err != nil {
				return
			}
			if n == 0 && i == 1 {
				return
			}
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		}
	})
}

func TestTransportRetriesOnlySafeRequestsOnARacedClose(t *testing.T) {
	for _, tc := range []struct {
		method  string
		body    io.Reader
		wantErr bool
	}{
		{"GET", nil, false},                      // retried on a new connection
		{"POST", strings.NewReader("pay"), true}, // not replayable: the error reaches the caller
	} {
		url := racingUpstream(t)
		tr := transportTo(t, url)
		if _, got, err := http1test.Get(t, tr, "GET", url, nil); err != nil || got != "ok" {
			t.Fatalf("first request: %q, %v", got, err)
		}
		// a racing close cannot be peeked: the upstream closes only after reading the request
		_, got, err := http1test.Get(t, tr, tc.method, url, tc.body)
		if tc.wantErr != (err != nil) {
			t.Errorf("%s on a connection closed mid-request: got %q, err %v; want error %v", tc.method, got, err, tc.wantErr)
		}
	}
}

func TestTransportRefusesBadUpstreamResponses(t *testing.T) {
	huge := "HTTP/1.1 200 OK\r\nX-Big: " + strings.Repeat("a", 2<<20) + "\r\nContent-Length: 0\r\n\r\n"
	cases := []struct {
		name, response, want string
	}{
		{"header block over the limit", huge, "too large"},
		{"not http", "SSH-2.0-OpenSSH_9.6\r\n", "malformed HTTP"},
		{"switching protocols unasked", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: upgrade\r\n\r\n", "switched protocols"},
		{"closed before answering", "", "EOF"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			url := rawUpstream(t, func(_ int, c net.Conn) {
				if _, err := readRequest(bufio.NewReader(c)); err == nil {
					io.WriteString(c, tc.response)
				}
			})
			_, _, err := http1test.Get(t, transportTo(t, url), "POST", url, strings.NewReader("x"))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestTransportDoesNotReuseAConnectionWithExtraBytes(t *testing.T) {
	// Content-Length says 2 but 4 bytes follow: the surplus must not be read as the next response.
	var conns atomic.Int32
	url := rawUpstream(t, func(_ int, c net.Conn) {
		conns.Add(1)
		br := bufio.NewReader(c)
		for {
			if _, err := readRequest(br); err != nil {
				return
			}
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokXX")
		}
	})
	tr := transportTo(t, url)
	for i := 0; i < 2; i++ {
		if _, got, err := http1test.Get(t, tr, "GET", url, nil); err != nil || got != "ok" {
			t.Fatalf("request %d: %q, %v", i, got, err)
		}
	}
	if n := conns.Load(); n != 2 {
		t.Errorf("%d connections, want 2: a connection that over-sent must be dropped", n)
	}
}

func TestTransportAbortsWhenTheClientGoesAway(t *testing.T) {
	aborted := make(chan struct{})
	srv, _ := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(aborted)
		for { // an endless stream: it ends only when the gateway closes the connection
			if _, err := w.Write(make([]byte, 16<<10)); err != nil {
				return
			}
			w.(http.Flusher).Flush()
		}
	}))
	tr := transportTo(t, srv.URL)
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(resp.Body, make([]byte, 64<<10)); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := io.Copy(io.Discard, resp.Body); err == nil {
		t.Error("reading after cancel ended cleanly, want an error")
	}
	resp.Body.Close()
	select {
	case <-aborted:
	case <-time.After(5 * time.Second):
		t.Fatal("the upstream kept streaming after the client went away")
	}
}

func TestTransportUpgradeAndExpectContinueThroughReverseProxy(t *testing.T) {
	srv, _ := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if http1test.ServeEchoUpgrade(w, r) {
			return
		}
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "got %s", b)
	}))
	u, _ := url.Parse(srv.URL)
	tr := transportTo(t, srv.URL)
	proxy := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(u) }, Transport: tr})
	t.Cleanup(proxy.Close)

	c, err := net.Dial("tcp", proxy.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	http1test.CheckEchoUpgrade(t, c, "hello\n")

	req, _ := http.NewRequest("POST", proxy.URL, strings.NewReader("body"))
	req.Header.Set("Expect", "100-continue")
	resp, err := proxy.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "got body" {
		t.Errorf("expect-continue request: got %q", b)
	}
}

// TestTransportConcurrentRequestsAndIdleSweep runs on virtual time over in-memory
// connections: the pool holds at most one connection per concurrent client, and the sweep
// closes every idle connection once the idle timeout has passed.
func TestTransportConcurrentRequestsAndIdleSweep(t *testing.T) {
	synctest.Test(t, testTransportConcurrentRequestsAndIdleSweep)
}

func testTransportConcurrentRequestsAndIdleSweep(t *testing.T) {
	dial, cc := pipeUpstream(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, r.URL.Path) }))
	tr := NewTransport("upstream.test:80", nil, TransportConfig{Dial: dial})
	t.Cleanup(tr.CloseIdleConnections)
	tr.idleTimeout = 100 * time.Millisecond
	var wg sync.WaitGroup
	errs := make(chan error, 400)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				p := fmt.Sprintf("/%d/%d", g, i)
				req, _ := http.NewRequest("GET", "http://upstream.test"+p, nil)
				resp, err := tr.RoundTrip(req)
				if err != nil {
					errs <- err
					continue
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if string(b) != p {
					errs <- fmt.Errorf("asked %s, got %s", p, b)
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := cc.n.Load(); n > 8 || n == 0 {
		t.Errorf("%d connections for 8 concurrent clients, want 1 to 8", n)
	}
	idle := func() int {
		tr.mu.Lock()
		defer tr.mu.Unlock()
		return len(tr.idle)
	}
	if idle() == 0 {
		t.Fatal("no connection went back to the pool")
	}
	time.Sleep(2 * tr.idleTimeout) // virtual time: the sweep ran (it re-arms every idle timeout)
	if n := idle(); n != 0 {
		t.Fatalf("%d connections still idle after the idle timeout", n)
	}
}

// pipeUpstream serves h with net/http's server over in-memory connections (net.Pipe) until
// the test ends; dial connects to it. It runs in a synctest bubble, where the pipes' deadlines
// and the server's timers are virtual.
func pipeUpstream(t *testing.T, h http.Handler) (dial func(ctx context.Context, network, addr string) (net.Conn, error), cc *connCounter) {
	t.Helper()
	cc = &connCounter{}
	srv := &http.Server{Handler: h, ConnState: cc.hook}
	ln := newConnListener()
	done := make(chan struct{})
	go func() { _ = srv.Serve(ln); close(done) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if srv.Shutdown(ctx) != nil {
			_ = srv.Close()
		}
		<-done
	})
	return func(ctx context.Context, _, _ string) (net.Conn, error) {
		client, server := net.Pipe()
		ln.deliver(server)
		return client, nil
	}, cc
}

func TestTransportFlushIdleKeepsPooling(t *testing.T) {
	srv, cc := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	tr := transportTo(t, srv.URL)
	for i := 0; i < 4; i++ {
		if _, got, err := http1test.Get(t, tr, "GET", srv.URL, nil); err != nil || got != "ok" {
			t.Fatalf("request %d: %q, %v", i, got, err)
		}
		if i == 1 {
			tr.FlushIdle() // a trust-bundle change: the pooled connection must not be reused
		}
	}
	if n := cc.n.Load(); n != 2 {
		t.Errorf("%d upstream connections, want 2 (one before the flush, one pooled after it)", n)
	}
}

// TestTransportInterimResponsesAreBounded: the interim (1xx) responses before the final one
// share one header budget with it, and at most maxInterim are read; either bound ends the
// exchange with an error instead of reading on (net/http keeps one limit and stops at five).
func TestTransportInterimResponsesAreBounded(t *testing.T) {
	hints := func(n, size int) string {
		return strings.Repeat("HTTP/1.1 103 Early Hints\r\nLink: <"+strings.Repeat("a", size)+">\r\n\r\n", n)
	}
	final := "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
	cases := []struct {
		name, answer string
		wantErr      string
	}{
		{"a few hints", hints(maxInterim, 10) + final, ""},
		{"too many hints", hints(maxInterim+1, 10) + final, "interim"},
		{"hints over the header budget together", hints(4, 300<<10) + final, "header"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			addr := rawUpstream(t, func(_ int, c net.Conn) {
				_, _ = http.ReadRequest(bufio.NewReader(c))
				_, _ = io.WriteString(c, tc.answer)
			})
			tr := transportTo(t, addr)
			resp, body, err := http1test.Get(t, tr, "GET", addr+"/", nil)
			switch {
			case tc.wantErr == "" && (err != nil || body != "ok"):
				t.Fatalf("got %v %q, want ok", err, body)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("got %v (response %v), want an error about %s", err, resp, tc.wantErr)
			}
		})
	}
}
