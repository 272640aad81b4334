package http1

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/palisade-sec/palisade/internal/gateway/http1/http1test"
)

// The differential tests send the same client bytes to Server and to net/http's own
// server, both serving diffHandler, and compare what the handler saw (the requests, where each
// one begins and ends, and its body) and what the client got back. The two servers share
// net/http's request parser, so any difference comes from the connection loop around it: the
// place where a proxy's framing bugs turn into request smuggling.

// seenRequest is what the handler observed of one request.
type seenRequest struct {
	Method, RequestURI, Proto, Host string
	Header                          http.Header
	ContentLength                   int64
	TransferEncoding                []string
	Close                           bool
	Body                            string
	BodyErr                         string // "" when the body ended cleanly (or was not read)
	Trailer                         http.Header
}

// diffRecorder keeps what the handler saw, per client connection (by remote address).
type diffRecorder struct {
	mu   sync.Mutex
	seen map[string][]seenRequest
}

func newDiffRecorder() *diffRecorder { return &diffRecorder{seen: map[string][]seenRequest{}} }

func (rec *diffRecorder) take(remote string) []seenRequest {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	s := rec.seen[remote]
	delete(rec.seen, remote)
	return s
}

// diffHandler answers by path, deterministically, with the behaviours a connection loop has to
// get right after the handler returns: a body read in full, not at all, partly or closed early;
// responses short of or past their Content-Length; a body for HEAD; invalid header fields.
func diffHandler(rec *diffRecorder) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sr := seenRequest{Method: r.Method, RequestURI: r.RequestURI, Proto: r.Proto, Host: r.Host,
			Header: r.Header.Clone(), ContentLength: r.ContentLength, TransferEncoding: r.TransferEncoding, Close: r.Close}
		var body []byte
		var err error
		path, _, _ := strings.Cut(r.RequestURI, "?")
		switch {
		case strings.HasSuffix(path, "/noread"):
		case strings.HasSuffix(path, "/partial"):
			body = make([]byte, 1)
			n, _ := io.ReadFull(r.Body, body)
			body = body[:n]
		case strings.HasSuffix(path, "/earlyclose"):
			body = make([]byte, 1)
			n, _ := io.ReadFull(r.Body, body)
			body = body[:n]
			_ = r.Body.Close()
		default:
			body, err = io.ReadAll(r.Body)
			if err != nil {
				sr.BodyErr = err.Error()
			}
			if len(r.Trailer) > 0 {
				sr.Trailer = r.Trailer.Clone()
			}
		}
		sr.Body = string(body)
		rec.mu.Lock()
		rec.seen[r.RemoteAddr] = append(rec.seen[r.RemoteAddr], sr)
		rec.mu.Unlock()

		h := w.Header()
		if !strings.HasSuffix(path, "/sniff") {
			h.Set("Content-Type", "text/plain") // net/http sniffs a missing one, the gateway does not
		}
		switch {
		case strings.HasSuffix(path, "/short"):
			h.Set("Content-Length", "10")
			_, _ = io.WriteString(w, "12345")
		case strings.HasSuffix(path, "/long"):
			h.Set("Content-Length", "3")
			_, _ = io.WriteString(w, "12345")
		case strings.HasSuffix(path, "/badheader"):
			h.Set("X-Split", "a\r\nSet-Cookie: pwned=1\r\n\r\nHTTP/1.1 200 OK")
			h["Bad Name"] = []string{"x"}
			h["Content-Length"] = []string{"2", "4"}
			_, _ = io.WriteString(w, "ok")
		case strings.HasSuffix(path, "/early"):
			h.Set("Link", "</a.css>; rel=preload")
			w.WriteHeader(http.StatusEarlyHints)
			_, _ = io.WriteString(w, "after hints")
		case strings.HasSuffix(path, "/close"):
			h.Set("Connection", "close")
			_, _ = io.WriteString(w, "closing")
		case strings.HasSuffix(path, "/big"):
			_, _ = w.Write(bytes.Repeat([]byte("b"), 5000))
		case strings.HasSuffix(path, "/nocontent"):
			w.WriteHeader(http.StatusNoContent)
			_, _ = io.WriteString(w, "not allowed")
		case strings.HasSuffix(path, "/trailer"):
			h.Set("Trailer", "X-Sum")
			_, _ = io.WriteString(w, "data")
			h.Set("X-Sum", "42")
		default:
			// HEAD included: both servers must drop the body and keep the framing.
			fmt.Fprintf(w, "%s %s body=%d err=%t", r.Method, r.RequestURI, len(body), err != nil)
		}
	})
}

// gotResponse is one response as the client parsed it.
type gotResponse struct {
	Status  int
	Body    string
	Header  http.Header // without Date; nil for an answer the handler did not write
	Trailer http.Header
	Close   bool
}

// connResult is one connection's outcome on one server.
type connResult struct {
	Seen      []seenRequest
	Responses []gotResponse
	Trailing  string // bytes after the last parsable response (none is expected)
}

// parseResponses reads every response in raw; methods are the requests' methods in order
// (HEAD responses have no body on the wire). Answers past the handler's requests are the
// server's own refusals: only their status is compared, the texts differ by design.
func parseResponses(raw []byte, seen []seenRequest) ([]gotResponse, string) {
	br := bufio.NewReader(bytes.NewReader(raw))
	var out []gotResponse
	final := 0
	for {
		if _, err := br.Peek(1); err != nil {
			return out, ""
		}
		method := http.MethodGet
		if final < len(seen) {
			method = seen[final].Method
		}
		resp, err := http.ReadResponse(br, &http.Request{Method: method})
		if err != nil {
			rest, _ := io.ReadAll(br)
			return out, fmt.Sprintf("%v: %q", err, rest)
		}
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return out, fmt.Sprintf("response body: %v", err)
		}
		g := gotResponse{Status: resp.StatusCode, Body: string(b), Close: resp.Close, Trailer: resp.Trailer}
		if resp.StatusCode >= 200 {
			final++
		}
		if final <= len(seen) || resp.StatusCode < 200 {
			resp.Header.Del("Date")
			g.Header = resp.Header
		} else {
			g.Body = ""
		}
		out = append(out, g)
	}
}

// diffCase is one client byte stream and how the gateway's answer may differ by design. Each
// is sent whole and again in pieces cut at every CR (between CR and LF), so the parsers see
// request lines, headers, chunk sizes and bodies split at awkward places.
type diffCase struct {
	name string
	raw  string
	// want adjusts net/http's outcome into the one expected from the gateway, for the
	// documented differences (nil: identical).
	want func(*connResult)
	// pauseAt, when set, stops the client after that many bytes for longer than the servers'
	// header timeout (slowloris), then sends the rest if the connection is still open.
	pauseAt int
}

const diffHost = "Host: a.test\r\n"

// refusedAt is the gateway's outcome when it refuses, by design, the request net/http served
// at index i: the handler never sees it or anything after it, and the client gets status.
func refusedAt(i, status int) func(*connResult) {
	return func(r *connResult) {
		if r.Seen = r.Seen[:i]; i == 0 {
			r.Seen = nil
		}
		r.Responses = append(r.Responses[:i], gotResponse{Status: status, Close: true})
	}
}

// closesAfter is the gateway's outcome when it closes, by design, the connection after the
// response at index i that net/http kept open: HTTP/1.0 keep-alive, and a body the handler left
// unread that the client stalls for longer than the header timeout (net/http waits for it
// without bound before answering; the gateway gives up, answers and closes).
func closesAfter(i int) func(*connResult) {
	return func(r *connResult) {
		r.Seen = r.Seen[:i+1]
		r.Responses = r.Responses[:i+1]
		r.Responses[i].Close = true
		r.Responses[i].Header.Del("Connection") // net/http's "keep-alive"; the parser drops "close"
	}
}

func diffCases() []diffCase {
	get := func(path string) string { return "GET " + path + " HTTP/1.1\r\n" + diffHost + "\r\n" }
	post := func(path, extra, body string) string {
		return "POST " + path + " HTTP/1.1\r\n" + diffHost + extra + "\r\n" + body
	}
	tail := get("/after")
	longName := strings.Repeat("x", 40)
	hundredOne := strings.Repeat("X-H: v\r\n", 101)
	return []diffCase{
		{name: "pipelined basics", raw: get("/one") +
			post("/two", "Content-Length: 5\r\n", "hello") +
			post("/three", "Transfer-Encoding: chunked\r\n", "3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\nX-T: t\r\n\r\n") +
			"HEAD /head HTTP/1.1\r\n" + diffHost + "\r\n" + get("/big") + get("/nocontent") + get("/trailer") + tail},
		{name: "CL then TE", raw: post("/echo", "Content-Length: 40\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n") + tail, want: refusedAt(0, http.StatusBadRequest)},
		{name: "TE then CL", raw: post("/echo", "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n", "0\r\n\r\n") + tail, want: refusedAt(0, http.StatusBadRequest)},
		{name: "duplicate equal Content-Length", raw: post("/echo", "Content-Length: 3\r\nContent-Length: 3\r\n", "abc") + tail},
		{name: "conflicting Content-Length", raw: post("/echo", "Content-Length: 3\r\nContent-Length: 4\r\n", "abcd") + tail},
		{name: "Content-Length list", raw: post("/echo", "Content-Length: 3, 3\r\n", "abc") + tail},
		{name: "Content-Length with sign", raw: post("/echo", "Content-Length: +3\r\n", "abc") + tail},
		{name: "Content-Length hex", raw: post("/echo", "Content-Length: 0x3\r\n", "abc") + tail},
		{name: "chunked, identity", raw: post("/echo", "Transfer-Encoding: chunked, identity\r\n", "0\r\n\r\n") + tail},
		{name: "identity, chunked", raw: post("/echo", "Transfer-Encoding: identity, chunked\r\n", "0\r\n\r\n") + tail},
		{name: "xchunked", raw: post("/echo", "Transfer-Encoding: xchunked\r\n", "0\r\n\r\n") + tail},
		{name: "two TE headers", raw: post("/echo", "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n") + tail},
		{name: "TE in HTTP/1.0", raw: "POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n" + tail, want: refusedAt(0, http.StatusBadRequest)},
		{name: "chunk size overflow", raw: post("/echo", "Transfer-Encoding: chunked\r\n", "10000000000000001\r\na\r\n0\r\n\r\n") + tail},
		{name: "chunk size with spaces", raw: post("/echo", "Transfer-Encoding: chunked\r\n", "3 \r\nabc\r\n0\r\n\r\n") + tail},
		{name: "chunk extension with quoted CRLF", raw: post("/echo", "Transfer-Encoding: chunked\r\n", "3;a=\"x\r\n\"\r\nabc\r\n0\r\n\r\n") + tail},
		{name: "chunk data longer than its size", raw: post("/echo", "Transfer-Encoding: chunked\r\n", "3\r\nabcdef\r\n0\r\n\r\n") + tail},
		{name: "bad chunk after unread start", raw: post("/partial", "Transfer-Encoding: chunked\r\n", "3\r\nabc\r\nzz\r\n"+tail+"0\r\n\r\n") + tail},
		{name: "bad chunk body closed early", raw: post("/earlyclose", "Transfer-Encoding: chunked\r\n", "3\r\nabc\r\nzz\r\n"+tail+"0\r\n\r\n") + tail},
		{name: "bad chunk unread", raw: post("/noread", "Transfer-Encoding: chunked\r\n", "3\r\nabc\r\nzz\r\n"+tail+"0\r\n\r\n") + tail},
		{name: "bare LF line endings", raw: "POST /echo HTTP/1.1\nHost: a.test\nContent-Length: 2\n\nhi" + "GET /lf HTTP/1.1\nHost: a.test\n\n"},
		{name: "bare LF in chunked body", raw: post("/echo", "Transfer-Encoding: chunked\r\n", "3\nabc\n0\n\n") + tail},
		{name: "bare CR in header", raw: "GET /cr HTTP/1.1\r\n" + diffHost + "X-A: a\rX-B: b\r\n\r\n" + tail},
		{name: "obs-fold continuation", raw: "GET /fold HTTP/1.1\r\n" + diffHost + "X-A: a\r\n b\r\n\r\n" + tail, want: refusedAt(0, http.StatusBadRequest)},
		{name: "obs-fold of Content-Length", raw: "POST /fold HTTP/1.1\r\n" + diffHost + "Content-Length:\r\n 3\r\n\r\nabc" + tail, want: refusedAt(0, http.StatusBadRequest)},
		{name: "NUL in header value", raw: "GET /nul HTTP/1.1\r\n" + diffHost + "X-A: a\x00b\r\n\r\n" + tail},
		{name: "space before colon", raw: "POST /sp HTTP/1.1\r\n" + diffHost + "Content-Length : 3\r\n\r\nabc" + tail},
		{name: "space before colon of TE", raw: "POST /sp HTTP/1.1\r\n" + diffHost + "Transfer-Encoding : chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n" + tail},
		{name: "absolute-form target", raw: "GET http://b.test/abs?q=1 HTTP/1.1\r\n" + diffHost + "\r\n" + tail},
		{name: "absolute-form without Host", raw: "GET http://b.test/abs HTTP/1.1\r\n\r\n" + tail},
		{name: "absolute-form with an invalid Host header", raw: "GET http://b.test/ HTTP/1.0\r\nHost: a b\r\n\r\n"},
		{name: "absolute-form with a folded Host header", raw: "GET http://b.test/ HTTP/1.1\r\nHost: a\r\n b\r\n\r\n" + tail},
		{name: "absolute-form with an invalid host", raw: "GET http://a\"b/ HTTP/1.0\r\n\r\n", want: refusedAt(0, http.StatusBadRequest)},
		{name: "absolute-form with userinfo", raw: "GET http://u:p@b.test/abs HTTP/1.1\r\n" + diffHost + "\r\n" + tail},
		{name: "Host missing", raw: "GET /nohost HTTP/1.1\r\n\r\n" + tail},
		{name: "Host duplicated", raw: "GET /dup HTTP/1.1\r\nHost: a.test\r\nHost: evil.test\r\n\r\n" + tail, want: refusedAt(0, http.StatusBadRequest)},
		{name: "Host duplicated in HTTP/1.0", raw: "GET /dup HTTP/1.0\r\nhost: a.test\r\nHOST: evil.test\r\n\r\n", want: refusedAt(0, http.StatusBadRequest)},
		{name: "Host duplicated by absolute-form", raw: "GET http://b.test/ HTTP/1.1\r\n" + diffHost + "\r\n" + tail},
		{name: "Host-like fields", raw: "GET /like HTTP/1.1\r\n" + diffHost + "X-Host: b\r\nHostx: c\r\n\r\n" + tail},
		{name: "Host empty", raw: "GET /empty HTTP/1.1\r\nHost:\r\n\r\n" + tail, want: refusedAt(0, http.StatusBadRequest)},
		{name: "Host with userinfo", raw: "GET /ui HTTP/1.1\r\nHost: user@a.test\r\n\r\n" + tail},
		{name: "Host with path", raw: "GET /hp HTTP/1.1\r\nHost: a.test/x\r\n\r\n" + tail},
		{name: "HTTP/0.9", raw: "GET /\r\n" + tail},
		{name: "HTTP/1.0 no keep-alive", raw: "GET /ten HTTP/1.0\r\n\r\n" + tail},
		{name: "HTTP/1.0 keep-alive", raw: "GET /ten HTTP/1.0\r\nConnection: keep-alive\r\n\r\n" + tail, want: closesAfter(0)},
		{name: "HTTP/1.0 keep-alive POST", raw: "POST /ten HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nhi" + tail, want: closesAfter(0)},
		{name: "HTTP/2.0 request line", raw: "GET / HTTP/2.0\r\n" + diffHost + "\r\n" + tail},
		{name: "HTTP/1.2", raw: "GET /v HTTP/1.2\r\n" + diffHost + "\r\n" + tail},
		{name: "very long request line", raw: "GET /" + strings.Repeat("a", 9000) + " HTTP/1.1\r\n" + diffHost + "\r\n" + tail},
		{name: "over 100 headers", raw: "GET /many HTTP/1.1\r\n" + diffHost + hundredOne + "\r\n" + tail},
		{name: "header block just under the limit", raw: "GET /under HTTP/1.1\r\n" + diffHost + "X-" + longName + ": " + strings.Repeat("u", diffMaxHeader+4096-200) + "\r\n\r\n" + tail},
		{name: "header block over the limit", raw: "GET /over HTTP/1.1\r\n" + diffHost + "X-" + longName + ": " + strings.Repeat("o", diffMaxHeader+4096+100) + "\r\n\r\n" + tail},
		{name: "empty lines after a POST body", raw: post("/echo", "Content-Length: 2\r\n", "hi\r\n") + tail},
		{name: "empty line before a GET", raw: get("/one") + "\r\n" + tail},
		{name: "Connection close mid-pipeline", raw: get("/one") + "GET /two HTTP/1.1\r\n" + diffHost + "Connection: close\r\n\r\n" + tail},
		{name: "handler sets Connection close", raw: get("/close") + tail},
		{name: "Expect 100-continue with body", raw: post("/echo", "Expect: 100-continue\r\nContent-Length: 4\r\n", "body") + tail,
			want: dropExpect},
		{name: "Expect 100-continue body not read", raw: post("/noread", "Expect: 100-continue\r\nContent-Length: 4\r\n", "body") + tail,
			want: dropExpect},
		{name: "Expect 100-continue body never sent", raw: post("/echo", "Expect: 100-continue\r\nContent-Length: 4\r\n", ""),
			want: dropExpect},
		{name: "Expect 100-continue without body", raw: post("/echo", "Expect: 100-continue\r\n", "") + tail, want: dropExpect},
		{name: "Expect 100-continue in HTTP/1.0", raw: "POST /ten HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi" + tail, want: dropExpect},
		{name: "Expect with a second token", raw: post("/echo", "Expect: 100-continue, x\r\nContent-Length: 2\r\n", "hi") + tail,
			want: refusedAt(0, http.StatusExpectationFailed)},
		{name: "Expect unknown", raw: post("/echo", "Expect: magic\r\nContent-Length: 2\r\n", "hi") + tail},
		{name: "HEAD with a body written", raw: "HEAD /head HTTP/1.1\r\n" + diffHost + "\r\n" + "HEAD /big HTTP/1.1\r\n" + diffHost + "\r\n" + tail},
		{name: "response short of its Content-Length", raw: get("/short") + tail},
		{name: "response past its Content-Length", raw: get("/long") + tail},
		{name: "invalid response header fields", raw: get("/badheader") + tail,
			want: func(r *connResult) {
				// net/http sends both handler-set Content-Length values, and no client can
				// tell where that response ends; the gateway drops an ambiguous length and
				// frames the body itself (chunked, as the header was set before the write)
				r.Trailing = ""
				r.Responses = []gotResponse{
					{Status: 200, Body: "ok", Header: http.Header{"Content-Type": {"text/plain"}, "X-Split": {"a  Set-Cookie: pwned=1    HTTP/1.1 200 OK"}}},
					{Status: 200, Body: "GET /after body=0 err=false", Header: http.Header{"Content-Length": {"27"}, "Content-Type": {"text/plain"}}},
				}
			}},
		{name: "unread body drained", raw: post("/noread", "Content-Length: 5\r\n", "hello") + tail},
		{name: "body closed early", raw: post("/earlyclose", "Content-Length: 5\r\n", "hello") + tail},
		{name: "unread body over the drain limit", raw: post("/noread", "Content-Length: 300000\r\n", strings.Repeat("z", 300000)) + tail},
		{name: "unsupported method token", raw: "G(T /x HTTP/1.1\r\n" + diffHost + "\r\n" + tail},
		{name: "CONNECT authority-form", raw: "CONNECT b.test:443 HTTP/1.1\r\n" + diffHost + "\r\n" + tail},
		{name: "OPTIONS asterisk", raw: "OPTIONS * HTTP/1.1\r\n" + diffHost + "\r\n" + tail, want: servesOptionsStar},
		{name: "request line with tab", raw: "GET\t/tab HTTP/1.1\r\n" + diffHost + "\r\n" + tail},
		{name: "request line two spaces", raw: "GET  /two HTTP/1.1\r\n" + diffHost + "\r\n" + tail},
		{name: "header name with underscore", raw: "GET /u HTTP/1.1\r\n" + diffHost + "X_Forwarded_For: 1.2.3.4\r\n\r\n" + tail},
		{name: "header line without colon", raw: "GET /nc HTTP/1.1\r\n" + diffHost + "Nocolon\r\n\r\n" + tail},
		{name: "leading whitespace header line", raw: "GET /ws HTTP/1.1\r\n X-A: a\r\n" + diffHost + "\r\n" + tail},
		{name: "early hints", raw: get("/early") + tail},
		{name: "slow request line", raw: get("/slow") + tail, pauseAt: 5},
		{name: "slow header block", raw: get("/slow") + tail, pauseAt: 20},
		{name: "slow second request", raw: get("/one") + get("/slow"), pauseAt: len(get("/one")) + 10},
		{name: "idle between requests", raw: get("/one") + get("/two"), pauseAt: len(get("/one"))},
		{name: "slow body", raw: post("/echo", "Content-Length: 5\r\n", "hello") + tail, pauseAt: len(post("/echo", "Content-Length: 5\r\n", "he"))},
		{name: "unread body stalled", raw: post("/noread", "Transfer-Encoding: chunked\r\n", "3\r\nabc\r\n0\r\n\r\n") + tail,
			pauseAt: len(post("/noread", "Transfer-Encoding: chunked\r\n", "3\r\nab")), want: closesAfter(0)},
		{name: "chunked trailer smuggles Content-Length", raw: post("/echo", "Transfer-Encoding: chunked\r\n", "1\r\na\r\n0\r\nContent-Length: 30\r\n\r\n") + tail},
	}
}

// servesOptionsStar: net/http answers "OPTIONS *" itself with an empty 200 and never calls the
// handler; the gateway gives it to the handler like any request (its routes decide).
func servesOptionsStar(r *connResult) {
	r.Seen = append([]seenRequest{{Method: "OPTIONS", RequestURI: "*", Proto: "HTTP/1.1", Host: "a.test", Header: http.Header{}}}, r.Seen...)
	r.Responses[0].Body = "OPTIONS * body=0 err=false"
	r.Responses[0].Header = http.Header{"Content-Length": {"26"}, "Content-Type": {"text/plain"}}
	r.Responses[1].Body = "GET /after body=0 err=false"
	r.Responses[1].Header = http.Header{"Content-Length": {"27"}, "Content-Type": {"text/plain"}}
}

// dropExpect: the gateway answers Expect: 100-continue itself, so its handler (and therefore
// the upstream) never sees the header.
func dropExpect(r *connResult) {
	for i := range r.Seen {
		delete(r.Seen[i].Header, "Expect")
	}
}

// diffMaxHeader is both servers' header-block limit in these tests (net/http adds 4 KiB of
// slack to it, and so does the gateway).
const diffMaxHeader = 4 << 10

// diffHeaderTimeout is both servers' header read timeout in these tests.
const diffHeaderTimeout = 300 * time.Millisecond

// startNetHTTP serves h with net/http's server on a loopback port, tuned like the gateway.
func startNetHTTP(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := &http.Server{Handler: h, ReadHeaderTimeout: diffHeaderTimeout, IdleTimeout: 5 * time.Second,
		MaxHeaderBytes: diffMaxHeader, ErrorLog: log.New(io.Discard, "", 0)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String()
}

// diffExchange sends raw over a new loopback connection (in pieces at every CR LF when split is
// set), half-closes, and returns everything the server sent and the client's address.
func diffExchange(t *testing.T, addr, raw string, split bool, pauseAt int) ([]byte, string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	local := c.LocalAddr().String()
	go func() {
		pieces, pause := []string{raw}, 200*time.Microsecond
		switch {
		case pauseAt > 0:
			pieces, pause = []string{raw[:pauseAt], raw[pauseAt:]}, 3*diffHeaderTimeout/2
		case split:
			pieces = strings.SplitAfter(raw, "\r")
		}
		for i, p := range pieces {
			if _, err := io.WriteString(c, p); err != nil {
				return
			}
			if i < len(pieces)-1 {
				// real sockets: the reference is net/http's server over TCP, pauses and all
				time.Sleep(pause)
			}
		}
		_ = c.(*net.TCPConn).CloseWrite()
	}()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	out, _ := io.ReadAll(c)
	return out, local
}

func TestHTTP1DifferentialCorpus(t *testing.T) {
	recGW, recNet := newDiffRecorder(), newDiffRecorder()
	_, gwAddr := startHTTP1(t, diffHandler(recGW), nil, ServerConfig{MaxHeaderBytes: diffMaxHeader, ReadHeaderTimeout: diffHeaderTimeout})
	netAddr := startNetHTTP(t, diffHandler(recNet))
	run := func(addr string, rec *diffRecorder, tc diffCase, split bool) connResult {
		out, local := diffExchange(t, addr, tc.raw, split, tc.pauseAt)
		seen := rec.take(local)
		resps, trailing := parseResponses(out, seen)
		return connResult{Seen: seen, Responses: resps, Trailing: trailing}
	}
	for _, tc := range diffCases() {
		for _, split := range []bool{false, true} {
			if split && tc.pauseAt > 0 {
				continue
			}
			t.Run(fmt.Sprintf("%s/split=%t", tc.name, split), func(t *testing.T) {
				t.Parallel()
				var gw, want connResult
				var wg sync.WaitGroup
				wg.Go(func() { gw = run(gwAddr, recGW, tc, split) })
				wg.Go(func() { want = run(netAddr, recNet, tc, split) })
				wg.Wait()
				if tc.want != nil {
					tc.want(&want)
				}
				if diff := cmp.Diff(want, gw, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("gateway differs from net/http (-net/http +gateway):\n%s", diff)
				}
			})
		}
	}
}

// memConn is an in-memory client connection: the server reads in (at most step bytes a read,
// so parsers see awkward boundaries) and then end of stream; what it writes is kept.
type memConn struct {
	mu     sync.Mutex
	in     []byte
	step   int
	out    bytes.Buffer
	closed bool
	done   chan struct{}
	remote net.Addr
}

func (c *memConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return 0, net.ErrClosed
	}
	if len(c.in) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), len(c.in), c.step)
	copy(p, c.in[:n])
	c.in = c.in[n:]
	return n, nil
}

func (c *memConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return 0, net.ErrClosed
	}
	return c.out.Write(p)
}

func (c *memConn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closed {
		c.closed = true
		close(c.done)
	}
	return nil
}

func (c *memConn) LocalAddr() net.Addr              { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 80} }
func (c *memConn) RemoteAddr() net.Addr             { return c.remote }
func (c *memConn) SetDeadline(time.Time) error      { return nil }
func (c *memConn) SetReadDeadline(time.Time) error  { return nil }
func (c *memConn) SetWriteDeadline(time.Time) error { return nil }

// smugglingOracle decides whether the gateway's request sequence may differ from net/http's:
// it must be a prefix of it (the parsers agree on every request boundary and body), shorter
// only where the gateway refuses or closes by design.
func smugglingOracle(netSeen, gwSeen []seenRequest, gwOut []byte) string {
	opts := cmpopts.EquateEmpty()
	norm := func(s []seenRequest) []seenRequest {
		out := slices.Clone(s)
		for i := range out {
			out[i].Header = out[i].Header.Clone()
			delete(out[i].Header, "Expect")
		}
		return out
	}
	rawNet := netSeen
	netSeen, gwSeen = norm(netSeen), norm(gwSeen)
	// net/http answers "OPTIONS *" itself; the gateway's handler sees it
	gwSeen = slices.DeleteFunc(gwSeen, func(r seenRequest) bool { return r.Method == http.MethodOptions && r.RequestURI == "*" })
	if len(gwSeen) > len(netSeen) {
		return fmt.Sprintf("the gateway served %d requests, net/http %d:\n%s", len(gwSeen), len(netSeen), cmp.Diff(netSeen, gwSeen, opts))
	}
	if diff := cmp.Diff(netSeen[:len(gwSeen)], gwSeen, opts); diff != "" {
		return "the handler saw different requests (-net/http +gateway):\n" + diff
	}
	if n := len(gwSeen); n < len(netSeen) && !gatewayStopsBefore(rawNet, n, gwOut) {
		return fmt.Sprintf("the gateway stopped after %d requests, net/http served %d; next: %+v", n, len(netSeen), netSeen[n])
	}
	return ""
}

// gatewayStopsBefore reports whether the gateway, by design, does not serve request i of a
// connection that net/http served (see docs/gateway.md, "HTTP/1 server").
func gatewayStopsBefore(seen []seenRequest, i int, gwOut []byte) bool {
	r := seen[i]
	for _, refusal := range []string{"more than one Host header\n", "malformed Host header\n",
		// framing two readers could disagree on (RFC 9112 sections 5.2 and 6.1): net/http
		// reads past it, the gateway refuses it and closes
		"obsolete line folding\n", "both Transfer-Encoding and Content-Length\n",
		"Transfer-Encoding in an HTTP/1.0 request\n", "unsupported transfer encoding\n"} {
		// stricter Host checks: a duplicate field (net/http's handler cannot see it either,
		// the answer tells), an invalid host in an absolute-form target (net/http checks only
		// the header)
		if bytes.HasSuffix(gwOut, []byte(refusal)) {
			return true
		}
	}
	if i > 0 && seen[i-1].Proto == "HTTP/1.0" {
		return true // HTTP/1.0 keep-alive is not offered
	}
	major, minor, _ := http.ParseHTTPVersion(r.Proto)
	if r.Host == "" && (major > 1 || minor >= 1) && r.Method != http.MethodConnect {
		return true // an empty Host is refused
	}
	if vv := r.Header["Expect"]; len(vv) > 0 && (len(vv) > 1 || !strings.EqualFold(vv[0], "100-continue")) {
		return true // only exactly "100-continue" is accepted
	}
	return false
}

// FuzzHTTP1Differential sends arbitrary client bytes to both servers and fails when their
// handlers saw different requests: the smuggling property (both must agree where each request
// begins and ends, and on its body).
func FuzzHTTP1Differential(f *testing.F) {
	for _, tc := range diffCases() {
		if len(tc.raw) < 8<<10 {
			f.Add([]byte(tc.raw), uint8(0))
		}
	}
	f.Add([]byte("POST /partial HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n1\r\nGET /x HTTP/1.1\r\n\r\n"), uint8(3))
	for i, tc := range http1test.Desync() { // the attack corpus (http1test), whole and in pieces
		f.Add([]byte(tc.Raw), uint8(i%4))
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	rec := newDiffRecorder()
	srv := &http.Server{Handler: diffHandler(rec), MaxHeaderBytes: diffMaxHeader, ErrorLog: log.New(io.Discard, "", 0)}
	ln := newConnListener()
	go func() { _ = srv.Serve(ln) }()
	f.Cleanup(func() { _ = srv.Close() })
	var port atomic.Int32
	f.Fuzz(func(t *testing.T, in []byte, step uint8) {
		if len(in) > 64<<10 {
			return
		}
		st := int(step%64) + 1
		if step == 0 {
			st = len(in) + 1
		}
		addr := func() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2), Port: int(port.Add(1))} }
		netConn := &memConn{in: in, step: st, done: make(chan struct{}), remote: addr()}
		ln.deliver(netConn)
		select {
		case <-netConn.done:
		case <-time.After(10 * time.Second):
			t.Fatalf("net/http did not finish the connection")
		}
		gwConn := &memConn{in: in, step: st, done: make(chan struct{}), remote: addr()}
		s := NewServer(diffHandler(rec), nil, ServerConfig{MaxHeaderBytes: diffMaxHeader}, logger)
		s.serveHTTP1(&h1conn{c: gwConn}, nil)
		netSeen, gwSeen := rec.take(netConn.remote.String()), rec.take(gwConn.remote.String())
		if msg := smugglingOracle(netSeen, gwSeen, gwConn.out.Bytes()); msg != "" {
			t.Fatalf("%s\ninput: %q", msg, in)
		}
		if msg := answersOracle(netConn.out.Bytes(), netSeen, gwConn.out.Bytes(), gwSeen); msg != "" {
			t.Fatalf("%s\ninput: %q", msg, in)
		}
	})
}

// answersOracle compares what the client got: the gateway's answers must always parse, and
// for the requests both handlers served, status and body must be the same.
func answersOracle(netOut []byte, netSeen []seenRequest, gwOut []byte, gwSeen []seenRequest) string {
	gwResp, trailing := parseResponses(gwOut, gwSeen)
	if trailing != "" && trailing != "response body: unexpected EOF" {
		// a body short of its Content-Length ends the connection; nothing else may not parse
		return "the gateway wrote an unparsable answer: " + trailing
	}
	for _, r := range append(slices.Clone(netSeen), gwSeen...) {
		if r.Method == http.MethodOptions && r.RequestURI == "*" {
			return "" // net/http answers it without the handler: indexes differ
		}
	}
	netResp, _ := parseResponses(netOut, netSeen)
	final := func(rs []gotResponse, n int) []gotResponse {
		var out []gotResponse
		for _, r := range rs {
			if r.Status >= 200 && len(out) < n {
				out = append(out, gotResponse{Status: r.Status, Body: r.Body})
			}
		}
		return out
	}
	n := min(len(gwSeen), len(netSeen))
	want, got := final(netResp, n), final(gwResp, n)
	// net/http's own answer may not parse (a handler's two Content-Lengths): compare up to it
	got = got[:min(len(got), len(want))]
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		return "the answers to the same requests differ (-net/http +gateway):\n" + diff
	}
	return ""
}

// TestHTTP1DifferentialOracle checks the fuzz oracle itself: it must flag a split request.
func TestHTTP1DifferentialOracle(t *testing.T) {
	a := seenRequest{Method: "POST", Proto: "HTTP/1.1", Host: "a", Body: "abc"}
	b := seenRequest{Method: "GET", Proto: "HTTP/1.1", Host: "a", RequestURI: "/smuggled"}
	cases := []struct {
		name        string
		netS, gwS   []seenRequest
		wantFlagged bool
	}{
		{"same", []seenRequest{a, b}, []seenRequest{a, b}, false},
		{"extra request on the gateway", []seenRequest{a}, []seenRequest{a, b}, true},
		{"different body", []seenRequest{a}, []seenRequest{{Method: "POST", Proto: "HTTP/1.1", Host: "a", Body: "ab"}}, true},
		{"OPTIONS * only on the gateway", []seenRequest{a}, []seenRequest{{Method: "OPTIONS", RequestURI: "*"}, a}, false},
		{"gateway stopped without reason", []seenRequest{a, b}, []seenRequest{a}, true},
		{"gateway stopped after HTTP/1.0", []seenRequest{{Proto: "HTTP/1.0"}, b}, []seenRequest{{Proto: "HTTP/1.0"}}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := smugglingOracle(tc.netS, tc.gwS, nil) != ""; got != tc.wantFlagged {
				t.Errorf("flagged = %v, want %v", got, tc.wantFlagged)
			}
		})
	}
}

// TestHTTP1HostScanner counts Host fields the way textproto splits a head, however the head's
// bytes are cut between the buffered part and later reads.
func TestHTTP1HostScanner(t *testing.T) {
	cases := []struct {
		name, head string
		want       int
		value      string
		folded     bool
	}{
		{"one", "GET / HTTP/1.1\r\nHost: a.test:80\r\n\r\n", 1, "a.test:80", false},
		{"none", "GET / HTTP/1.1\r\nX: y\r\n\r\n", 0, "", false},
		{"two, any case", "GET / HTTP/1.1\r\nhost: a\r\nX: y\r\nHOST: b\r\n\r\n", 2, "a", false},
		{"bare LF", "GET / HTTP/1.1\nHost: a\nHost: b\n\n", 2, "a", false},
		{"empty value", "GET / HTTP/1.1\r\nHost:\r\n\r\n", 1, "", false},
		{"spaces and tabs trimmed", "GET / HTTP/1.1\r\nHost: \t a \t\r\n\r\n", 1, "a", false},
		{"CR kept inside the value", "GET / HTTP/1.1\r\nHost:\ra\r\r\n\r\n", 1, "\ra\r", false},
		{"continuation line is not a field", "GET / HTTP/1.1\r\nX: a\r\n Host: b\r\n\tHost: c\r\n\r\n", 0, "", false},
		{"folded Host", "GET / HTTP/1.1\r\nHost: a\r\n b\r\n\r\n", 1, "", true},
		{"look-alikes", "GET / HTTP/1.1\r\nX-Host: a\r\nHostname: b\r\nHos: c\r\n\r\n", 0, "", false},
		{"request line is not a field", "Host: /x HTTP/1.1\r\nHost: a\r\n\r\n", 1, "a", false},
		{"after the blank line is body", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9\r\n\r\nHost: b\r\n", 1, "a", false},
		{"CR inside a line", "GET / HTTP/1.1\r\nX: a\rHost: b\r\nHost: c\r\n\r\n", 1, "c", false},
		{"pipelined next head ignored", "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: b\r\n\r\n", 1, "a", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for cut := 0; cut <= len(tc.head); cut++ {
				s := &hostScanner{r: &memConn{in: []byte(tc.head[cut:]), step: 1 + cut%3, done: make(chan struct{})}}
				s.start([]byte(tc.head[:cut]))
				buf := make([]byte, 7)
				for {
					if _, err := s.Read(buf); err != nil {
						break
					}
				}
				v, ok := s.hostValue()
				if s.hosts != tc.want || v != tc.value || ok != !tc.folded {
					t.Fatalf("cut at %d: %d Host fields, first %q (%v), want %d, %q, folded %v", cut, s.hosts, v, ok, tc.want, tc.value, tc.folded)
				}
			}
		})
	}
}

// TestHTTP1DifferentialAnswersOracle checks the fuzz's second oracle: it must flag a different
// answer to the same request and an answer that does not parse.
func TestHTTP1DifferentialAnswersOracle(t *testing.T) {
	seen := []seenRequest{{Method: "GET", Proto: "HTTP/1.1", Host: "a", RequestURI: "/"}}
	ok := "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
	cases := []struct {
		name        string
		gw          string
		wantFlagged bool
	}{
		{"same", ok, false},
		{"other status", "HTTP/1.1 403 Forbidden\r\nContent-Length: 2\r\n\r\nok", true},
		{"other body", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nno", true},
		{"unparsable", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\nok", true},
		{"framed differently", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := answersOracle([]byte(ok), seen, []byte(tc.gw), seen) != ""; got != tc.wantFlagged {
				t.Errorf("flagged = %v, want %v", got, tc.wantFlagged)
			}
		})
	}
}
