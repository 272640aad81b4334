package http1

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/net/http/httpguts"
)

// Server serves HTTP/1.x on the gateway's traffic listeners with the standard library's
// request parser (http.ReadRequest) and handler interface, and hands connections that negotiate
// HTTP/2 to net/http's own server. What it leaves out of net/http's HTTP/1 server is the
// machinery a proxy does not need per request — a background reader goroutine and a cancelable
// context per request, a second buffering layer in front of the chunk writer — which was as
// much CPU as the proxy's own work (see docs/gateway.md, "HTTP/1 server").
//
// It keeps the protections that matter at an edge: a header-size limit (431), a header read
// timeout, an idle timeout, strict header and Host validation, 505 for non-HTTP/1 requests, and
// at most 256 KiB of an unread request body drained before a connection is reused.
type Server struct {
	handler           http.Handler
	tls               *tls.Config  // nil: plain HTTP
	h2                *http.Server // serves connections that negotiated h2 (nil without TLS)
	h2ln              *connListener
	readHeaderTimeout time.Duration
	idleTimeout       time.Duration
	bodyTimeout       time.Duration // progress between reads of a request body
	writeTimeout      time.Duration // progress of writes to the client
	maxHeaderBytes    int64
	log               *slog.Logger
	date              dateCache

	mu      sync.Mutex
	ln      net.Listener
	conns   map[*h1conn]bool // value: idle, waiting for a request
	closing bool
	wg      sync.WaitGroup
}

// h1conn is one served connection.
type h1conn struct {
	c     net.Conn
	watch watchState // client-disconnect detection (watch.go)
}

// maxDrain is how much of a request body the handler did not read is discarded to keep the
// connection; beyond it the connection is closed (net/http uses the same bound).
const maxDrain = 256 << 10

// ServerConfig bounds what one client connection may make a Server wait for or hold. A zero
// field takes its default, never "no limit", so a forgotten field cannot open the server to a
// slow-read or slow-header client.
type ServerConfig struct {
	ReadHeaderTimeout time.Duration // to send a request's header block (default 10s)
	IdleTimeout       time.Duration // a keep-alive connection's wait for its next request (default 120s)
	BodyTimeout       time.Duration // the longest a request body may stall between reads (default 60s)
	WriteTimeout      time.Duration // the longest a write may wait for the client to read (default 60s)
	MaxHeaderBytes    int64         // the largest request header block (default 64 KiB); past it, 431
}

// Defaults of ServerConfig and TransportConfig, the values nginx and net/http users are used to.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultIdleTimeout       = 120 * time.Second
	DefaultBodyTimeout       = 60 * time.Second
	DefaultWriteTimeout      = 60 * time.Second
	DefaultMaxHeaderBytes    = 64 << 10

	DefaultConnectTimeout = 5 * time.Second
	DefaultReadTimeout    = 60 * time.Second
)

// orDefault is d, or def when d is zero (or negative, which no caller means).
func orDefault[T time.Duration | int64](d, def T) T {
	if d <= 0 {
		return def
	}
	return d
}

// NewServer returns a server of h; tlsConf nil means plain HTTP, otherwise connections that
// negotiate h2 are served by net/http's HTTP/2 server with the same limits. log receives
// debug-level connection errors and handler panics.
func NewServer(h http.Handler, tlsConf *tls.Config, cfg ServerConfig, log *slog.Logger) *Server {
	s := &Server{handler: h, readHeaderTimeout: orDefault(cfg.ReadHeaderTimeout, DefaultReadHeaderTimeout),
		idleTimeout: orDefault(cfg.IdleTimeout, DefaultIdleTimeout), bodyTimeout: orDefault(cfg.BodyTimeout, DefaultBodyTimeout),
		writeTimeout: orDefault(cfg.WriteTimeout, DefaultWriteTimeout), maxHeaderBytes: orDefault(cfg.MaxHeaderBytes, DefaultMaxHeaderBytes),
		log: log, conns: map[*h1conn]bool{}}
	if tlsConf != nil {
		s.tls = tlsConf.Clone()
		s.tls.NextProtos = []string{"h2", "http/1.1"}
		s.h2ln = newConnListener()
		s.h2 = &http.Server{Handler: h, TLSConfig: s.tls, ReadHeaderTimeout: s.readHeaderTimeout,
			IdleTimeout: s.idleTimeout, MaxHeaderBytes: int(s.maxHeaderBytes), ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelDebug),
			HTTP2: &http.HTTP2Config{WriteByteTimeout: s.writeTimeout}}
		go func() { _ = s.h2.Serve(s.h2ln) }()
	}
	return s
}

// Serve accepts connections on ln until Shutdown; it then returns http.ErrServerClosed.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return http.ErrServerClosed
	}
	s.ln = ln
	s.mu.Unlock()
	stop := make(chan struct{})
	defer close(stop)
	go s.watchSlow(stop)
	var backoff time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			s.mu.Lock()
			closing := s.closing
			s.mu.Unlock()
			if closing {
				return http.ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, syscall.EMFILE) {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				s.log.Debug("accept failed; retrying", "err", err, "in", backoff)
				time.Sleep(backoff)
				continue
			}
			return err
		}
		backoff = 0
		hc := &h1conn{c: c}
		if !s.track(hc) {
			_ = c.Close()
			continue
		}
		go s.serveConn(hc)
	}
}

// track registers a new connection (idle until its first request); false when shutting down.
func (s *Server) track(hc *h1conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.conns[hc] = true
	s.wg.Add(1)
	return true
}

func (s *Server) untrack(hc *h1conn) {
	s.mu.Lock()
	delete(s.conns, hc)
	s.mu.Unlock()
	s.wg.Done()
}

// setIdle marks the connection idle (between requests) or busy; marking it busy fails once
// Shutdown has begun, so no new request starts on a draining server.
func (s *Server) setIdle(hc *h1conn, idle bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.conns[hc] = idle
	return true
}

// Shutdown stops accepting, closes idle connections, lets requests in flight finish (each
// connection closes after its current response) and waits for them until ctx ends, when the
// rest are closed.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	if s.ln != nil {
		_ = s.ln.Close()
	}
	for hc, idle := range s.conns {
		if idle {
			_ = hc.c.Close()
		}
	}
	s.mu.Unlock()
	var h2err error
	if s.h2 != nil {
		h2err = s.h2.Shutdown(ctx)
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return h2err
	case <-ctx.Done():
		s.mu.Lock()
		for hc := range s.conns {
			_ = hc.c.Close()
		}
		s.mu.Unlock()
		return ctx.Err()
	}
}

func (s *Server) serveConn(hc *h1conn) {
	defer s.untrack(hc)
	defer func() {
		// A handler panic ends its connection, not the gateway; http.ErrAbortHandler is how
		// the forwarder aborts a response whose upstream body failed midway (as in net/http).
		if r := recover(); r != nil {
			_ = hc.c.Close()
			if r != http.ErrAbortHandler {
				s.log.Error("panic serving a request; connection closed", "remote", hc.c.RemoteAddr().String(), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			}
		}
	}()
	c := hc.c
	var state *tls.ConnectionState
	if s.tls != nil {
		tc := tls.Server(c, s.tls)
		_ = c.SetDeadline(time.Now().Add(s.readHeaderTimeout))
		if err := tc.Handshake(); err != nil {
			s.log.Debug("tls handshake failed", "remote", c.RemoteAddr().String(), "err", err)
			_ = c.Close()
			return
		}
		_ = c.SetDeadline(time.Time{})
		cs := tc.ConnectionState()
		if cs.NegotiatedProtocol == "h2" {
			s.h2ln.deliver(tc) // net/http's HTTP/2 server owns it from here
			return
		}
		state = &cs
		hc.c, c = tc, tc
	}
	defer c.Close()
	s.serveHTTP1(hc, state)
}

// serveHTTP1 runs the request loop of one HTTP/1.x connection.
func (s *Server) serveHTTP1(hc *h1conn, state *tls.ConnectionState) {
	c := hc.c
	lim := &limitedReader{r: c, n: math.MaxInt64}
	heads := &hostScanner{r: lim}
	br := bufio.NewReaderSize(heads, 4096)
	// Every write to the client goes through wprog, so a client that stops reading fails the
	// write after writeTimeout; body reads go through rprog (armed only while a body is read).
	wprog := &Progress{d: c, timeout: s.writeTimeout}
	rprog := &Progress{d: c, read: true, timeout: s.bodyTimeout}
	bw := bufio.NewWriterSize(progressWriter{w: c, p: wprog}, 4096)
	remote := c.RemoteAddr().String()
	w := &h1writer{conn: c, br: br, bw: bw, wprog: wprog, hc: hc, lim: lim, header: http.Header{}, date: &s.date, drainWait: s.readHeaderTimeout}
	lastMethod := ""
	for first := true; ; first = false {
		rprog.forget() // the loop sets the read deadline itself from here to the body
		wait := s.idleTimeout
		if first {
			wait = s.readHeaderTimeout
		}
		_ = c.SetReadDeadline(time.Now().Add(wait))
		if _, err := br.Peek(1); err != nil {
			return
		}
		if !s.setIdle(hc, false) {
			return
		}
		_ = c.SetReadDeadline(time.Now().Add(s.readHeaderTimeout))
		if lastMethod == http.MethodPost {
			// RFC 9112 section 2.2: old clients end a POST body with an extra CRLF; net/http
			// skips up to four such bytes too, so both agree where the next request starts
			peek, _ := br.Peek(4)
			_, _ = br.Discard(leadingCRLF(peek))
		}
		// the limit covers what Peek already buffered; 4 KiB of slack as in net/http
		lim.n = max(s.maxHeaderBytes+4096-int64(br.Buffered()), 1)
		// http.ReadRequest drops the Host header fields once it has taken the first, so they
		// are counted on the raw head as it goes by: what is buffered, then what is read
		buffered, _ := br.Peek(br.Buffered())
		heads.start(buffered)
		req, err := http.ReadRequest(br)
		heads.active = false
		if err != nil {
			switch {
			case lim.n <= 0:
				writeConnError(bw, http.StatusRequestHeaderFieldsTooLarge, "request header too large")
			case strings.HasPrefix(err.Error(), "unsupported transfer encoding") || strings.HasPrefix(err.Error(), "too many transfer encodings"):
				// RFC 9112 section 6.1 (and net/http): an unknown coding is 501
				writeConnError(bw, http.StatusNotImplemented, "unsupported transfer encoding")
			case !quietReadError(err):
				writeConnError(bw, http.StatusBadRequest, "malformed request")
			}
			return
		}
		lastMethod = req.Method
		lim.n = math.MaxInt64
		if req.Body != http.NoBody {
			rprog.Touch() // the body's reads each get the body timeout, not the header's
		}
		// A request without a body reads nothing more until the next head, whose wait sets a
		// deadline of its own; Hijack clears the header deadline for an upgrade.
		if status, msg := checkRequest(req, heads); status != 0 {
			writeConnError(bw, status, msg)
			return
		}
		// The request is used as parsed, not copied with WithContext: its body records
		// undeclared trailers into the very Request it was parsed with.
		req.RemoteAddr, req.TLS = remote, state
		var cont *continueReader
		if req.Header["Expect"] != nil {
			if !strings.EqualFold(req.Header.Get("Expect"), "100-continue") || len(req.Header["Expect"]) != 1 {
				writeConnError(bw, http.StatusExpectationFailed, "unsupported expectation")
				return
			}
			// The gateway answers the expectation itself, when the handler first reads the
			// body — that is, only once the request was authorized. An HTTP/1.0 client's
			// expectation is ignored (RFC 9110 section 10.1.1).
			req.Header.Del("Expect")
			if req.ContentLength != 0 && req.ProtoAtLeast(1, 1) {
				cont = &continueReader{ReadCloser: req.Body, bw: bw}
				req.Body = cont
			}
		}
		var body *h1body
		if req.Body != http.NoBody {
			body = &h1body{src: req.Body, remain: req.ContentLength, prog: rprog}
			req.Body = body
		}
		w.reset(req, cont, body)
		hc.startHandling(c, body)
		s.handler.ServeHTTP(w, req)
		if w.hijacked {
			return // Hijack stopped the watcher and handed its bytes on
		}
		hc.stopHandling(lim)
		if err := w.finish(); err != nil || w.closeAfter {
			if err == nil && (body != nil && !body.ended() || cont != nil && !cont.sent) {
				linger(c)
			}
			return
		}
		if cont != nil && !cont.sent {
			linger(c) // the client may send the body nobody read once it tires of waiting
			return
		}
		// Whatever of the body is left must be read to its end before the next request is
		// parsed; a body that failed (corrupt chunking, a read error) or is too long to
		// drain ends the connection, so its bytes are never taken for a request.
		if body != nil && !body.settle(c, s.readHeaderTimeout) {
			linger(c)
			return
		}
		if !s.setIdle(hc, true) {
			return
		}
	}
}

// Lingering close bounds: how long and how much of what a client still sends is read and
// discarded before a connection with an unread request body is closed.
const (
	lingerTime  = 500 * time.Millisecond
	lingerBytes = 16 << 20
)

// linger ends a connection whose client may still be sending a request body the gateway did
// not read (a 413, a denial, an early answer): it closes the write side first, then reads and
// discards for a little while before the close. Closing at once with unread bytes makes the
// kernel answer with a reset, which can destroy the response before the client reads it (RFC
// 9112 section 9.6; net/http waits the same 500 ms).
func linger(c net.Conn) {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
	}
	_ = c.SetReadDeadline(time.Now().Add(lingerTime))
	_, _ = io.CopyN(io.Discard, c, lingerBytes)
}

// leadingCRLF counts the CR and LF bytes that start p.
func leadingCRLF(p []byte) int {
	n := 0
	for n < len(p) && (p[n] == '\r' || p[n] == '\n') {
		n++
	}
	return n
}

// h1body is a request body as the handler sees it. It records whether the body was read to
// its end, so the connection loop knows where the next request starts, and its Close does not
// read on (http.ReadRequest's body would drain to the end, without bound): the loop drains at
// most maxDrain itself. Reads are serialized because a transport goroutine may still read
// while the loop settles the body.
type h1body struct {
	mu     sync.Mutex
	done   atomic.Bool // eof, readable without mu (see ended)
	src    io.ReadCloser
	prog   *Progress // the connection's body-read timeout
	remain int64     // declared length not yet read; -1 when not declared
	eof    bool
	err    error // the first read error other than EOF
	closed bool
}

func (b *h1body) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 0, http.ErrBodyReadAfterClose
	}
	if !b.eof && b.err == nil {
		b.prog.Touch()
	}
	return b.readLocked(p)
}

func (b *h1body) readLocked(p []byte) (int, error) {
	if b.eof {
		return 0, io.EOF
	}
	if b.err != nil {
		return 0, b.err
	}
	n, err := b.src.Read(p)
	if b.remain > 0 {
		b.remain -= int64(n)
	}
	switch {
	case err == io.EOF:
		b.eof = true
		b.done.Store(true)
	case err != nil:
		b.err = err
	}
	return n, err
}

// ended reports whether the body was read to its end; it takes no lock, so the disconnect
// scanner can ask while a read blocks holding mu.
func (b *h1body) ended() bool { return b.done.Load() }

func (b *h1body) Close() error {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	return nil
}

// settle reads what the handler left of the body, up to maxDrain and for at most wait, and
// reports whether the body ended cleanly (the connection may carry another request). The
// bound on time means a client cannot hold a connection (and its handler) by stalling a body
// nobody wants; net/http waits for it without limit.
func (b *h1body) settle(c net.Conn, wait time.Duration) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.eof || b.err != nil || b.remain > maxDrain {
		return b.eof
	}
	_ = c.SetReadDeadline(time.Now().Add(wait))
	defer func() { _ = c.SetReadDeadline(time.Time{}) }()
	var buf [4096]byte
	for drained := 0; drained <= maxDrain; {
		n, err := b.readLocked(buf[:])
		drained += n
		if err != nil {
			return b.eof && drained <= maxDrain
		}
	}
	return false
}

// quietReadError is a read that ends the connection without an answer: the client closed it or
// was too slow to send its header (net/http does not answer these either).
func quietReadError(err error) bool {
	var ne net.Error
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &ne) && ne.Timeout()
}

// checkRequest applies the checks net/http's server makes after parsing: HTTP/1 only, a Host
// for HTTP/1.1, valid header names and values. It is stricter than net/http on Host (RFC 9112
// section 3.2): more than one Host field is refused (net/http routes by the first while a
// component before or behind may use another), and so is an empty one (there is nothing to
// route by); a Host field beside an absolute-form target must be valid too, although the
// target's host is the one used.
//
// Framing that two readers could disagree on is refused, and the connection closed, before a
// byte of the body is read (RFC 9112 sections 5.2, 6.1 and 6.3): a folded field (obs-fold),
// Transfer-Encoding beside Content-Length (net/http would drop the length and read on, so the
// bytes after the chunked body became the next request), Transfer-Encoding in an HTTP/1.0
// request (net/http ignores it and would read the chunks as the next request), and any
// Transfer-Encoding but one field whose value is exactly "chunked" (501).
func checkRequest(req *http.Request, head *hostScanner) (int, string) {
	if req.ProtoMajor != 1 {
		return http.StatusHTTPVersionNotSupported, "unsupported protocol version"
	}
	switch {
	case head.folds > 0:
		return http.StatusBadRequest, "obsolete line folding"
	case head.codings > 0 && head.lengths > 0:
		return http.StatusBadRequest, "both Transfer-Encoding and Content-Length"
	case head.codings > 0 && !req.ProtoAtLeast(1, 1):
		return http.StatusBadRequest, "Transfer-Encoding in an HTTP/1.0 request"
	case head.codings > 1 || head.codings == 1 && head.coding != "chunked":
		return http.StatusNotImplemented, "unsupported transfer encoding"
	}
	if head.hosts > 1 {
		return http.StatusBadRequest, "more than one Host header"
	}
	// an absolute-form target carries a host too, but HTTP/1.1 requires the header anyway
	if req.ProtoAtLeast(1, 1) && (head.hosts == 0 || req.Host == "") && req.Method != http.MethodConnect {
		return http.StatusBadRequest, "missing required Host header"
	}
	if req.Host != "" && !httpguts.ValidHostHeader(req.Host) {
		return http.StatusBadRequest, "malformed Host header"
	}
	if head.hosts == 1 && req.URL.Host != "" {
		// req.Host came from the target; http.ReadRequest dropped the header unchecked
		if v, ok := head.hostValue(); !ok || !httpguts.ValidHostHeader(v) {
			return http.StatusBadRequest, "malformed Host header"
		}
	}
	for k, vv := range req.Header {
		if !httpguts.ValidHeaderFieldName(k) {
			return http.StatusBadRequest, "invalid header name"
		}
		for _, v := range vv {
			if !httpguts.ValidHeaderFieldValue(v) {
				return http.StatusBadRequest, "invalid header value"
			}
		}
	}
	return 0, ""
}

// hostScanner counts the Host fields of one request head in the bytes read through it (and
// in those already buffered when it starts), line by line, up to the blank line that ends the
// head, and keeps the first one's value. Lines are told apart as textproto does (LF, with an
// optional CR before it); a line that begins with a space or tab continues the previous field.
//
// It also notes what http.ReadRequest reads past or removes, so framing the gateway cannot
// vouch for is refused (RFC 9112 sections 5.2 and 6): continuation lines (obs-fold), the
// Content-Length fields (ReadRequest drops them beside Transfer-Encoding) and the
// Transfer-Encoding fields with the first one's value (ReadRequest removes it).
type hostScanner struct {
	r         io.Reader
	active    bool
	done      bool // the head's blank line was seen
	first     bool // in the request line
	lineStart [maxTELine]byte
	n         int  // bytes of the current line so far
	cr        bool // the current line so far ends with CR
	cont      bool // the current line continues the previous field
	inHost    bool // the current line is the first Host field
	// inHostField: the field being read (over continuation lines) is the first Host field
	inHostField bool
	hosts       int
	// value is the first Host field's raw value, up to maxHostValue bytes; folded is set when
	// a continuation line extends it
	value    []byte
	tooLong  bool
	folded   bool
	valueBuf [128]byte

	folds   int    // continuation lines (obs-fold) in the head
	lengths int    // Content-Length fields
	codings int    // Transfer-Encoding fields
	coding  string // the first Transfer-Encoding field's value, trimmed ("?" when too long to keep)
}

// maxTELine is how much of each line the scanner keeps: enough for a Transfer-Encoding field
// whose value is "chunked" with some space around it.
const maxTELine = 40

// maxHostValue bounds the Host value kept; a longer one is refused as malformed.
const maxHostValue = 1 << 10

func (s *hostScanner) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if s.active && !s.done {
		s.scan(p[:n])
	}
	return n, err
}

// start begins a new head whose first bytes are already buffered.
func (s *hostScanner) start(buffered []byte) {
	s.active, s.done, s.first, s.n, s.cr, s.cont, s.inHost, s.inHostField, s.hosts = true, false, true, 0, false, false, false, false, 0
	s.value, s.tooLong, s.folded = s.valueBuf[:0], false, false
	s.folds, s.lengths, s.codings, s.coding = 0, 0, 0, ""
	s.scan(buffered)
}

func (s *hostScanner) scan(p []byte) {
	for len(p) > 0 && !s.done {
		i := bytes.IndexByte(p, '\n')
		seg := p
		if i >= 0 {
			seg = p[:i]
		}
		if len(seg) > 0 {
			old := s.n
			if old < len(s.lineStart) {
				copy(s.lineStart[old:], seg)
			}
			s.n += len(seg)
			s.cr = seg[len(seg)-1] == '\r'
			if old == 0 && !s.first {
				s.cont = seg[0] == ' ' || seg[0] == '\t'
				if s.cont {
					s.folds++
				}
				if s.cont && s.inHostField {
					s.folded = true
				}
			}
			switch {
			case s.inHost:
				s.keep(seg)
			case !s.first && !s.cont && old < 5 && s.n >= 5 && s.isHostLine() && s.hosts == 0:
				s.inHost = true
				s.keep(seg[5-old:])
			}
		}
		if i < 0 {
			return
		}
		if !s.first {
			if s.n == 0 || s.n == 1 && s.cr {
				s.done = true
				return
			}
			if !s.cont {
				s.inHostField = s.inHost
				if s.n >= 5 && s.isHostLine() {
					s.hosts++
				}
				s.noteFraming()
			}
		}
		s.first, s.n, s.cr, s.cont, s.inHost = false, 0, false, false, false
		p = p[i+1:]
	}
}

// noteFraming counts a Content-Length or Transfer-Encoding field line that has just ended.
func (s *hostScanner) noteFraming() {
	line := s.lineStart[:min(s.n, len(s.lineStart))]
	if name, value, ok := bytes.Cut(line, []byte(":")); ok {
		switch {
		case asciiEqualFold(name, "content-length"):
			s.lengths++
		case asciiEqualFold(name, "transfer-encoding"):
			s.codings++
			if s.codings == 1 {
				s.coding = "?"
				if s.n <= len(s.lineStart) {
					s.coding = string(bytes.Trim(bytes.TrimSuffix(value, []byte("\r")), " \t"))
				}
			}
		}
	}
}

func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

func (s *hostScanner) isHostLine() bool {
	b := s.lineStart
	return b[0]|0x20 == 'h' && b[1]|0x20 == 'o' && b[2]|0x20 == 's' && b[3]|0x20 == 't' && b[4] == ':'
}

func (s *hostScanner) keep(p []byte) {
	if len(s.value)+len(p) > maxHostValue {
		s.tooLong = true
		return
	}
	s.value = append(s.value, p...)
}

// hostValue is the first Host field's value as textproto gives it (line end and surrounding
// spaces and tabs removed), and false when it cannot be known to be that: folded over lines,
// or too long to keep.
func (s *hostScanner) hostValue() (string, bool) {
	if s.tooLong || s.folded {
		return "", false
	}
	return string(bytes.Trim(bytes.TrimSuffix(s.value, []byte("\r")), " \t")), true
}

// writeConnError answers a request that never reached the handler and ends the connection.
func writeConnError(bw *bufio.Writer, status int, msg string) {
	text := strconv.Itoa(status) + " " + http.StatusText(status) + ": " + msg + "\n"
	_, _ = bw.WriteString("HTTP/1.1 " + strconv.Itoa(status) + " " + http.StatusText(status) +
		"\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\nContent-Length: " +
		strconv.Itoa(len(text)) + "\r\n\r\n" + text)
	_ = bw.Flush()
}

// continueReader sends "100 Continue" before the first read of the request body.
type continueReader struct {
	io.ReadCloser
	bw   *bufio.Writer
	sent bool
	err  error
}

func (r *continueReader) Read(p []byte) (int, error) {
	if !r.sent {
		r.sent = true
		if _, err := r.bw.WriteString("HTTP/1.1 100 Continue\r\n\r\n"); err != nil {
			r.err = err
		} else if err := r.bw.Flush(); err != nil {
			r.err = err
		}
	}
	if r.err != nil {
		return 0, r.err
	}
	return r.ReadCloser.Read(p)
}

// connListener hands already-accepted connections to an http.Server.
type connListener struct {
	ch        chan net.Conn
	done      chan struct{}
	closeOnce sync.Once
}

func newConnListener() *connListener {
	return &connListener{ch: make(chan net.Conn), done: make(chan struct{})}
}

func (l *connListener) deliver(c net.Conn) {
	select {
	case l.ch <- c:
	case <-l.done:
		_ = c.Close()
	}
}

func (l *connListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *connListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return nil
}

func (l *connListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }

// dateCache formats the Date header once per second.
type dateCache struct{ p atomic.Pointer[cachedDate] }

type cachedDate struct {
	sec  int64
	text []string
}

func (dc *dateCache) get(now time.Time) []string {
	if d := dc.p.Load(); d != nil && d.sec == now.Unix() {
		return d.text
	}
	d := &cachedDate{sec: now.Unix(), text: []string{now.UTC().Format(http.TimeFormat)}}
	dc.p.Store(d)
	return d.text
}
