package http1

import (
	"net"
	"sync"
	"time"
)

// Client-disconnect detection for the HTTP/1 server. net/http reads every connection in the
// background so that a client that goes away cancels its request; that reader costs a
// goroutine hand-off per request. Here nothing is paid by a request that finishes quickly: a
// scanner looks at the busy connections every slowAfter, and only a request it finds still
// running twice in a row — and no longer reading its body — gets a watcher, a goroutine blocked
// in a one-byte read of the client connection. If that read fails, the client has gone: the
// request's upstream exchange is aborted (the upstream sees its connection close instead of
// working on for nobody, which matters most when an overloaded upstream makes clients give up
// and retry). If the read returns a byte, the client has pipelined its next request; the byte
// is handed back to the connection's reader. When the handler returns, the loop stops the
// watcher by moving the read deadline into the past, as net/http does.

// slowAfter is the scanner's period: a request is watched once it has run for between one and
// two periods.
const slowAfter = 100 * time.Millisecond

// ClientGone connects a request to the upstream exchange serving it, so that a disconnected
// client can abort that exchange rather than leave the upstream working for nobody. One per
// connection, reset for each request; get it with ClientGoneOf.
type ClientGone struct {
	mu    sync.Mutex
	fired bool
	abort func() // the upstream exchange's abort, while one runs
}

// arm registers the abort of the exchange that starts; false if the client is already gone.
func (g *ClientGone) arm(abort func()) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.abort = abort
	return !g.fired
}

// disarm ends the exchange's registration and reports whether the client went away meanwhile.
func (g *ClientGone) disarm() (fired bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.abort = nil
	return g.fired
}

// Gone reports whether the client of the current request went away.
func (g *ClientGone) Gone() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.fired
}

func (g *ClientGone) fire() {
	g.mu.Lock()
	g.fired = true
	abort := g.abort
	g.mu.Unlock()
	if abort != nil {
		abort()
	}
}

func (g *ClientGone) reset() {
	g.mu.Lock()
	g.fired, g.abort = false, nil
	g.mu.Unlock()
}

// watchState is the part of h1conn the scanner and the watcher share with the connection's
// loop, guarded by mu.
type watchState struct {
	mu         sync.Mutex
	conn       net.Conn // what the watcher reads (the TLS connection for HTTPS)
	handling   bool     // a handler runs and the request's body needs no more reading
	seq        uint64   // the request being handled
	seenSeq    uint64   // the request the scanner saw running at its last look
	watchedSeq uint64   // the last request a watcher was started for
	watching   bool     // a watcher goroutine runs
	stopping   bool     // the loop is stopping the watcher: its read error is no disconnect
	watchDone  chan struct{}
	stash      []byte // what the watcher read: the start of the client's next request
	gone       ClientGone
	body       *h1body // nil: the request had no body
}

// startHandling marks the request the handler is about to serve.
func (hc *h1conn) startHandling(c net.Conn, body *h1body) {
	w := &hc.watch
	w.mu.Lock()
	w.conn, w.handling = c, true
	w.seq++
	w.body = body
	w.mu.Unlock()
	w.gone.reset()
}

// stopHandling ends the request: a watcher still reading is stopped (and waited for), and what
// it read goes back in front of the connection's reader lim, as the start of the next request.
func (hc *h1conn) stopHandling(lim *limitedReader) {
	w := &hc.watch
	w.mu.Lock()
	w.handling = false
	if !w.watching {
		w.mu.Unlock()
		return
	}
	w.stopping = true
	_ = w.conn.SetReadDeadline(time.Unix(1, 0))
	done := w.watchDone
	w.mu.Unlock()
	<-done
	w.mu.Lock()
	defer w.mu.Unlock()
	w.watching, w.stopping = false, false
	lim.pending = append(lim.pending, w.stash...)
	w.stash = w.stash[:0]
}

// maybeWatch is the scanner's look at one busy connection: it starts the watcher for a request
// seen running at the previous look too.
func (hc *h1conn) maybeWatch() {
	w := &hc.watch
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.handling || w.watching || w.watchedSeq == w.seq {
		return // a request is watched once: a watcher that read a pipelined byte is not restarted
	}
	if w.seenSeq != w.seq {
		w.seenSeq = w.seq // first sighting
		return
	}
	if w.body != nil && !w.body.ended() {
		return // the handler may still read the body: one reader at a time
	}
	w.watchedSeq = w.seq
	w.watching = true
	w.watchDone = make(chan struct{})
	// A request without a body leaves the header deadline in place (see serveHTTP1); the
	// watcher waits for as long as the handler runs.
	_ = w.conn.SetReadDeadline(time.Time{})
	go hc.watchRead(w.conn, w.watchDone)
}

// watchRead is the watcher: one read, then it reports what it saw and exits.
func (hc *h1conn) watchRead(c net.Conn, done chan struct{}) {
	defer close(done)
	var buf [1]byte
	n, err := c.Read(buf[:])
	w := &hc.watch
	w.mu.Lock()
	if n > 0 {
		w.stash = append(w.stash, buf[:n]...)
	}
	disconnected := n == 0 && err != nil && !w.stopping
	w.mu.Unlock()
	if disconnected {
		w.gone.fire()
	}
}

// watchSlow runs the scanner until stop is closed.
func (s *Server) watchSlow(stop <-chan struct{}) {
	t := time.NewTicker(slowAfter)
	defer t.Stop()
	var busy []*h1conn
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		busy = busy[:0]
		s.mu.Lock()
		for hc, idle := range s.conns {
			if !idle {
				busy = append(busy, hc)
			}
		}
		s.mu.Unlock()
		for _, hc := range busy {
			hc.maybeWatch()
		}
		clear(busy)
	}
}
