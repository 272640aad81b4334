// Package http1test holds what the tests of package http1 and of the gateway on top of it
// share: the HTTP/1 desync attack corpus (one copy, read by the server's differential fuzzer and
// by the gateway's end-to-end attack tests) and helpers that speak raw HTTP/1 over a connection.
// Only tests import it.
package http1test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// RawExchange writes raw to a new TCP connection to addr and returns everything read until the
// server closes it or idle passes without a byte.
func RawExchange(t testing.TB, addr, raw string, idle time.Duration) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	return ReadAll(c, idle)
}

// ReadAll reads what the server sends on c until it closes or is silent for idle.
func ReadAll(c net.Conn, idle time.Duration) string {
	var out strings.Builder
	buf := make([]byte, 16<<10)
	for {
		_ = c.SetReadDeadline(time.Now().Add(idle))
		n, err := c.Read(buf)
		out.Write(buf[:n])
		if err != nil {
			return out.String()
		}
	}
}

// ReadResponses parses every response in raw, in order, for the given request methods; each
// body is read in full and readable again.
func ReadResponses(t testing.TB, raw string, methods ...string) []*http.Response {
	t.Helper()
	br := bufio.NewReader(strings.NewReader(raw))
	var out []*http.Response
	for _, m := range methods {
		resp, err := http.ReadResponse(br, &http.Request{Method: m})
		if err != nil {
			t.Fatalf("response %d of %q: %v", len(out)+1, raw, err)
		}
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("response %d body: %v", len(out)+1, err)
		}
		resp.Body = io.NopCloser(strings.NewReader(string(b)))
		out = append(out, resp)
	}
	return out
}

// BodyOf reads what is left of r's body.
func BodyOf(r *http.Response) string {
	b, _ := io.ReadAll(r.Body)
	return string(b)
}

// Get sends one request through tr and returns the response with its body read and closed.
func Get(t testing.TB, tr http.RoundTripper, method, rawURL string, body io.Reader) (*http.Response, string, error) {
	t.Helper()
	req, err := http.NewRequest(method, rawURL, body)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := tr.RoundTrip(req)
	if err != nil {
		return nil, "", err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return resp, string(b), nil
}

// ServeEchoUpgrade answers a request for the "echo" protocol with 101 and then echoes each line
// back as "echo: <line>" until the connection ends; it reports whether it took the request.
func ServeEchoUpgrade(w http.ResponseWriter, r *http.Request) bool {
	if r.Header.Get("Upgrade") != "echo" {
		return false
	}
	w.Header().Set("Connection", "Upgrade")
	w.Header().Set("Upgrade", "echo")
	w.WriteHeader(http.StatusSwitchingProtocols)
	c, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return true
	}
	defer c.Close()
	for {
		line, err := brw.ReadString('\n')
		if err != nil {
			return true
		}
		brw.WriteString("echo: " + line)
		brw.Flush()
	}
}

// CheckEchoUpgrade asks for the "echo" protocol on c and checks that each message comes back
// over the upgraded connection.
func CheckEchoUpgrade(t testing.TB, c net.Conn, msgs ...string) {
	t.Helper()
	io.WriteString(c, "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: %v %v", resp, err)
	}
	for _, msg := range msgs {
		io.WriteString(c, msg)
		if line, _ := br.ReadString('\n'); line != "echo: "+msg {
			t.Errorf("over the upgraded connection, sent %q, got %q", msg, line)
		}
	}
}
