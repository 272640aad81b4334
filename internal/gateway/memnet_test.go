package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"
)

// memNet is an in-memory network for whole-gateway tests inside a synctest bubble: the
// gateway's listeners, its upstream dials, the upstream servers and the clients all meet over
// in-memory connections (memConn), so every timeout runs on the bubble's virtual clock and a
// test waits for nothing. Addresses are "host:port" strings; listening on port 0 picks a free one.
type memNet struct {
	mu   sync.Mutex
	lns  map[string]*memListener
	port int
}

var _ network = (*memNet)(nil)

func newMemNet() *memNet { return &memNet{lns: map[string]*memListener{}, port: 40000} }

// Listen binds addr (tcp only).
func (n *memNet) Listen(network, addr string) (net.Listener, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || network != "tcp" {
		return nil, fmt.Errorf("memnet: listen %s %s: want tcp host:port", network, addr)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if port == "0" {
		n.port++
		port = strconv.Itoa(n.port)
	}
	addr = net.JoinHostPort(host, port)
	if n.lns[addr] != nil {
		return nil, fmt.Errorf("memnet: listen %s: address in use", addr)
	}
	p, _ := strconv.Atoi(port)
	l := &memListener{n: n, addr: &net.TCPAddr{IP: net.ParseIP(host), Port: p}, key: addr,
		conns: make(chan net.Conn), done: make(chan struct{})}
	n.lns[addr] = l
	return l, nil
}

// DialContext connects to a listener on addr; nothing listening is "connection refused".
func (n *memNet) DialContext(ctx context.Context, _, addr string) (net.Conn, error) {
	n.mu.Lock()
	l := n.lns[addr]
	n.port++
	local := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: n.port}
	n.mu.Unlock()
	if l == nil {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	}
	client, server := memConnPair(local, l.addr)
	select {
	case l.conns <- server:
		return client, nil
	case <-l.done:
	case <-ctx.Done():
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
}

// memListener accepts the server ends of the connections dialled to its address.
type memListener struct {
	n         *memNet
	addr      *net.TCPAddr
	key       string
	conns     chan net.Conn
	done      chan struct{}
	closeOnce sync.Once
}

func (l *memListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *memListener) Close() error {
	l.closeOnce.Do(func() {
		close(l.done)
		l.n.mu.Lock()
		delete(l.n.lns, l.key)
		l.n.mu.Unlock()
	})
	return nil
}

func (l *memListener) Addr() net.Addr { return l.addr }

// memBufSize is how much one direction of a memConn holds before a write waits for the reader,
// as a socket's buffers do: both ends may write at once (a TLS close_notify each way) without
// waiting for each other, which net.Pipe, holding nothing, cannot do.
const memBufSize = 64 << 10

// memPipe is one direction of a connection: bytes written and not yet read.
type memPipe struct {
	mu       sync.Mutex
	cond     sync.Cond // signalled on every change, and when a deadline passes
	buf      []byte
	wclosed  bool // the writer closed: the reader gets EOF once buf is empty
	rclosed  bool // the reader closed: writes fail
	rdl, wdl time.Time
	rt, wt   *time.Timer // wake waiters when a deadline passes
}

func newMemPipe() *memPipe {
	p := &memPipe{}
	p.cond.L = &p.mu
	return p
}

func (p *memPipe) read(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		switch {
		case p.rclosed:
			return 0, net.ErrClosed
		case len(p.buf) > 0:
			n := copy(b, p.buf)
			p.buf = p.buf[n:]
			p.cond.Broadcast()
			return n, nil
		case p.wclosed:
			return 0, io.EOF
		case !p.rdl.IsZero() && !time.Now().Before(p.rdl):
			return 0, os.ErrDeadlineExceeded
		}
		p.cond.Wait()
	}
}

func (p *memPipe) write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for {
		switch {
		case p.wclosed:
			return n, net.ErrClosed
		case p.rclosed:
			return n, syscall.EPIPE
		case n == len(b):
			return n, nil
		case !p.wdl.IsZero() && !time.Now().Before(p.wdl):
			return n, os.ErrDeadlineExceeded
		case len(p.buf) < memBufSize:
			k := min(memBufSize-len(p.buf), len(b)-n)
			p.buf = append(p.buf, b[n:n+k]...)
			n += k
			p.cond.Broadcast()
			continue
		}
		p.cond.Wait()
	}
}

// setDeadline sets the read (or write) deadline and wakes the waiters when it passes.
func (p *memPipe) setDeadline(t time.Time, read bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	dl, timer := &p.wdl, &p.wt
	if read {
		dl, timer = &p.rdl, &p.rt
	}
	*dl = t
	if *timer != nil {
		(*timer).Stop()
		*timer = nil
	}
	if !t.IsZero() {
		*timer = time.AfterFunc(time.Until(t), func() {
			p.mu.Lock()
			p.cond.Broadcast()
			p.mu.Unlock()
		})
	}
	p.cond.Broadcast()
}

// closeSide ends the pipe for its reader (read) or its writer.
func (p *memPipe) closeSide(read bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if read {
		p.rclosed = true
		p.buf = nil
	} else {
		p.wclosed = true
	}
	p.cond.Broadcast()
}

// memConn is one end of an in-memory TCP-like connection, with TCP addresses, so what the
// gateway derives from them (the client's address in X-Forwarded-For and the audit record)
// looks as it does on a real network.
type memConn struct {
	in, out       *memPipe
	local, remote net.Addr
}

// memConnPair connects a and b.
func memConnPair(a, b net.Addr) (*memConn, *memConn) {
	ab, ba := newMemPipe(), newMemPipe()
	return &memConn{in: ba, out: ab, local: a, remote: b}, &memConn{in: ab, out: ba, local: b, remote: a}
}

func (c *memConn) Read(b []byte) (int, error)  { return c.in.read(b) }
func (c *memConn) Write(b []byte) (int, error) { return c.out.write(b) }

// CloseWrite half-closes: the peer reads the end of the stream, and this end can still read.
func (c *memConn) CloseWrite() error {
	c.out.closeSide(false)
	return nil
}

func (c *memConn) Close() error {
	c.in.closeSide(true)
	c.out.closeSide(false)
	c.in.setDeadline(time.Time{}, true) // stop the timers
	c.out.setDeadline(time.Time{}, false)
	return nil
}

func (c *memConn) LocalAddr() net.Addr  { return c.local }
func (c *memConn) RemoteAddr() net.Addr { return c.remote }

func (c *memConn) SetDeadline(t time.Time) error {
	c.in.setDeadline(t, true)
	c.out.setDeadline(t, false)
	return nil
}

func (c *memConn) SetReadDeadline(t time.Time) error {
	c.in.setDeadline(t, true)
	return nil
}

func (c *memConn) SetWriteDeadline(t time.Time) error {
	c.out.setDeadline(t, false)
	return nil
}

// memClient is a plain HTTP client that dials n; its idle connections close when the test ends.
func memClient(t *testing.T, n *memNet) *http.Client {
	tr := &http.Transport{DialContext: n.DialContext}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// serveMem runs srv on a new address of n until the test ends, and returns its URL: https when
// srv has a TLSConfig (whose certificate it serves), else http.
func serveMem(t *testing.T, n *memNet, srv *http.Server) string {
	t.Helper()
	ln, err := n.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	scheme := "http://"
	if srv.TLSConfig != nil {
		scheme = "https://"
		go func() { _ = srv.ServeTLS(ln, "", ""); close(done) }()
	} else {
		go func() { _ = srv.Serve(ln); close(done) }()
	}
	t.Cleanup(func() {
		// Shutdown, unlike Close, waits for every connection to end, so none is left running
		// when the bubble ends
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if srv.Shutdown(ctx) != nil {
			_ = srv.Close()
		}
		<-done
	})
	return scheme + ln.Addr().String()
}

// runMemGateway writes cfgText to a file and runs a gateway of it on n until the test ends; it
// returns the gateway, serving, and the file's path. It must run in a synctest bubble.
func runMemGateway(t *testing.T, n *memNet, cfgText string, audit io.Writer) (*Gateway, string) {
	t.Helper()
	return runMemGatewayWith(t, n, cfgText, Options{AuditOut: audit})
}

// runMemGatewayWith is runMemGateway with the options opts gives (a JWKS client, say); it sets
// ConfigPath and the network, and a discarding Logger when opts has none.
func runMemGatewayWith(t *testing.T, n *memNet, cfgText string, opts Options) (*Gateway, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "gateway.yaml")
	if err := os.WriteFile(path, []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
	opts.ConfigPath, opts.network = path, n
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	g, err := New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx, nil) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	synctest.Wait() // Run has bound its listeners, or failed
	if !g.Ready() {
		t.Fatal("gateway did not become ready")
	}
	return g, path
}
