// Package memnet is an in-memory TCP-like network for tests, the way net/http/httptest is a
// server: listeners, dials and connections with TCP addresses, deadlines, half-close and socket-
// sized buffers, all in memory, so a whole server and its clients run inside a synctest bubble on
// virtual time. It is test support: no production code imports it.
package memnet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Network is an in-memory network: servers' listeners, their dials and the clients all meet over
// in-memory connections, so inside a synctest bubble every timeout runs on the bubble's virtual
// clock and a test waits for nothing. Addresses are "host:port" strings; listening on port 0
// picks a free one; dialling an address nothing listens on is a refused connection.
type Network struct {
	mu   sync.Mutex
	lns  map[string]*listener
	port int
}

// New returns an empty network; the ports it picks for port 0 start at 40001.
func New() *Network { return &Network{lns: map[string]*listener{}, port: 40000} }

// Listen binds addr (tcp only).
func (n *Network) Listen(network, addr string) (net.Listener, error) {
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
	l := &listener{n: n, addr: &net.TCPAddr{IP: net.ParseIP(host), Port: p}, key: addr,
		conns: make(chan net.Conn), done: make(chan struct{})}
	n.lns[addr] = l
	return l, nil
}

// DialContext connects to a listener on addr; nothing listening is "connection refused".
func (n *Network) DialContext(ctx context.Context, _, addr string) (net.Conn, error) {
	n.mu.Lock()
	l := n.lns[addr]
	n.port++
	local := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: n.port}
	n.mu.Unlock()
	if l == nil {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	}
	client, server := connPair(local, l.addr)
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

// listener accepts the server ends of the connections dialled to its address.
type listener struct {
	n         *Network
	addr      *net.TCPAddr
	key       string
	conns     chan net.Conn
	done      chan struct{}
	closeOnce sync.Once
}

func (l *listener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *listener) Close() error {
	l.closeOnce.Do(func() {
		close(l.done)
		l.n.mu.Lock()
		delete(l.n.lns, l.key)
		l.n.mu.Unlock()
	})
	return nil
}

func (l *listener) Addr() net.Addr { return l.addr }

// bufSize is how much one direction of a conn holds before a write waits for the reader,
// as a socket's buffers do: both ends may write at once (a TLS close_notify each way) without
// waiting for each other, which net.Pipe, holding nothing, cannot do.
const bufSize = 64 << 10

// pipe is one direction of a connection: bytes written and not yet read.
type pipe struct {
	mu       sync.Mutex
	cond     sync.Cond // signalled on every change, and when a deadline passes
	buf      []byte
	wclosed  bool // the writer closed: the reader gets EOF once buf is empty
	rclosed  bool // the reader closed: writes fail
	rdl, wdl time.Time
	rt, wt   *time.Timer // wake waiters when a deadline passes
}

func newPipe() *pipe {
	p := &pipe{}
	p.cond.L = &p.mu
	return p
}

func (p *pipe) read(b []byte) (int, error) {
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

func (p *pipe) write(b []byte) (int, error) {
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
		case len(p.buf) < bufSize:
			k := min(bufSize-len(p.buf), len(b)-n)
			p.buf = append(p.buf, b[n:n+k]...)
			n += k
			p.cond.Broadcast()
			continue
		}
		p.cond.Wait()
	}
}

// setDeadline sets the read (or write) deadline and wakes the waiters when it passes.
func (p *pipe) setDeadline(t time.Time, read bool) {
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
func (p *pipe) closeSide(read bool) {
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

// conn is one end of an in-memory TCP-like connection, with TCP addresses, so what the
// gateway derives from them (the client's address in X-Forwarded-For and the audit record)
// looks as it does on a real network.
type conn struct {
	in, out       *pipe
	local, remote net.Addr
}

// connPair connects a and b.
func connPair(a, b net.Addr) (*conn, *conn) {
	ab, ba := newPipe(), newPipe()
	return &conn{in: ba, out: ab, local: a, remote: b}, &conn{in: ab, out: ba, local: b, remote: a}
}

func (c *conn) Read(b []byte) (int, error)  { return c.in.read(b) }
func (c *conn) Write(b []byte) (int, error) { return c.out.write(b) }

// CloseWrite half-closes: the peer reads the end of the stream, and this end can still read.
func (c *conn) CloseWrite() error {
	c.out.closeSide(false)
	return nil
}

func (c *conn) Close() error {
	c.in.closeSide(true)
	c.out.closeSide(false)
	c.in.setDeadline(time.Time{}, true) // stop the timers
	c.out.setDeadline(time.Time{}, false)
	return nil
}

func (c *conn) LocalAddr() net.Addr  { return c.local }
func (c *conn) RemoteAddr() net.Addr { return c.remote }

func (c *conn) SetDeadline(t time.Time) error {
	c.in.setDeadline(t, true)
	c.out.setDeadline(t, false)
	return nil
}

func (c *conn) SetReadDeadline(t time.Time) error {
	c.in.setDeadline(t, true)
	return nil
}

func (c *conn) SetWriteDeadline(t time.Time) error {
	c.out.setDeadline(t, false)
	return nil
}
