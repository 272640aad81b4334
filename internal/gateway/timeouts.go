package gateway

import (
	"errors"
	"net"
	"os"
	"time"
)

// TimeoutsConfig bounds how long a client or an upstream may stall the gateway. The progress
// timeouts (client_body, client_write, upstream_read, upstream_write) bound the wait for one read
// or write to move data, not a whole exchange: long downloads, uploads and event streams keep
// working, while a peer that stops moving is cut off instead of holding a connection and its
// goroutine for ever (a slow-read or slow-upload attack, or a hung upstream). Zero means the
// default.
type TimeoutsConfig struct {
	// ReadHeader is the time a client has to send a request's header block (default 10s).
	ReadHeader time.Duration `yaml:"read_header"`
	// Idle is how long a keep-alive connection may wait for its next request (default 120s).
	Idle time.Duration `yaml:"idle"`
	// ClientBody is the longest a request body may stall between reads (default 60s); a body
	// that stalls longer is answered 408.
	ClientBody time.Duration `yaml:"client_body"`
	// ClientWrite is the longest a write to the client may wait for the client to read
	// (default 60s); past it the connection (or HTTP/2 stream) is aborted.
	ClientWrite time.Duration `yaml:"client_write"`
	// UpstreamConnect bounds dialling an upstream and its TLS handshake (default 5s).
	UpstreamConnect time.Duration `yaml:"upstream_connect"`
	// UpstreamRead is the longest the upstream may stay silent: before its response header and
	// between reads of its body (default 60s). A silent upstream is answered 504.
	UpstreamRead time.Duration `yaml:"upstream_read"`
	// UpstreamWrite is the longest a write of a request to the upstream may wait for the
	// upstream to read (default 60s).
	UpstreamWrite time.Duration `yaml:"upstream_write"`
}

// Default timeouts, the values nginx and net/http users are used to.
const (
	DefaultReadHeaderTimeout      = 10 * time.Second
	DefaultIdleTimeout            = 120 * time.Second
	DefaultClientBodyTimeout      = 60 * time.Second
	DefaultClientWriteTimeout     = 60 * time.Second
	DefaultUpstreamConnectTimeout = 5 * time.Second
	DefaultUpstreamReadTimeout    = 60 * time.Second
	DefaultUpstreamWriteTimeout   = 60 * time.Second
)

// withDefaults fills the zero fields; validate has refused negative ones.
func (t TimeoutsConfig) withDefaults() TimeoutsConfig {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&t.ReadHeader, DefaultReadHeaderTimeout)
	def(&t.Idle, DefaultIdleTimeout)
	def(&t.ClientBody, DefaultClientBodyTimeout)
	def(&t.ClientWrite, DefaultClientWriteTimeout)
	def(&t.UpstreamConnect, DefaultUpstreamConnectTimeout)
	def(&t.UpstreamRead, DefaultUpstreamReadTimeout)
	def(&t.UpstreamWrite, DefaultUpstreamWriteTimeout)
	return t
}

// fields lists each timeout with its YAML name, for validation.
func (t *TimeoutsConfig) fields() []struct {
	name string
	d    *time.Duration
} {
	return []struct {
		name string
		d    *time.Duration
	}{
		{"read_header", &t.ReadHeader}, {"idle", &t.Idle}, {"client_body", &t.ClientBody},
		{"client_write", &t.ClientWrite}, {"upstream_connect", &t.UpstreamConnect},
		{"upstream_read", &t.UpstreamRead}, {"upstream_write", &t.UpstreamWrite},
	}
}

// serverSide is the part of t the listeners were built with: a reload cannot change it.
func (t TimeoutsConfig) serverSide() [4]time.Duration {
	return [4]time.Duration{t.ReadHeader, t.Idle, t.ClientBody, t.ClientWrite}
}

// minTimeout keeps a typo ("10" read as 10ns) from making every request fail.
const minTimeout = time.Millisecond

func (c *Config) validateTimeouts(v *validator) {
	for _, f := range c.Timeouts.fields() {
		if *f.d < 0 || *f.d > 0 && *f.d < minTimeout {
			v.errorf([]any{"timeouts", f.name}, "%s: want a duration of at least %s (or leave it out for the default)", *f.d, minTimeout)
		}
	}
}

// progress keeps a read or write deadline a timeout ahead of the latest operation, so an
// operation that moves no data for the timeout fails. It re-arms the deadline only when an
// eighth of the timeout has gone by since it last did, so a busy connection pays for a deadline
// change rarely rather than per request; a stalled operation therefore fails after between 7/8
// of the timeout and all of it. A progress is used by one goroutine at a time.
type progress struct {
	d       deadliner     // a connection, or one of net/http's per-request ResponseWriters
	read    bool          // the read deadline (else the write deadline)
	timeout time.Duration // zero: never set a deadline
	at      time.Time     // when the deadline was last pushed; zero: it must be pushed
}

// deadliner is what a net.Conn and net/http's HTTP/1 and HTTP/2 response writers offer (the
// latter is what http.ResponseController calls).
type deadliner interface {
	SetReadDeadline(time.Time) error
	SetWriteDeadline(time.Time) error
}

// touch pushes the deadline before an operation when it is due.
func (p *progress) touch() {
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
func (p *progress) forget() { p.at = time.Time{} }

// progressWriter touches p before every write to w.
type progressWriter struct {
	w interface{ Write([]byte) (int, error) }
	p *progress
}

func (pw progressWriter) Write(b []byte) (int, error) {
	pw.p.touch()
	return pw.w.Write(b)
}

// isTimeout reports an error caused by a deadline (ours or the network's).
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}
