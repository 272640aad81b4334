package gateway

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// scriptedConn is a socket whose peer sends fixed bytes and swallows what it is sent; it lets
// the fuzzer drive the transport's response handling at memory speed.
type scriptedConn struct {
	r      *bytes.Reader
	closed bool
}

func (c *scriptedConn) Read(p []byte) (int, error) {
	if c.closed {
		return 0, net.ErrClosed
	}
	return c.r.Read(p)
}
func (c *scriptedConn) Write(p []byte) (int, error)      { return len(p), nil }
func (c *scriptedConn) Close() error                     { c.closed = true; return nil }
func (c *scriptedConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (c *scriptedConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (c *scriptedConn) SetDeadline(time.Time) error      { return nil }
func (c *scriptedConn) SetReadDeadline(time.Time) error  { return nil }
func (c *scriptedConn) SetWriteDeadline(time.Time) error { return nil }

// FuzzUpstreamResponse feeds arbitrary bytes as an upstream's answer: the transport must return
// a response or an error, never panic; a body must end within the bytes given; and a connection
// goes back to the pool only when nothing beyond the response is buffered.
func FuzzUpstreamResponse(f *testing.F) {
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), "GET")
	f.Add([]byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n2\r\nok\r\n0\r\nX-T: 1\r\n\r\n"), "POST")
	f.Add([]byte("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"), "GET")
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok!"), "GET")
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"), "HEAD")
	f.Add([]byte("HTTP/1.0 200 OK\r\n\r\nuntil close"), "GET")
	f.Add([]byte("HTTP/1.1 101 Switching Protocols\r\n\r\n"), "GET")
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n"), "GET")
	f.Fuzz(func(t *testing.T, answer []byte, method string) {
		if !validMethod(method) {
			return
		}
		tr := newUpstreamTransport("127.0.0.1:1", nil)
		tr.maxHeaderBytes = 4 << 10
		sc := &scriptedConn{r: bytes.NewReader(answer)}
		pc := &upstreamConn{t: tr, conn: sc, raw: sc}
		pc.lim.r = sc
		pc.lim.n = 1 << 62
		pc.br = newBufReader(&pc.lim)
		pc.bw = newBufWriter(sc)
		req, err := http.NewRequest(method, "http://upstream.test/x", nil)
		if err != nil {
			return
		}
		resp, err := pc.roundTrip(req)
		if err != nil {
			return
		}
		n, _ := io.Copy(io.Discard, io.LimitReader(resp.Body, int64(len(answer))+1))
		if n > int64(len(answer)) {
			t.Fatalf("body yielded %d bytes from a %d-byte answer", n, len(answer))
		}
		resp.Body.Close()
		tr.mu.Lock()
		pooled := len(tr.idle) == 1
		tr.mu.Unlock()
		if pooled && pc.br.Buffered() != 0 {
			t.Fatalf("connection pooled with %d bytes buffered after the response", pc.br.Buffered())
		}
		tr.CloseIdleConnections()
	})
}

func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for _, c := range m {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}
