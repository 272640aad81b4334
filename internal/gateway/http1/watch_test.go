package http1

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/synctest"
	"time"

	"github.com/palisade-sec/palisade/internal/gateway/http1/http1test"
)

// TestHTTP1WatcherTiming holds the disconnect watcher's timing on virtual time, over plain
// HTTP/1 and over TLS (where the watcher's one-byte read takes a whole TLS record): a request
// is watched from the scanner's second look at it (between one and two periods after it
// started), a client that hangs up then aborts the exchange at once, a request pipelined behind
// a slow one is answered after it with none of its bytes lost, and a slow request outlasts the
// header timeout.
func TestHTTP1WatcherTiming(t *testing.T) {
	srvTLS := httptest.NewUnstartedServer(nil)
	srvTLS.StartTLS() // only for its certificate, valid from 1970: the bubble's clock starts in 2000
	cert := srvTLS.TLS.Certificates[0]
	srvTLS.Close()
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	for _, tc := range []struct {
		name   string
		server *tls.Config
		client *tls.Config
	}{
		{name: "plain"},
		{name: "tls", server: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
			client: &tls.Config{RootCAs: roots, ServerName: "example.com", NextProtos: []string{"http/1.1"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { testWatcherTiming(t, tc.server, tc.client) })
		})
	}
}

func testWatcherTiming(t *testing.T, serverTLS, clientTLS *tls.Config) {
	aborted := make(chan time.Time, 1)
	s := NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/hang":
			gone := ClientGoneOf(w)
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
			gone := ClientGoneOf(w)
			gone.arm(func() {})
			time.Sleep(500 * time.Millisecond) // past the 200ms header timeout
			if gone.disarm() {
				t.Error("the client of a slow request was taken for gone (the watcher kept the header deadline?)")
			}
			io.WriteString(w, "slow")
		default:
			io.WriteString(w, r.Method+" "+r.URL.Path) // a lost first byte would show in the method
		}
	}), serverTLS, ServerConfig{ReadHeaderTimeout: 200 * time.Millisecond}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	pipe, served := servePipes(t, s)
	dial := func() net.Conn {
		c := pipe()
		if clientTLS == nil {
			return c
		}
		tc := tls.Client(c, clientTLS)
		if err := tc.Handshake(); err != nil {
			t.Fatal(err)
		}
		return tc
	}

	c := dial()
	start := time.Now()
	io.WriteString(c, "GET /hang HTTP/1.1\r\nHost: app\r\n\r\n")
	time.Sleep(2*slowAfter + time.Millisecond - time.Since(start)) // past the scanner's two looks
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
	// a pipe's write returns once all of it is read, and the watcher reads one byte (or record)
	go io.WriteString(c, "GET /fast HTTP/1.1\r\nHost: app\r\n\r\n")
	br := bufio.NewReader(c)
	for _, want := range []string{"slow", "GET /fast"} {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("reading the %s answer: %v", want, err)
		}
		if body := http1test.BodyOf(resp); resp.StatusCode != 200 || body != want {
			t.Fatalf("got %d %q, want 200 %q (a slow request outlasting the header timeout, then the pipelined one)", resp.StatusCode, body, want)
		}
	}
	c.Close()

	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	<-served
}

// TestClientGoneOfOtherWriters: only this server's writer carries the signal; any other (net/http's,
// a recorder, a wrapper) gets nil, which Transport.Forward takes as "no signal".
func TestClientGoneOfOtherWriters(t *testing.T) {
	for _, w := range []http.ResponseWriter{nil, httptest.NewRecorder(), struct{ http.ResponseWriter }{httptest.NewRecorder()}} {
		if g := ClientGoneOf(w); g != nil {
			t.Errorf("ClientGoneOf(%T) = %v, want nil", w, g)
		}
	}
}
