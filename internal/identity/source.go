package identity

import (
	"context"
	"crypto/tls"
	"errors"
	"sync/atomic"
	"time"
)

// FetchFunc obtains a fresh SVID; current is the SVID in use (nil the first time).
type FetchFunc func(ctx context.Context, current *tls.Certificate) (*tls.Certificate, error)

// Source holds a workload's current SVID and renews it at half its lifetime, so TLS servers and
// clients that read it through GetCertificate / GetClientCertificate pick up the new certificate
// on the next handshake while existing connections continue undisturbed.
type Source struct {
	cur atomic.Pointer[tls.Certificate]
	// obtained is when cur was fetched: half-life is measured from then, not from NotBefore, which
	// the CA back-dates for clock skew.
	obtained atomic.Int64
	fetch    FetchFunc
	now      func() time.Time
	// OnRenew, when set, is called after each successful renewal (metrics, logging by the caller).
	OnRenew func(*tls.Certificate)
	// OnError, when set, is called after each failed renewal attempt.
	OnError func(error)
}

// NewSource fetches the first SVID and returns a Source ready to serve it.
func NewSource(ctx context.Context, fetch FetchFunc) (*Source, error) {
	s := &Source{fetch: fetch, now: time.Now}
	c, err := fetch(ctx, nil)
	if err != nil {
		return nil, err
	}
	if c.Leaf == nil {
		return nil, errors.New("svid source: certificate has no parsed leaf")
	}
	s.store(c)
	return s, nil
}

// Current returns the SVID in use.
func (s *Source) Current() *tls.Certificate { return s.cur.Load() }

// GetCertificate serves the current SVID to TLS clients.
func (s *Source) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return s.cur.Load(), nil
}

// GetClientCertificate presents the current SVID to TLS servers.
func (s *Source) GetClientCertificate(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
	return s.cur.Load(), nil
}

func (s *Source) store(c *tls.Certificate) {
	s.obtained.Store(s.now().UnixNano())
	s.cur.Store(c)
}

// Renew fetches a new SVID now (after the CA was rotated, say) and serves it from the next
// handshake on; on failure the current SVID stays in use.
func (s *Source) Renew(ctx context.Context) error {
	c, err := s.fetch(ctx, s.cur.Load())
	if err == nil && c.Leaf == nil {
		err = errors.New("svid source: certificate has no parsed leaf")
	}
	if err != nil {
		return err
	}
	s.store(c)
	if s.OnRenew != nil {
		s.OnRenew(c)
	}
	return nil
}

// RenewAt returns when the current SVID should be renewed: half-way between when it was obtained
// and when it expires.
func (s *Source) RenewAt() time.Time {
	leaf := s.cur.Load().Leaf
	got := time.Unix(0, s.obtained.Load())
	return got.Add(leaf.NotAfter.Sub(got) / 2)
}

// Run renews the SVID at half-life until ctx ends. A failed renewal is retried with backoff (at
// most a tenth of the remaining lifetime, at least a second) while the old SVID stays in use.
func (s *Source) Run(ctx context.Context) error {
	retry := time.Duration(0)
	for {
		wait := s.RenewAt().Sub(s.now())
		if retry > 0 {
			wait = retry
		}
		if wait < 0 {
			wait = 0
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		c, err := s.fetch(ctx, s.cur.Load())
		if err == nil && c.Leaf == nil {
			err = errors.New("svid source: certificate has no parsed leaf")
		}
		if err != nil {
			if s.OnError != nil {
				s.OnError(err)
			}
			left := s.cur.Load().Leaf.NotAfter.Sub(s.now())
			retry = min(max(left/10, time.Second), time.Minute)
			continue
		}
		retry = 0
		s.store(c)
		if s.OnRenew != nil {
			s.OnRenew(c)
		}
	}
}
