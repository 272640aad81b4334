package gateway

import (
	"time"

	"github.com/palisade-sec/palisade/internal/gateway/http1"
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
// They are the HTTP/1 server's and transport's own (package http1).
const (
	DefaultReadHeaderTimeout      = http1.DefaultReadHeaderTimeout
	DefaultIdleTimeout            = http1.DefaultIdleTimeout
	DefaultClientBodyTimeout      = http1.DefaultBodyTimeout
	DefaultClientWriteTimeout     = http1.DefaultWriteTimeout
	DefaultUpstreamConnectTimeout = http1.DefaultConnectTimeout
	DefaultUpstreamReadTimeout    = http1.DefaultReadTimeout
	DefaultUpstreamWriteTimeout   = http1.DefaultWriteTimeout
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

// server is what the HTTP/1 server takes of t.
func (t TimeoutsConfig) server() http1.ServerConfig {
	return http1.ServerConfig{ReadHeaderTimeout: t.ReadHeader, IdleTimeout: t.Idle, BodyTimeout: t.ClientBody, WriteTimeout: t.ClientWrite}
}

// transport is what an upstream transport takes of t.
func (t TimeoutsConfig) transport() http1.TransportConfig {
	return http1.TransportConfig{ConnectTimeout: t.UpstreamConnect, ReadTimeout: t.UpstreamRead, WriteTimeout: t.UpstreamWrite}
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
