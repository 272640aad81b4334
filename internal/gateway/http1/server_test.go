package http1

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/palisade-sec/palisade/internal/gateway/http1/http1test"
)

// startHTTP1 serves h with Server on a loopback port (TLS when tlsConf is set).
func startHTTP1(t *testing.T, h http.Handler, tlsConf *tls.Config, cfg ServerConfig) (*Server, string) {
	t.Helper()
	s := NewServer(h, tlsConf, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
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
	return s, ln.Addr().String()
}

// testHandler answers by path: what the writer's framing and connection handling must cover.
func testHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/echo":
			b, _ := io.ReadAll(r.Body)
			fmt.Fprintf(w, "%s %s %s", r.Method, r.Host, b)
		case "/stream":
			io.WriteString(w, "one,")
			w.(http.Flusher).Flush()
			io.WriteString(w, "two")
		case "/empty":
		case "/nocontent":
			w.WriteHeader(http.StatusNoContent)
		case "/trailer":
			w.Header().Set("Trailer", "X-Sum")
			io.WriteString(w, "data")
			w.(http.Flusher).Flush()
			w.Header().Set("X-Sum", "42")
			w.Header().Set(http.TrailerPrefix+"X-Late", "yes")
		case "/short":
			w.Header().Set("Content-Length", "10")
			io.WriteString(w, "12345")
		case "/long":
			w.Header().Set("Content-Length", "3")
			if _, err := io.WriteString(w, "12345"); !errors.Is(err, http.ErrContentLength) {
				panic(fmt.Sprintf("writing past Content-Length: %v", err))
			}
		case "/inject":
			w.Header().Set("X-Evil", "a\r\nSet-Cookie: pwned=1")
			w.Header()["Bad Name"] = []string{"x"}
			io.WriteString(w, "ok")
		case "/panic":
			io.WriteString(w, "partial")
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler)
		case "/deny":
			http.Error(w, "no", http.StatusForbidden)
		default:
			http.NotFound(w, r)
		}
	})
}

func TestHTTP1KeepAliveFramingAndPipelining(t *testing.T) {
	_, addr := startHTTP1(t, testHandler(), nil, ServerConfig{})
	raw := "GET /echo HTTP/1.1\r\nHost: a.test\r\n\r\n" +
		"POST /echo HTTP/1.1\r\nHost: a.test\r\nContent-Length: 4\r\n\r\nbody" +
		"POST /echo HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n" +
		"GET /stream HTTP/1.1\r\nHost: a.test\r\n\r\n" +
		"GET /empty HTTP/1.1\r\nHost: a.test\r\n\r\n" +
		"GET /nocontent HTTP/1.1\r\nHost: a.test\r\n\r\n" +
		"HEAD /echo HTTP/1.1\r\nHost: a.test\r\n\r\n" +
		"GET /trailer HTTP/1.1\r\nHost: a.test\r\n\r\n" +
		"GET /inject HTTP/1.1\r\nHost: a.test\r\n\r\n" +
		"GET /echo HTTP/1.1\r\nHost: last.test\r\nConnection: close\r\n\r\n"
	out := http1test.RawExchange(t, addr, raw, 2*time.Second)
	rs := http1test.ReadResponses(t, out, "GET", "POST", "POST", "GET", "GET", "GET", "HEAD", "GET", "GET", "GET")
	cases := []struct {
		i             int
		status        int
		body          string
		contentLength int64
		chunked       bool
	}{
		{0, 200, "GET a.test ", 11, false},
		{1, 200, "POST a.test body", 16, false},
		{2, 200, "POST a.test abc", 15, false},
		{3, 200, "one,two", -1, true},
		{4, 200, "", 0, false},
		{5, 204, "", 0, false},
		{6, 200, "", 0, false},
		{7, 200, "data", -1, true},
		{8, 200, "ok", 2, false},
		{9, 200, "GET last.test ", 14, false},
	}
	for _, tc := range cases {
		r := rs[tc.i]
		if r.StatusCode != tc.status || http1test.BodyOf(r) != tc.body {
			t.Errorf("response %d: %d %q, want %d %q", tc.i, r.StatusCode, http1test.BodyOf(r), tc.status, tc.body)
		}
		if tc.i != 6 && tc.i != 5 && r.ContentLength != tc.contentLength {
			t.Errorf("response %d: Content-Length %d, want %d", tc.i, r.ContentLength, tc.contentLength)
		}
		if got := len(r.TransferEncoding) > 0; got != tc.chunked {
			t.Errorf("response %d: chunked %v, want %v", tc.i, got, tc.chunked)
		}
		if r.Header.Get("Date") == "" {
			t.Errorf("response %d has no Date header", tc.i)
		}
	}
	if got := rs[7].Trailer; got.Get("X-Sum") != "42" || got.Get("X-Late") != "yes" {
		t.Errorf("trailers = %v, want X-Sum: 42 and X-Late: yes", got)
	}
	if rs[8].Header.Get("Set-Cookie") != "" || !strings.Contains(rs[8].Header.Get("X-Evil"), "Set-Cookie") || rs[8].Header.Get("Bad Name") != "" {
		t.Errorf("header injection: response headers %v", rs[8].Header)
	}
	if !rs[9].Close {
		t.Error("the response to Connection: close did not announce the close")
	}
}

func TestHTTP1RefusesBadRequests(t *testing.T) {
	_, addr := startHTTP1(t, testHandler(), nil, ServerConfig{MaxHeaderBytes: 1 << 10})
	cases := []struct {
		name, raw string
		status    int
	}{
		{"garbage", "HELLO\r\n\r\n", 400},
		{"no host in HTTP/1.1", "GET /echo HTTP/1.1\r\n\r\n", 400},
		{"bad host", "GET /echo HTTP/1.1\r\nHost: a b\r\n\r\n", 400},
		{"header too large", "GET /echo HTTP/1.1\r\nHost: a\r\nX-Big: " + strings.Repeat("a", 8<<10) + "\r\n\r\n", 431},
		{"HTTP/2 request line", "GET /echo HTTP/2.0\r\nHost: a\r\n\r\n", 505},
		{"control byte in a header value", "GET /echo HTTP/1.1\r\nHost: a\r\nX-A: a\x01b\r\n\r\n", 400},
		{"unsupported transfer coding", "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501},
		{"two content-lengths", "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400},
		{"unknown expectation", "POST /echo HTTP/1.1\r\nHost: a\r\nExpect: magic\r\nContent-Length: 1\r\n\r\nx", 417},
		// RFC 9112 section 6.1: net/http drops the length and reads on after the chunked body
		{"content-length and chunked (CL.TE)", "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
		{"chunked and content-length (TE.CL)", "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 40\r\n\r\n0\r\n\r\n", 400},
		{"Chunked", "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n0\r\n\r\n", 501},
		{"two transfer-encodings", "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501},
		{"transfer-encoding in HTTP/1.0", "POST /echo HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
		{"obs-fold", "GET /echo HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n", 400},
		{"obs-fold transfer-encoding", "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n", 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := http1test.RawExchange(t, addr, tc.raw+"GET /echo HTTP/1.1\r\nHost: a\r\n\r\n", 2*time.Second)
			rs := http1test.ReadResponses(t, out, "GET")
			if rs[0].StatusCode != tc.status || !rs[0].Close {
				t.Errorf("got %d (close %v), want %d and the connection closed", rs[0].StatusCode, rs[0].Close, tc.status)
			}
			if strings.Count(out, "HTTP/1.1 ") != 1 {
				t.Errorf("the request after a refused one was served: %q", out)
			}
		})
	}
}

func TestHTTP1ExpectContinueAndUnreadBodies(t *testing.T) {
	_, addr := startHTTP1(t, testHandler(), nil, ServerConfig{})
	t.Run("continue sent once the handler reads", func(t *testing.T) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		io.WriteString(c, "POST /echo HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
		br := bufio.NewReader(c)
		line, _ := br.ReadString('\n')
		if line != "HTTP/1.1 100 Continue\r\n" {
			t.Fatalf("first line %q, want 100 Continue", line)
		}
		br.ReadString('\n')
		io.WriteString(c, "body")
		resp, err := http.ReadResponse(br, nil)
		if err != nil || http1test.BodyOf(resp) != "POST a body" {
			t.Fatalf("final response: %v %v", resp, err)
		}
	})
	t.Run("denied without reading: no continue, connection closed", func(t *testing.T) {
		out := http1test.RawExchange(t, addr, "POST /deny HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n", 2*time.Second)
		if strings.Contains(out, "100 Continue") {
			t.Errorf("sent 100 Continue for a request the handler refused: %q", out)
		}
		rs := http1test.ReadResponses(t, out, "POST")
		if rs[0].StatusCode != 403 || !rs[0].Close {
			t.Errorf("got %d close=%v, want 403 and close", rs[0].StatusCode, rs[0].Close)
		}
	})
	t.Run("small unread body drained, large one closes", func(t *testing.T) {
		small := "POST /deny HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello" + "GET /echo HTTP/1.1\r\nHost: a\r\n\r\n"
		rs := http1test.ReadResponses(t, http1test.RawExchange(t, addr, small, 2*time.Second), "POST", "GET")
		if rs[1].StatusCode != 200 {
			t.Errorf("after a drained body: %d", rs[1].StatusCode)
		}
		big := fmt.Sprintf("POST /deny HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n%s", 2*maxDrain, strings.Repeat("x", 2*maxDrain))
		out := http1test.RawExchange(t, addr, big+"GET /echo HTTP/1.1\r\nHost: a\r\n\r\n", 2*time.Second)
		if n := strings.Count(out, "HTTP/1.1 "); n != 1 {
			t.Errorf("%d responses after a body over the drain limit, want 1 (connection closed)", n)
		}
	})
}

func TestHTTP1ContentLengthMismatchAndHTTP10(t *testing.T) {
	_, addr := startHTTP1(t, testHandler(), nil, ServerConfig{})
	// an aborted handler (ReverseProxy's way to cut a failed upstream body) ends its connection
	// and nothing else: the chunked body is left unterminated and the server keeps serving
	if out := http1test.RawExchange(t, addr, "GET /panic HTTP/1.1\r\nHost: a\r\n\r\n", 2*time.Second); !strings.HasSuffix(out, "partial\r\n") {
		t.Errorf("aborted response: %q, want the partial chunk and no terminating chunk", out)
	}
	out := http1test.RawExchange(t, addr, "GET /short HTTP/1.1\r\nHost: a\r\n\r\nGET /echo HTTP/1.1\r\nHost: a\r\n\r\n", 2*time.Second)
	if strings.Count(out, "HTTP/1.1 ") != 1 || !strings.HasSuffix(out, "12345") {
		t.Errorf("a short body must end the connection after it: %q", out)
	}
	out = http1test.RawExchange(t, addr, "GET /long HTTP/1.1\r\nHost: a\r\n\r\nGET /echo HTTP/1.1\r\nHost: a\r\n\r\n", 2*time.Second)
	if !strings.Contains(out, "Content-Length: 3\r\n") || !strings.HasSuffix(out, "\r\n\r\n") || strings.Count(out, "HTTP/1.1 ") != 1 {
		t.Errorf("a write past Content-Length must send nothing of it and end the connection: %q", out)
	}
	// Both Content-Length and chunked: RFC 9112 section 6.1 lets a server refuse it and close;
	// net/http drops the length and reads the bytes after the chunked body as the next request
	out = http1test.RawExchange(t, addr, "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 40\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /echo HTTP/1.1\r\nHost: smuggled\r\n\r\n", 2*time.Second)
	if rs := http1test.ReadResponses(t, out, "POST"); rs[0].StatusCode != 400 || !rs[0].Close || strings.Contains(out, "smuggled") || strings.Count(out, "HTTP/1.1 ") != 1 {
		t.Errorf("CL+TE framing: %q, want one 400 and the connection closed", out)
	}
	out = http1test.RawExchange(t, addr, "GET /stream HTTP/1.0\r\n\r\n", 2*time.Second)
	if !strings.Contains(out, "Connection: close") || strings.Contains(out, "chunked") || !strings.HasSuffix(out, "one,two") {
		t.Errorf("HTTP/1.0 client: %q, want a close-delimited body", out)
	}
}

// servePipes runs s in a synctest bubble over in-memory connections (net.Pipe): dial returns
// the client end of a new connection the server has accepted, or one the server closed unread
// once it is shutting down. The bubble's clock is virtual, so timeouts pass without waiting.
func servePipes(t *testing.T, s *Server) (dial func() net.Conn, served <-chan error) {
	t.Helper()
	ln := newConnListener()
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	return func() net.Conn {
		client, server := net.Pipe()
		t.Cleanup(func() { client.Close() })
		ln.deliver(server)
		return client
	}, done
}

func TestHTTP1TimeoutsAndShutdown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/slow" {
				time.Sleep(300 * time.Millisecond)
			}
			io.WriteString(w, "done")
		}), nil, ServerConfig{ReadHeaderTimeout: 200 * time.Millisecond}, slog.New(slog.NewTextHandler(io.Discard, nil)))
		dial, served := servePipes(t, s)

		start := time.Now()
		slow := dial()
		io.WriteString(slow, "GET / HTTP/1.1\r\nHost: a\r\n") // never finishes its header
		out, _ := io.ReadAll(slow)
		if took := time.Since(start); len(out) != 0 || took != 200*time.Millisecond {
			t.Errorf("slow header: got %q after %v, want the connection closed after the 200ms header timeout", out, took)
		}

		idle, busy := dial(), dial()
		io.WriteString(busy, "GET /slow HTTP/1.1\r\nHost: a\r\n\r\n")
		synctest.Wait() // the handler is sleeping
		answer := make(chan string, 1)
		go func() {
			resp, err := http.ReadResponse(bufio.NewReader(busy), nil)
			if err != nil {
				answer <- err.Error()
				return
			}
			answer <- http1test.BodyOf(resp)
		}()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
		if got := <-answer; got != "done" {
			t.Fatalf("the request in flight did not finish during shutdown: %s", got)
		}
		_ = idle.SetReadDeadline(time.Now().Add(time.Second))
		if n, err := idle.Read(make([]byte, 1)); n != 0 || err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("idle connection after shutdown: read %d, %v; want it closed", n, err)
		}
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
		late := dial()
		_ = late.SetReadDeadline(time.Now().Add(time.Second))
		if n, err := late.Read(make([]byte, 1)); n != 0 || err != io.EOF {
			t.Errorf("a connection after shutdown: read %d, %v; want it closed unread", n, err)
		}
	})
}

func TestHTTP1TLSWithHTTP2AndUpgradeThroughProxy(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if http1test.ServeEchoUpgrade(w, r) {
			return
		}
		fmt.Fprintf(w, "%s via %s", r.URL.Path, r.Proto)
	}))
	t.Cleanup(backend.Close)
	u, _ := url.Parse(backend.URL)
	tr := NewTransport(u.Host, nil, TransportConfig{})
	t.Cleanup(tr.CloseIdleConnections)
	proxy := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(u) }, Transport: tr}

	srvTLS := httptest.NewUnstartedServer(nil)
	srvTLS.StartTLS() // only for its certificate
	cert := srvTLS.TLS.Certificates[0]
	srvTLS.Close()
	_, addr := startHTTP1(t, proxy, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, ServerConfig{})
	roots := x509.NewCertPool()
	leaf, _ := x509.ParseCertificate(cert.Certificate[0])
	roots.AddCert(leaf)

	for _, h2 := range []bool{false, true} {
		cl := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, ServerName: "example.com"}, ForceAttemptHTTP2: h2}}
		resp, err := cl.Get("https://" + addr + "/p")
		if err != nil {
			t.Fatalf("h2=%v: %v", h2, err)
		}
		wantProto := map[bool]string{false: "HTTP/1.1", true: "HTTP/2.0"}[h2]
		if got := http1test.BodyOf(resp); resp.Proto != wantProto || got != "/p via HTTP/1.1" {
			t.Errorf("h2=%v: client spoke %s, got %q", h2, resp.Proto, got)
		}
		resp.Body.Close()
	}

	c, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: roots, ServerName: "example.com", NextProtos: []string{"http/1.1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	http1test.CheckEchoUpgrade(t, c, "hi\n")
}
