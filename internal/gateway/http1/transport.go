package http1

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"
)

// Transport is the gateway's HTTP/1.1 client to one upstream. Each request is written and
// its response read on the calling goroutine over a pooled connection, with the standard
// library's own request writer (http.Request.Write) and response parser (http.ReadResponse):
// framing, header validation and chunked encoding stay net/http's, while the two goroutines and
// channel hand-offs that http.Transport spends per connection and request are gone (they were
// about a fifth of the gateway's CPU under load).
//
// Requests that need more than one request and one response on a connection — protocol upgrades
// (WebSocket) and "Expect: 100-continue" — go to a standard http.Transport instead.
type Transport struct {
	addr     string      // host:port
	tls      *tls.Config // nil for a plain-HTTP upstream
	dialFn   func(ctx context.Context, network, addr string) (net.Conn, error)
	fallback *http.Transport

	maxIdle        int
	idleTimeout    time.Duration
	connectTimeout time.Duration // dial and TLS handshake
	readTimeout    time.Duration // progress of reads from the upstream, its response head included
	writeTimeout   time.Duration // progress of writes to the upstream
	maxHeaderBytes int64
	now            func() time.Time

	mu     sync.Mutex
	idle   []*upstreamConn // most recently used last
	closed bool
	sweep  *time.Timer
}

// upstreamConn is one pooled connection with its buffers.
type upstreamConn struct {
	t      *Transport
	conn   net.Conn // what requests are written to (a *tls.Conn for https)
	raw    net.Conn // the TCP connection under it
	lim    limitedReader
	br     *bufio.Reader
	bw     *bufio.Writer
	idleAt time.Time
	reused bool

	// alive's state, kept so a reuse check allocates nothing
	rc     syscall.RawConn
	peekFn func(fd uintptr) bool
	usable bool

	// The read and write timeouts, and the abort of a request whose client went away. dlMu
	// orders them: once aborted, no progress deadline may replace the abort's past deadline.
	rprog, wprog Progress
	dlMu         sync.Mutex
	aborted      bool
	abortFn      func()      // abort, made once
	gone         *ClientGone // the running exchange's client hook, when its server has one
}

// limitedReader reads from a connection, failing once more than n bytes would be read: it bounds
// a response's header block. got counts bytes read since the last reset.
type limitedReader struct {
	r    io.Reader
	n    int64
	got  int64
	prog *Progress // when set, touched before every read (the upstream read timeout)
	// pending is read before r: bytes the HTTP/1 server's disconnect watcher took from the
	// connection (the start of a pipelined request).
	pending []byte
}

var errHeaderTooLarge = errors.New("upstream response header too large")

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errHeaderTooLarge
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	if len(l.pending) > 0 {
		n := copy(p, l.pending)
		l.pending = l.pending[n:]
		l.n -= int64(n)
		l.got += int64(n)
		return n, nil
	}
	if l.prog != nil {
		l.prog.Touch()
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	l.got += int64(n)
	return n, err
}

// TransportConfig bounds how long an upstream may stall a Transport. A zero timeout takes its
// default, never "no limit", so a forgotten field cannot let a hung upstream hold a request.
type TransportConfig struct {
	ConnectTimeout time.Duration // dialling and the TLS handshake (default 5s)
	ReadTimeout    time.Duration // the upstream's silence: before its response head and between body reads (default 60s)
	WriteTimeout   time.Duration // the longest a write of the request may wait for the upstream to read (default 60s)
	// Dial opens a connection to the upstream (nil: a net.Dialer); tests give one over
	// in-memory connections. ConnectTimeout bounds it either way.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// NewTransport prepares a transport to addr (host:port); tlsConf nil means plain HTTP, and
// an https upstream must negotiate HTTP/1.1.
func NewTransport(addr string, tlsConf *tls.Config, cfg TransportConfig) *Transport {
	connect := orDefault(cfg.ConnectTimeout, DefaultConnectTimeout)
	read := orDefault(cfg.ReadTimeout, DefaultReadTimeout)
	dial := cfg.Dial
	if dial == nil {
		dialer := &net.Dialer{Timeout: connect, KeepAlive: 30 * time.Second}
		dial = dialer.DialContext
	}
	return &Transport{
		addr:   addr,
		tls:    tlsConf,
		dialFn: dial,
		fallback: &http.Transport{
			Proxy:                 nil, // never send service-to-service traffic through an environment proxy
			DialContext:           dial,
			TLSClientConfig:       tlsConf,
			MaxIdleConnsPerHost:   16,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   connect,
			ResponseHeaderTimeout: read,
			ExpectContinueTimeout: time.Second,
		},
		maxIdle:        256,
		idleTimeout:    90 * time.Second,
		connectTimeout: connect,
		readTimeout:    read,
		writeTimeout:   orDefault(cfg.WriteTimeout, DefaultWriteTimeout),
		maxHeaderBytes: 1 << 20,
		now:            time.Now,
	}
}

// RoundTrip sends req to the upstream and returns its response. The response body holds the
// connection until it is read to the end (then the connection is reused) or closed (then the
// connection is closed). A request without a body and with an idempotent method is retried once
// on a new connection when a reused connection turns out to have been closed by the upstream
// before it answered.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	return t.Forward(req, nil, nil)
}

// errClientGone fails an exchange whose client disconnected before it began.
var errClientGone = errors.New("the client went away")

// Forward is RoundTrip with the header fields the gateway adds (nil: none), which are sent
// verbatim or refused, never altered, and the hook through which a disconnected HTTP/1 client
// aborts the exchange (nil: none; an HTTP/2 client's request context does that).
func (t *Transport) Forward(req *http.Request, extra *ExtraFields, gone *ClientGone) (*http.Response, error) {
	if req.Header.Get("Upgrade") != "" || req.Header.Get("Expect") != "" {
		if extra != nil {
			if err := extra.check(); err != nil {
				closeBody(req)
				return nil, err
			}
			extra.mergeInto(req.Header)
		}
		if err := checkOutbound(req); err != nil {
			closeBody(req)
			return nil, err
		}
		return t.fallback.RoundTrip(req)
	}
	ctx := req.Context()
	for attempt := 0; ; attempt++ {
		pc, err := t.get(ctx, attempt > 0)
		if err != nil {
			closeBody(req)
			return nil, err
		}
		resp, err := pc.roundTrip(req, extra, gone)
		if err == nil {
			return resp, nil
		}
		pc.close()
		// a silent upstream is not retried: the client would wait twice the timeout
		if attempt == 0 && pc.reused && pc.lim.got == 0 && req.Body == nil && idempotent(req.Method) && ctx.Err() == nil && !IsTimeout(err) &&
			(gone == nil || !gone.Gone()) {
			continue
		}
		return nil, err
	}
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}

func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	return false
}

// roundTrip writes req and reads the final response, skipping interim 1xx responses. While it
// runs, and until the body is finished, a cancelled request context aborts the connection.
func (pc *upstreamConn) roundTrip(req *http.Request, extra *ExtraFields, gone *ClientGone) (*http.Response, error) {
	stop := neverStops
	if ctx := req.Context(); ctx.Done() != nil { // an HTTP/1 request's context is never cancelled
		stop = context.AfterFunc(ctx, pc.abort)
	}
	pc.gone = gone
	if gone != nil && !gone.arm(pc.abortFn) {
		pc.release(stop)
		return nil, errClientGone
	}
	pc.lim.got = 0
	if err := writeUpstreamRequest(pc.bw, req, extra); err != nil {
		pc.release(stop)
		return nil, fmt.Errorf("write request to upstream: %w", err)
	}
	if err := pc.bw.Flush(); err != nil {
		pc.release(stop)
		return nil, fmt.Errorf("write request to upstream: %w", err)
	}
	// One header budget covers the interim responses and the final one, and at most
	// maxInterim interim responses are read (net/http's transport keeps one limit and stops at
	// five), so an upstream cannot hold the exchange with an endless stream of 1xx heads.
	var resp *http.Response
	pc.lim.n = pc.t.maxHeaderBytes
	for interim := 0; ; interim++ {
		if interim > maxInterim {
			pc.release(stop)
			return nil, fmt.Errorf("read upstream response: more than %d interim (1xx) responses", maxInterim)
		}
		r, err := http.ReadResponse(pc.br, req)
		if err != nil {
			pc.release(stop)
			return nil, fmt.Errorf("read upstream response: %w", err)
		}
		if r.StatusCode >= 200 || r.StatusCode == http.StatusSwitchingProtocols {
			resp = r
			break
		}
		// an interim response (100 Continue, 103 Early Hints) without a body: wait for the next
	}
	pc.lim.n = math.MaxInt64
	if resp.StatusCode == http.StatusSwitchingProtocols {
		pc.release(stop)
		return nil, errors.New("upstream switched protocols without an upgrade request")
	}
	b := &upstreamBody{pc: pc, body: resp.Body, stop: stop, keep: !resp.Close && !req.Close}
	if resp.Body == http.NoBody {
		b.finish(true)
		return resp, nil
	}
	resp.Body = b
	return resp, nil
}

// maxInterim is how many interim (1xx) responses one exchange may read before its final one.
const maxInterim = 5

// release ends the exchange's cancellation hooks (the context's, stop, and the client's) and
// reports whether none of them fired, that is whether the connection is still sound.
func (pc *upstreamConn) release(stop func() bool) bool {
	sound := stop()
	if pc.gone != nil {
		if pc.gone.disarm() {
			sound = false
		}
		pc.gone = nil
	}
	return sound
}

// neverStops stands for the AfterFunc of a context that cannot be cancelled: it had not fired.
func neverStops() bool { return true }

// upstreamBody returns its connection to the pool once the response is read to the end.
type upstreamBody struct {
	pc   *upstreamConn
	body io.ReadCloser
	stop func() bool
	keep bool
	done bool
}

func (b *upstreamBody) Read(p []byte) (int, error) {
	if b.done {
		return 0, io.EOF
	}
	n, err := b.body.Read(p)
	if err == io.EOF {
		b.finish(true)
	}
	return n, err
}

// Close before the end closes the connection first, so closing never drains a long body.
func (b *upstreamBody) Close() error {
	if !b.done {
		b.finish(false)
	}
	return nil
}

func (b *upstreamBody) finish(complete bool) {
	b.done = true
	// notFired is false when the context or the client's departure fired and poisoned the
	// connection's deadline
	notFired := b.pc.release(b.stop)
	if complete && b.keep && notFired {
		_ = b.body.Close()
		b.pc.t.put(b.pc)
		return
	}
	b.pc.close()
	_ = b.body.Close()
}

// get returns an idle connection that is still open, or dials a new one (always when fresh).
func (t *Transport) get(ctx context.Context, fresh bool) (*upstreamConn, error) {
	if !fresh {
		for {
			pc := t.popIdle()
			if pc == nil {
				break
			}
			if pc.alive() {
				pc.reused = true
				return pc, nil
			}
			pc.close()
		}
	}
	return t.dial(ctx)
}

func (t *Transport) popIdle() *upstreamConn {
	t.mu.Lock()
	defer t.mu.Unlock()
	for n := len(t.idle); n > 0; n = len(t.idle) {
		pc := t.idle[n-1]
		t.idle[n-1] = nil
		t.idle = t.idle[:n-1]
		if t.now().Sub(pc.idleAt) < t.idleTimeout {
			return pc
		}
		go pc.close() // expired: close outside the lock
	}
	return nil
}

func (t *Transport) dial(ctx context.Context) (*upstreamConn, error) {
	dctx, cancel := context.WithTimeout(ctx, t.connectTimeout)
	raw, err := t.dialFn(dctx, "tcp", t.addr)
	cancel()
	if err != nil {
		return nil, fmt.Errorf("dial upstream %s: %w", t.addr, err)
	}
	pc := &upstreamConn{t: t, conn: raw, raw: raw}
	if t.tls != nil {
		tc := tls.Client(raw, t.tls)
		hctx, cancel := context.WithTimeout(ctx, t.connectTimeout)
		err := tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			_ = raw.Close()
			return nil, fmt.Errorf("tls handshake with upstream %s: %w", t.addr, err)
		}
		if p := tc.ConnectionState().NegotiatedProtocol; p != "" && p != "http/1.1" {
			_ = tc.Close()
			return nil, fmt.Errorf("upstream %s negotiated %q; the gateway speaks HTTP/1.1 to upstreams", t.addr, p)
		}
		pc.conn = tc
	}
	pc.abortFn = pc.abort
	pc.rprog = ReadProgress(pc, t.readTimeout)
	pc.wprog = WriteProgress(pc, t.writeTimeout)
	pc.lim.r = pc.conn
	pc.lim.n = math.MaxInt64
	pc.lim.prog = &pc.rprog
	pc.br = newBufReader(&pc.lim)
	pc.bw = newBufWriter(progressWriter{w: pc.conn, p: &pc.wprog})
	return pc, nil
}

// abort fails the connection's reads and writes at once: the request's client went away.
func (pc *upstreamConn) abort() {
	pc.dlMu.Lock()
	pc.aborted = true
	_ = pc.conn.SetDeadline(time.Unix(1, 0))
	pc.dlMu.Unlock()
}

// SetReadDeadline and SetWriteDeadline are the progress timeouts' way to the connection: once
// abort has run they do nothing, so no progress deadline replaces the abort's past one.
func (pc *upstreamConn) SetReadDeadline(t time.Time) error {
	pc.dlMu.Lock()
	defer pc.dlMu.Unlock()
	if pc.aborted {
		return nil
	}
	return pc.conn.SetReadDeadline(t)
}

func (pc *upstreamConn) SetWriteDeadline(t time.Time) error {
	pc.dlMu.Lock()
	defer pc.dlMu.Unlock()
	if pc.aborted {
		return nil
	}
	return pc.conn.SetWriteDeadline(t)
}

func newBufReader(r io.Reader) *bufio.Reader { return bufio.NewReaderSize(r, 4096) }
func newBufWriter(w io.Writer) *bufio.Writer { return bufio.NewWriterSize(w, 4096) }

// put returns a connection whose exchange completed cleanly to the pool.
func (t *Transport) put(pc *upstreamConn) {
	if pc.br.Buffered() > 0 { // bytes after the response: the upstream broke framing
		pc.close()
		return
	}
	pc.idleAt = t.now()
	t.mu.Lock()
	if t.closed || len(t.idle) >= t.maxIdle {
		t.mu.Unlock()
		pc.close()
		return
	}
	t.idle = append(t.idle, pc)
	if t.sweep == nil {
		t.sweep = time.AfterFunc(t.idleTimeout, t.sweepIdle)
	}
	t.mu.Unlock()
}

// sweepIdle closes connections idle for longer than idleTimeout; it re-arms itself while any
// connection is idle, so an unused transport holds no timer.
func (t *Transport) sweepIdle() {
	t.mu.Lock()
	cut := t.now().Add(-t.idleTimeout)
	var expired []*upstreamConn
	keep := t.idle[:0]
	for _, pc := range t.idle {
		if pc.idleAt.After(cut) {
			keep = append(keep, pc)
		} else {
			expired = append(expired, pc)
		}
	}
	clear(t.idle[len(keep):])
	t.idle = keep
	if len(t.idle) > 0 && !t.closed {
		t.sweep.Reset(t.idleTimeout)
	} else {
		t.sweep = nil
	}
	t.mu.Unlock()
	for _, pc := range expired {
		pc.close()
	}
}

// FlushIdle closes every idle connection but keeps pooling: the trust bundle changed, so new
// connections verify the upstream against the bundle now in force.
func (t *Transport) FlushIdle() {
	t.mu.Lock()
	idle := t.idle
	t.idle = nil
	t.mu.Unlock()
	for _, pc := range idle {
		pc.close()
	}
	t.fallback.CloseIdleConnections()
}

// CloseIdleConnections closes every idle connection and stops pooling: the transport belongs to
// a configuration a reload replaced. Requests in flight finish on their connections.
func (t *Transport) CloseIdleConnections() {
	t.mu.Lock()
	t.closed = true
	if t.sweep != nil {
		t.sweep.Stop()
		t.sweep = nil
	}
	t.mu.Unlock()
	t.FlushIdle()
}

func (pc *upstreamConn) close() { _ = pc.conn.Close() }
