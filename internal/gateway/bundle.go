package gateway

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/palisade-sec/palisade/internal/gateway/http1"
	"github.com/palisade-sec/palisade/internal/identity"
)

// DefaultBundleRefresh is how often a gateway enrolled with a CA asks it for the trust bundle, on
// top of the bundle that comes with every SVID it obtains (at enrolment and at each renewal).
const DefaultBundleRefresh = 5 * time.Minute

// caSource enrols with a Palisade CA, renews at half-life through identity.Source, and keeps the
// gateway's trust bundle current from the same CA.
type caSource struct {
	*identity.Source
	bundles *caBundles
}

// Run renews the SVID and refreshes the trust bundle until ctx ends.
func (s *caSource) Run(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.bundles.refreshLoop(ctx)
	}()
	err := s.Source.Run(ctx)
	<-done
	return err
}

// caBundles delivers the CA's trust bundle to an enrolled gateway. bundle_file is only the
// bootstrap anchor: once the CA has delivered a bundle, that bundle is authoritative (a reload
// keeps it) and is written back to bundle_file so a restart starts from it.
//
// A bundle is accepted only when it arrived over TLS verified against the bundle the gateway
// trusts at that moment (identity.Client), is declared for the configured trust domain, parses
// (identity.ParseBundle) and trusts the CA's own certificate and the SVID it came with. Anything
// else is refused, logged and counted, and the current bundle stays in force.
type caBundles struct {
	g       *Gateway
	url     string
	path    string
	every   time.Duration
	updates *prometheus.CounterVec
	// mu serializes offers, so two answers racing (a renewal and a refresh) are applied in turn.
	mu sync.Mutex
	// fetched is the last bundle accepted from the CA (nil before the first).
	fetched atomic.Pointer[identity.TrustBundle]
}

// enrol builds the CA-backed SVID source: it enrols now (join token), applies the bundle of the
// answer, and is ready to renew and refresh when Run starts.
func (g *Gateway) enrol(ctx context.Context, cfg *Config) (*caSource, error) {
	s := cfg.Identity.SVID
	b := &caBundles{g: g, url: s.CAURL, path: cfg.Identity.BundleFile, every: s.BundleRefresh,
		updates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "palisade_gateway_trust_bundle_updates_total",
			Help: "Trust bundles received from the CA, by result: accepted (it changed), unchanged, failed (the CA was unreachable or its bundle was refused).",
		}, []string{"result"})}
	if err := g.reg.Register(b.updates); err != nil {
		return nil, fmt.Errorf("register metrics: %w", err)
	}
	fetch := func(ctx context.Context, current *tls.Certificate) (*tls.Certificate, error) {
		cl := &identity.Client{URL: s.CAURL, Bundle: g.bundle.Load(), DialContext: g.dialCA()}
		a := identity.Attestation{Type: identity.AttestSVID}
		if current == nil {
			tok, err := os.ReadFile(s.JoinTokenFile)
			if err != nil {
				return nil, fmt.Errorf("read join token: %w", err)
			}
			a = identity.Attestation{Type: identity.AttestJoinToken, Token: strings.TrimSpace(string(tok))}
		}
		is, err := cl.Fetch(ctx, a, current)
		if err != nil {
			return nil, err
		}
		b.offer(is.Bundle, is.BundleErr, "svid answer")
		return is.Cert, nil
	}
	src, err := g.enrolRetrying(ctx, s.CAURL, fetch)
	if err != nil {
		return nil, fmt.Errorf("enrol with ca %s: %w", s.CAURL, err)
	}
	return &caSource{Source: src, bundles: b}, nil
}

// Enrolment retries: a gateway started before its CA (a cluster coming up, a CA restarting)
// waits for it with exponential back-off instead of exiting, for a bounded time.
const (
	enrolFirstWait = time.Second
	enrolMaxWait   = 30 * time.Second
	enrolAttempts  = 10 // 1+2+4+8+16+30·4 s: about two and a half minutes of waits
)

// enrolRetrying enrols, retrying while the CA cannot be reached (a refused connection, a name
// that does not resolve yet, a timeout, a connection cut during the exchange); any other
// failure — a refused join token, a certificate that does not verify — is returned at once.
// Each retry is logged; ctx ends the wait.
func (g *Gateway) enrolRetrying(ctx context.Context, caURL string, fetch identity.FetchFunc) (*identity.Source, error) {
	wait := enrolFirstWait
	for attempt := 1; ; attempt++ {
		src, err := identity.NewSource(ctx, fetch)
		if err == nil {
			if attempt > 1 {
				g.log.Info("enrolled with the ca", "ca", caURL, "attempts", attempt)
			}
			return src, nil
		}
		if !unreachable(err) || attempt == enrolAttempts || ctx.Err() != nil {
			return nil, err
		}
		g.log.Warn("ca not reachable; retrying enrolment", "ca", caURL, "attempt", attempt, "retry_in", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("%w (while waiting to retry: %w)", err, ctx.Err())
		case <-t.C:
		}
		wait = min(2*wait, enrolMaxWait)
	}
}

// unreachable reports a failure to reach the CA at all, as opposed to an answer or a TLS
// verdict from it.
func unreachable(err error) bool {
	var op *net.OpError
	var dns *net.DNSError
	// crypto/tls reports an alert from the peer as a net.OpError too: that is an answer
	return errors.As(err, &op) && op.Op != "remote error" || errors.As(err, &dns) || http1.IsTimeout(err) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET)
}

// dialCA is how identity.Client reaches the CA: over Options.network when a test gave one, else
// (nil) over the operating system's network.
func (g *Gateway) dialCA() func(ctx context.Context, network, addr string) (net.Conn, error) {
	if g.opts.network == nil {
		return nil
	}
	return g.opts.network.DialContext
}

// RefreshBundle asks the CA for its trust bundle now and applies it. It returns why the bundle
// could not be fetched or was refused; the current bundle stays in force then. Gateways whose SVID
// does not come from a CA (identity.svid.ca_url) have no CA to ask.
func (g *Gateway) RefreshBundle(ctx context.Context) error {
	s, ok := g.svid.(*caSource)
	if !ok {
		return errors.New("refresh trust bundle: this gateway does not enrol with a ca (identity.svid.ca_url)")
	}
	return s.bundles.refresh(ctx)
}

// enrolledBundle is what a configuration reload must trust: the CA's bundle once one was
// accepted (bundle_file is only the bootstrap), else fromFile.
func (g *Gateway) enrolledBundle(fromFile *identity.TrustBundle) *identity.TrustBundle {
	if s, ok := g.svid.(*caSource); ok {
		if tb := s.bundles.fetched.Load(); tb != nil {
			return tb
		}
	}
	return fromFile
}

func (b *caBundles) refreshLoop(ctx context.Context) {
	t := time.NewTicker(b.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			_ = b.refresh(rctx) // offer has logged and counted the outcome
			cancel()
		}
	}
}

func (b *caBundles) refresh(ctx context.Context) error {
	cl := &identity.Client{URL: b.url, Bundle: b.g.bundle.Load(), DialContext: b.g.dialCA()}
	tb, err := cl.FetchBundle(ctx)
	b.offer(tb, err, "bundle endpoint")
	if err != nil {
		return fmt.Errorf("refresh trust bundle: %w", err)
	}
	return nil
}

// offer applies a bundle the CA delivered (tb) or records why none could be taken (err).
func (b *caBundles) offer(tb *identity.TrustBundle, err error, from string) {
	g := b.g
	if err != nil {
		b.updates.WithLabelValues("failed").Inc()
		g.log.Warn("trust bundle from the ca refused; keeping the current one", "from", from, "ca", b.url, "err", err)
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	cur := g.bundle.Load()
	if tb.Equal(cur) {
		b.fetched.Store(tb)
		b.updates.WithLabelValues("unchanged").Inc()
		return
	}
	// reloadMu: a configuration reload running now must not put back the bundle it read from
	// bundle_file after this one is in force.
	g.reloadMu.Lock()
	g.storeBundle(tb)
	b.fetched.Store(tb)
	g.reloadMu.Unlock()
	// upstream connections were verified against the old bundle: new ones use this one
	g.state.Load().flushIdle()
	b.updates.WithLabelValues("accepted").Inc()
	added, removed := rootsDiff(cur, tb)
	g.log.Info("trust bundle updated from the ca", "from", from, "roots", len(tb.Roots()), "added", added, "removed", removed)
	if err := tb.WriteFile(b.path); err != nil {
		g.log.Warn("trust bundle not persisted; a restart starts from the previous bundle_file", "path", b.path, "err", err)
	}
}

// rootsDiff counts the roots of next that cur lacks, and those of cur that next dropped.
func rootsDiff(cur, next *identity.TrustBundle) (added, removed int) {
	in := func(tb *identity.TrustBundle, want []byte) bool {
		for _, r := range tb.Roots() {
			if string(r.Raw) == string(want) {
				return true
			}
		}
		return false
	}
	for _, r := range next.Roots() {
		if !in(cur, r.Raw) {
			added++
		}
	}
	for _, r := range cur.Roots() {
		if !in(next, r.Raw) {
			removed++
		}
	}
	return added, removed
}
