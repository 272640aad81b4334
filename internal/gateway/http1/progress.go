package http1

import (
	"errors"
	"net"
	"os"
	"time"
)

// Progress keeps a read or write deadline a timeout ahead of the latest operation, so an
// operation that moves no data for the timeout fails: a peer that stops reading or sending is
// cut off instead of holding a connection for ever, while a slow but moving one is not. It
// re-arms the deadline only when an eighth of the timeout has gone by since it last did, so a
// busy connection pays for a deadline change rarely rather than per request; a stalled
// operation therefore fails after between 7/8 of the timeout and all of it. A Progress is used
// by one goroutine at a time; its zero value sets no deadline.
type Progress struct {
	d       Deadliner     // a connection, or one of net/http's per-request ResponseWriters
	read    bool          // the read deadline (else the write deadline)
	timeout time.Duration // zero: never set a deadline
	at      time.Time     // when the deadline was last pushed; zero: it must be pushed
}

// ReadProgress keeps d's read deadline timeout ahead of every Touch (zero timeout: none).
func ReadProgress(d Deadliner, timeout time.Duration) Progress {
	return Progress{d: d, read: true, timeout: timeout}
}

// WriteProgress keeps d's write deadline timeout ahead of every Touch (zero timeout: none).
func WriteProgress(d Deadliner, timeout time.Duration) Progress {
	return Progress{d: d, timeout: timeout}
}

// Deadliner is what a net.Conn and net/http's HTTP/1 and HTTP/2 response writers offer (the
// latter is what http.ResponseController calls).
type Deadliner interface {
	SetReadDeadline(time.Time) error
	SetWriteDeadline(time.Time) error
}

// Touch pushes the deadline before an operation when it is due.
func (p *Progress) Touch() {
	if p.timeout <= 0 || p.d == nil {
		return
	}
	now := time.Now()
	if !p.at.IsZero() && now.Sub(p.at) < p.timeout/8 {
		return
	}
	p.at = now
	if p.read {
		_ = p.d.SetReadDeadline(now.Add(p.timeout))
	} else {
		_ = p.d.SetWriteDeadline(now.Add(p.timeout))
	}
}

// forget makes the next touch push the deadline: someone else set it meanwhile.
func (p *Progress) forget() { p.at = time.Time{} }

// progressWriter touches p before every write to w.
type progressWriter struct {
	w interface{ Write([]byte) (int, error) }
	p *Progress
}

func (pw progressWriter) Write(b []byte) (int, error) {
	pw.p.Touch()
	return pw.w.Write(b)
}

// IsTimeout reports an error caused by a deadline (a Progress's, an abort's or the
// network's), which the gateway answers as a timeout rather than as a broken peer.
func IsTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}
