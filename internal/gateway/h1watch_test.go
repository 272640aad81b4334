package gateway

import (
	"bufio"
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

const watchCfg = sidecarHead + "timeouts: {read_header: 200ms}\n" + appRoute

// TestHTTP1ClientDisconnect checks the HTTP/1 server's disconnect watcher: a client that hangs
// up while the upstream works on its request gets the upstream request cancelled (and audited
// as client_gone); a client that pipelines its next request while a slow one runs gets both
// answers in order (the watcher's byte is handed back); and a slow request longer than the
// header timeout completes (the watcher does not inherit the header deadline).
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
