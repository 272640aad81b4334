package gateway

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

const watchCfg = sidecarHead + "timeouts: {read_header: 200ms}\n" + appRoute

// TestHTTP1ClientDisconnect checks the HTTP/1 server's disconnect watcher: a client that hangs
// up while the upstream works on its request gets the upstream request cancelled (and audited
// as client_gone); a client that pipelines its next request while a slow one runs gets both
// answers in order (the watcher's byte is handed back); and a slow request longer than the
// header timeout completes (the watcher does not inherit the header deadline).
//
// It runs the whole gateway over real sockets (TLS, the forwarder, an upstream httptest server,
// the audit log) to hold the wiring from the watcher to the upstream connection and the audit
// reason, which cannot run in a synctest bubble; its sleeps only let the scanner look twice.
// TestHTTP1WatcherTiming holds the watcher's timing itself on virtual time.
func TestHTTP1ClientDisconnect(t *testing.T) {
	cancelled := make(chan time.Time, 1)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/hang":
			select {
			case <-r.Context().Done():
				cancelled <- time.Now()
			case <-time.After(5 * time.Second):
			}
		case "/slow":
			// real sockets (see the test's comment); TestHTTP1WatcherTiming holds this on virtual time
			time.Sleep(500 * time.Millisecond)
			io.WriteString(w, "slow")
		default:
			io.WriteString(w, r.Method+" "+r.URL.Path) // a lost first byte would show in the method
		}
	}))
	t.Cleanup(app.Close)
	g, addr, audit, cl := startSidecar(t, watchCfg, app.URL, HTTP1Palisade, false)
	dial := func(t *testing.T) *tls.Conn {
		t.Helper()
		conf := cl.Transport.(*http.Transport).TLSClientConfig.Clone()
		c, err := tls.Dial("tcp", addr, conf)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}

	t.Run("a client that hangs up cancels the upstream request", func(t *testing.T) {
		c := dial(t)
		if _, err := io.WriteString(c, "GET /hang HTTP/1.1\r\nHost: app\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(400 * time.Millisecond) // past the scanner's two looks
		closed := time.Now()
		c.Close()
		select {
		case at := <-cancelled:
			if d := at.Sub(closed); d > time.Second {
				t.Errorf("upstream request cancelled %s after the client left", d)
			}
		case <-time.After(3 * time.Second):
			t.Fatal("the upstream request ran on after its client left")
		}
		waitAudit(t, g, audit, "/hang", "client_gone")
	})

	t.Run("a request pipelined behind a slow one is answered after it", func(t *testing.T) {
		c := dial(t)
		if _, err := io.WriteString(c, "GET /slow HTTP/1.1\r\nHost: app\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond) // the watcher is reading by now
		if _, err := io.WriteString(c, "GET /fast HTTP/1.1\r\nHost: app\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		br := bufio.NewReader(c)
		for _, want := range []string{"slow", "GET /fast"} {
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatalf("reading the %s answer: %v", want, err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || string(body) != want {
				t.Fatalf("got %d %q, want 200 %q", resp.StatusCode, body, want)
			}
		}
	})

	t.Run("a slow request outlasts the header timeout", func(t *testing.T) {
		resp, body, err := get(t, cl.Transport, http.MethodGet, "https://"+addr+"/slow", nil)
		if err != nil || resp.StatusCode != 200 || !strings.Contains(body, "slow") {
			t.Fatalf("%v, body %q", err, body)
		}
	})
}

// TestHTTP1WatcherTiming holds the disconnect watcher's timing on virtual time: a request is
// watched from the scanner's second look at it (between one and two periods after it started),
// a client that hangs up then aborts the exchange at once, a request pipelined behind a slow
// one is answered after it with none of its bytes lost, and a slow request outlasts the header
// timeout.
func TestHTTP1WatcherTiming(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		aborted := make(chan time.Time, 1)
		s := newHTTP1Server(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/hang":
				gone := w.(interface{ clientGone() *clientGone }).clientGone()
				abort := make(chan struct{})
				if !gone.arm(func() { close(abort) }) {
					t.Error("the client was gone before the exchange started")
				}
				select {
				case <-abort:
					aborted <- time.Now()
				case <-time.After(5 * time.Second):
				}
				gone.disarm()
			case "/slow":
				time.Sleep(500 * time.Millisecond)
				io.WriteString(w, "slow")
			default:
				io.WriteString(w, r.Method+" "+r.URL.Path) // a lost first byte would show in the method
			}
		}), nil, TimeoutsConfig{ReadHeader: 200 * time.Millisecond}, slog.New(slog.NewTextHandler(io.Discard, nil)))
		dial, served := servePipes(t, s)

		c := dial()
		io.WriteString(c, "GET /hang HTTP/1.1\r\nHost: app\r\n\r\n")
		time.Sleep(2*slowAfter + time.Millisecond) // past the scanner's two looks
		closed := time.Now()
		c.Close()
		select {
		case at := <-aborted:
			if at != closed {
				t.Errorf("upstream exchange aborted %s after the client left, want at once", at.Sub(closed))
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the exchange ran on after its client left")
		}

		c = dial()
		io.WriteString(c, "GET /slow HTTP/1.1\r\nHost: app\r\n\r\n")
		time.Sleep(3 * slowAfter) // the watcher is reading by now
		// a pipe's write returns once all of it is read, and the watcher reads one byte
		go io.WriteString(c, "GET /fast HTTP/1.1\r\nHost: app\r\n\r\n")
		br := bufio.NewReader(c)
		for _, want := range []string{"slow", "GET /fast"} {
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatalf("reading the %s answer: %v", want, err)
			}
			if body := bodyOf(resp); resp.StatusCode != 200 || body != want {
				t.Fatalf("got %d %q, want 200 %q (a slow request outlasting the header timeout, then the pipelined one)", resp.StatusCode, body, want)
			}
		}
		c.Close()

		if err := s.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
		<-served
	})
}
