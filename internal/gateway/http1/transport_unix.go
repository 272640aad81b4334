//go:build unix

package http1

import (
	"errors"
	"os"
	"syscall"
	"time"
)

// alive reports whether an idle connection is still usable: the upstream has neither closed it
// nor sent anything unasked. One non-blocking peek at the socket; a connection that cannot be
// peeked is treated as closed. It runs before every reuse, however recent: bytes an upstream sent
// unasked would otherwise be read as the answer to the next caller's request (a response
// desync), so the syscall it costs (≈ 2 % of the gateway's CPU) is not worth saving.
func (pc *upstreamConn) alive() bool {
	if pc.rc == nil {
		sc, ok := pc.raw.(syscall.Conn)
		if !ok {
			return true
		}
		rc, err := sc.SyscallConn()
		if err != nil {
			return false
		}
		pc.rc, pc.peekFn = rc, pc.peek // made once per connection, not per reuse
	}
	pc.usable = false
	err := pc.rc.Read(pc.peekFn)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		// the read timeout of an earlier exchange ran out while the connection sat idle
		_ = pc.SetReadDeadline(time.Time{})
		pc.rprog.forget()
		err = pc.rc.Read(pc.peekFn)
	}
	return err == nil && pc.usable
}

// peek is alive's non-blocking look at the socket; it always reports done.
func (pc *upstreamConn) peek(fd uintptr) bool {
	var buf [1]byte
	n, _, rerr := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	// EAGAIN: nothing to read, the connection is open and quiet; n == 0: orderly close;
	// n > 0: unsolicited bytes (or a TLS alert) on an idle connection.
	pc.usable = n < 0 && errors.Is(rerr, syscall.EAGAIN)
	return true
}
