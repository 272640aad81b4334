package http1

import (
	"bufio"
	"bytes"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/palisade-sec/palisade/internal/gateway/http1/http1test"
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
		if !upperMethod(method) {
			return
		}
		tr := NewTransport("127.0.0.1:1", nil, TransportConfig{})
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
		resp, err := pc.roundTrip(req, nil, nil)
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

func upperMethod(m string) bool {
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

// FuzzHTTP1Server feeds arbitrary client bytes to the HTTP/1 server loop: it must answer or
// close, never panic, and never write a response it did not frame (every response it writes
// parses back).
func FuzzHTTP1Server(f *testing.F) {
	f.Add([]byte("GET /echo HTTP/1.1\r\nHost: a\r\n\r\n"))
	f.Add([]byte("POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: 1\r\n\r\nGET /stream HTTP/1.0\r\n\r\n"))
	f.Add([]byte("POST /deny HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\nbody"))
	f.Add([]byte("HEAD /trailer HTTP/1.1\r\nHost: a\r\n\r\nGET /short HTTP/1.1\r\nHost: a\r\n\r\n"))
	f.Add([]byte("GET /inject HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"))
	f.Add([]byte("GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\n"))
	for _, tc := range http1test.Desync() {
		f.Add([]byte(tc.Raw))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		// the handler's requests, in order, tell the response parser which answers are to HEAD
		var methods []string
		h := testHandler()
		s := NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			methods = append(methods, r.Method)
			h.ServeHTTP(w, r)
		}), nil, ServerConfig{MaxHeaderBytes: 2 << 10}, slog.New(slog.NewTextHandler(io.Discard, nil)))
		out := &recordingConn{scriptedConn: scriptedConn{r: bytes.NewReader(in)}}
		hc := &h1conn{c: out}
		s.serveHTTP1(hc, nil)
		br := bufio.NewReader(bytes.NewReader(out.w.Bytes()))
		for {
			if _, err := br.Peek(1); err != nil {
				return
			}
			req := &http.Request{Method: http.MethodGet}
			if len(methods) > 0 {
				req.Method = methods[0]
			}
			resp, err := http.ReadResponse(br, req)
			if err != nil {
				t.Fatalf("the server wrote an unparsable response: %v\n%q", err, out.w.Bytes())
			}
			if resp.StatusCode == http.StatusContinue {
				continue
			}
			if len(methods) > 0 {
				methods = methods[1:]
			}
			// a HEAD response's body is not in the stream; the others must read to their end
			// or to the connection's end (close-delimited)
			_, _ = io.Copy(io.Discard, resp.Body)
			if resp.Close {
				return
			}
		}
	})
}

// recordingConn is a scriptedConn that keeps what the server writes.
type recordingConn struct {
	scriptedConn
	w bytes.Buffer
}

func (c *recordingConn) Write(p []byte) (int, error) { return c.w.Write(p) }
