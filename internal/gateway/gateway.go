// Package gateway is Palisade's zero-trust reverse proxy. As an edge gateway it terminates public
// TLS in front of many services and routes by host and path; as a sidecar it accepts only mutual
// TLS from workloads of the trust domain in front of one service and originates mTLS with its own
// SVID for the service's outgoing calls. Every request is authenticated (client SVID, JWT or
// both), authorized per route by a CEL rule with deny as the default, proxied, and written to a
// JSON-lines audit log that never contains credentials.
package gateway

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/palisade-sec/palisade/internal/config/strictyaml"
	"github.com/palisade-sec/palisade/internal/gateway/http1"
	"github.com/palisade-sec/palisade/internal/identity"
	"github.com/palisade-sec/palisade/internal/jwtauth"
)

// Options are what the caller provides besides the configuration file.
type Options struct {
	ConfigPath string
	// Logger receives operational events (reloads, renewals, upstream errors); never credentials.
	Logger *slog.Logger
	// AuditOut is where audit records go when the config says "-" (default os.Stdout).
	AuditOut io.Writer
	// JWKSClient fetches JWKS documents (default: TLS 1.2+ client with a 10 s timeout).
	JWKSClient *http.Client
	// Registry receives the metrics (default: a new registry served on the admin listener).
	Registry *prometheus.Registry

	// network replaces the operating system's for the listeners, the upstream dials and the
	// connections to the CA (nil: the operating system's); tests run the whole gateway over
	// in-memory connections with it, on virtual time.
	network network
}

// network is where the gateway listens, and dials its upstreams and its CA.
type network interface {
	Listen(network, addr string) (net.Listener, error)
	DialContext(ctx context.Context, network, addr string) (net.Conn, error)
}

// Gateway is a running proxy. Its configuration can be reloaded without dropping connections.
type Gateway struct {
	opts   Options
	log    *slog.Logger
	state  atomic.Pointer[state]
	bundle atomic.Pointer[identity.TrustBundle]
	// startBundle is the bundle in force when the listeners started: connections verified
	// against it need no re-verification while it stays in force (see peerID).
	startBundle *identity.TrustBundle
	peers       peerChecks
	svid        certSource
	edge        *fileSource // public server certificate in edge mode
	audit       *auditLog
	metrics     *metrics
	reg         *prometheus.Registry
	ready       atomic.Bool
	now         func() time.Time
	// buffers are the forwarders' copy buffers: without a pool every response would allocate
	// 32 KiB, which was most of the gateway's garbage.
	buffers bufferPool
	// reloadMu serializes reloads (SIGHUP, file watch, API callers) so a bundle and a state
	// from two different loads are never combined.
	reloadMu sync.Mutex
	// addresses actually bound, for callers that listen on port 0
	inboundAddr, outboundAddr, adminAddr atomic.Pointer[string]
}

// state is everything a reload replaces at once.
type state struct {
	cfg       *Config
	routes    []*route
	services  map[string]*service
	validator *jwtauth.Validator
}

type route struct {
	cfg         RouteConfig
	pat         pattern
	rule        Rule
	proxy       *forwarder
	requireMTLS bool
	requireJWT  bool
	maxBody     int64 // request body limit in force (0: none)
}

type service struct {
	cfg   ServiceConfig
	proxy *forwarder
}

// New loads the configuration, the trust bundle and this gateway's SVID, and prepares (but does
// not start) the listeners.
func New(ctx context.Context, opts Options) (*Gateway, error) {
	cfg, err := LoadConfig(opts.ConfigPath)
	if err != nil {
		return nil, err
	}
	g := &Gateway{opts: opts, log: opts.Logger, now: time.Now, reg: opts.Registry}
	if g.log == nil {
		g.log = slog.New(slog.DiscardHandler)
	}
	if g.reg == nil {
		g.reg = prometheus.NewRegistry()
	}
	if g.metrics, err = newMetrics(g.reg); err != nil {
		return nil, err
	}
	tb, err := identity.LoadTrustBundle(cfg.Identity.TrustDomain, cfg.Identity.BundleFile)
	if err != nil {
		return nil, err
	}
	g.storeBundle(tb)
	if err := g.initCerts(ctx, cfg); err != nil {
		return nil, err
	}
	st, err := g.build(cfg)
	if err != nil {
		return nil, err
	}
	g.state.Store(st)
	out := opts.AuditOut
	if out == nil {
		out = os.Stdout
	}
	if g.audit, err = openAudit(cfg.Audit.Path, out); err != nil {
		return nil, err
	}
	return g, nil
}

func (g *Gateway) initCerts(ctx context.Context, cfg *Config) error {
	var err error
	s := cfg.Identity.SVID
	if s.CAURL != "" {
		g.svid, err = g.enrol(ctx, cfg)
	} else {
		g.svid, err = newFileSource(s.CertFile, s.KeyFile, g.certChanged("svid"))
	}
	if err != nil {
		return err
	}
	if leaf := leafOf(g.svid.Current()); leaf != nil {
		if _, err := identity.IDFromCertificate(leaf); err != nil {
			return fmt.Errorf("gateway svid: %w", err)
		}
		g.metrics.certExpiry.WithLabelValues("svid").Set(float64(leaf.NotAfter.Unix()))
	}
	if cfg.Inbound.TLS.CertFile != "" {
		if g.edge, err = newFileSource(cfg.Inbound.TLS.CertFile, cfg.Inbound.TLS.KeyFile, g.certChanged("inbound")); err != nil {
			return err
		}
		if leaf := leafOf(g.edge.Current()); leaf != nil {
			g.metrics.certExpiry.WithLabelValues("inbound").Set(float64(leaf.NotAfter.Unix()))
		}
	}
	return nil
}

func (g *Gateway) certChanged(name string) func(*tls.Certificate, error) {
	return func(c *tls.Certificate, err error) {
		if err != nil {
			g.log.Error("certificate reload failed; keeping the previous one", "certificate", name, "err", err)
			return
		}
		if leaf := leafOf(c); leaf != nil {
			g.metrics.certExpiry.WithLabelValues(name).Set(float64(leaf.NotAfter.Unix()))
			g.log.Info("certificate reloaded", "certificate", name, "not_after", leaf.NotAfter)
		}
	}
}

// build compiles a configuration into a state: rules, proxies and the JWT validator.
func (g *Gateway) build(cfg *Config) (*state, error) {
	st := &state{cfg: cfg, services: map[string]*service{}}
	var issuers []jwtauth.IssuerConfig
	for _, is := range cfg.JWT.Issuers {
		issuers = append(issuers, is.toJWT())
	}
	var err error
	if st.validator, err = jwtauth.NewValidator(issuers, g.opts.JWKSClient); err != nil {
		return nil, err
	}
	rules, err := newRuleCompiler()
	if err != nil {
		return nil, err
	}
	for _, rc := range cfg.Routes {
		pat, err := compilePattern(rc.Path)
		if err != nil {
			return nil, err
		}
		rule, err := rules.compile(rc.Allow)
		if err != nil {
			return nil, fmt.Errorf("route %s: %w", rc.Name, err)
		}
		proxy, err := g.newProxy(rc.Upstream, rc.UpstreamSPIFFEID, cfg.Timeouts)
		if err != nil {
			return nil, fmt.Errorf("route %s: %w", rc.Name, err)
		}
		st.routes = append(st.routes, &route{cfg: rc, pat: pat, rule: rule, proxy: proxy, maxBody: bodyLimit(rc.MaxRequestBody, cfg.Limits.MaxRequestBody),
			requireMTLS: slices.Contains(rc.Require, "mtls"), requireJWT: slices.Contains(rc.Require, "jwt")})
	}
	for _, sc := range cfg.Outbound.Services {
		proxy, err := g.newProxy(sc.Upstream, sc.SPIFFEID, cfg.Timeouts)
		if err != nil {
			return nil, fmt.Errorf("outbound service %s: %w", sc.Host, err)
		}
		st.services[strings.ToLower(sc.Host)] = &service{cfg: sc, proxy: proxy}
	}
	return st, nil
}

// newProxy builds the forwarder to upstream; an https upstream gets mTLS with the expected ID.
func (g *Gateway) newProxy(upstream, spiffeID string, to TimeoutsConfig) (*forwarder, error) {
	u, err := url.Parse(upstream)
	if err != nil {
		return nil, fmt.Errorf("upstream %q: %w", upstream, err)
	}
	var tlsConf *tls.Config
	if u.Scheme == "https" {
		id, err := identity.ParseID(spiffeID)
		if err != nil {
			return nil, fmt.Errorf("upstream %q: %w", upstream, err)
		}
		tlsConf = g.upstreamTLS(id)
	}
	tc := to.transport()
	if g.opts.network != nil {
		tc.Dial = g.opts.network.DialContext
	}
	return &forwarder{upstream: upstream, target: u, transport: http1.NewTransport(hostPort(u), tlsConf, tc),
		buffers: &g.buffers, log: g.log}, nil
}

// storeBundle puts tb in force and publishes the expiry of its first root to expire.
func (g *Gateway) storeBundle(tb *identity.TrustBundle) {
	g.bundle.Store(tb)
	g.metrics.certExpiry.WithLabelValues("trust_bundle").Set(float64(tb.FirstExpiry().Unix()))
}

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Reload re-reads the configuration file and the trust bundle. On any error the running
// configuration stays in force and the error (with file, line and field) is returned. Listener
// addresses, mode, identity, audit destination and the client-side timeouts cannot change
// without a restart; the upstream timeouts apply to the connections opened after the reload.
func (g *Gateway) Reload() error {
	g.reloadMu.Lock()
	err := g.reload()
	g.reloadMu.Unlock()
	result := "success"
	if err != nil {
		result = "failure"
		g.log.Error("config reload failed; the previous configuration stays in force", "err", err)
	} else {
		g.log.Info("config reloaded", "path", g.opts.ConfigPath)
	}
	g.metrics.reloads.WithLabelValues(result).Inc()
	return err
}

func (g *Gateway) reload() error {
	cfg, err := LoadConfig(g.opts.ConfigPath)
	if err != nil {
		return err
	}
	old := g.state.Load().cfg
	for _, c := range []struct{ name, a, b string }{
		{"mode", old.Mode, cfg.Mode},
		{"inbound.listen", old.Inbound.Listen, cfg.Inbound.Listen},
		{"inbound.client_certs", old.Inbound.ClientCerts, cfg.Inbound.ClientCerts},
		{"outbound.listen", old.Outbound.Listen, cfg.Outbound.Listen},
		{"admin.listen", old.Admin.Listen, cfg.Admin.Listen},
		{"http1_server", old.HTTP1Server, cfg.HTTP1Server},
		{"audit.path", old.Audit.Path, cfg.Audit.Path},
		{"timeouts", fmt.Sprint(old.Timeouts.serverSide()), fmt.Sprint(cfg.Timeouts.serverSide())},
		{"identity", fmt.Sprint(old.Identity), fmt.Sprint(cfg.Identity)},
	} {
		if c.a != c.b {
			return &strictyaml.Error{File: g.opts.ConfigPath, Field: c.name, Err: errors.New("changed; this field needs a restart")}
		}
	}
	tb, err := identity.LoadTrustBundle(cfg.Identity.TrustDomain, cfg.Identity.BundleFile)
	if err != nil {
		return err
	}
	tb = g.enrolledBundle(tb) // the CA's bundle, once delivered, outranks the bootstrap file
	st, err := g.build(cfg)
	if err != nil {
		return err
	}
	if cur := g.bundle.Load(); tb.Equal(cur) {
		tb = cur // unchanged: connections verified against it need no re-verification
	}
	g.storeBundle(tb)
	prev := g.state.Swap(st)
	prev.closeIdle()
	return nil
}

// closeIdle closes the idle upstream connections of a configuration that was replaced; requests
// still running on it finish on their connections.
func (st *state) closeIdle() { st.eachTransport((*http1.Transport).CloseIdleConnections) }

// flushIdle closes idle upstream connections and keeps pooling (the trust bundle changed).
func (st *state) flushIdle() { st.eachTransport((*http1.Transport).FlushIdle) }

// eachTransport calls fn on the upstream transport of every route and outbound service.
func (st *state) eachTransport(fn func(*http1.Transport)) {
	for _, rt := range st.routes {
		fn(rt.proxy.transport)
	}
	for _, svc := range st.services {
		fn(svc.proxy.transport)
	}
}

// Handler returns the inbound request handler (authn → route → authz → proxy → audit).
func (g *Gateway) Handler() http.Handler { return http.HandlerFunc(g.serveInbound) }

// OutboundHandler returns the sidecar's outbound handler (service lookup → mTLS proxy → audit).
func (g *Gateway) OutboundHandler() http.Handler { return http.HandlerFunc(g.serveOutbound) }

// AdminHandler serves /metrics, /healthz and /readyz.
func (g *Gateway) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(g.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if err := g.readiness(); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, "ready\n")
	})
	if g.state.Load().cfg.Admin.Pprof {
		mux.HandleFunc("GET /debug/pprof/profile", serveCPUProfile)
		mux.HandleFunc("GET /debug/pprof/{name}", serveProfile)
	}
	return mux
}

// serveCPUProfile records a CPU profile for ?seconds= (default 10, at most 120) and returns it
// in pprof's format; only reachable when admin.pprof is on.
func serveCPUProfile(w http.ResponseWriter, r *http.Request) {
	secs, err := strconv.Atoi(cmp.Or(r.URL.Query().Get("seconds"), "10"))
	if err != nil || secs < 1 || secs > 120 {
		http.Error(w, "seconds: want an integer from 1 to 120", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	if err := pprof.StartCPUProfile(w); err != nil {
		http.Error(w, "cpu profile: "+err.Error(), http.StatusConflict)
		return
	}
	select {
	case <-time.After(time.Duration(secs) * time.Second):
	case <-r.Context().Done():
	}
	pprof.StopCPUProfile()
}

// serveProfile writes a named runtime profile (heap, allocs, goroutine, mutex, block).
func serveProfile(w http.ResponseWriter, r *http.Request) {
	p := pprof.Lookup(r.PathValue("name"))
	if p == nil {
		http.Error(w, "unknown profile", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	_ = p.WriteTo(w, 0)
}

func (g *Gateway) readiness() error {
	if !g.ready.Load() {
		return errors.New("not serving")
	}
	if leaf := leafOf(g.svid.Current()); leaf == nil || !g.now().Before(leaf.NotAfter) {
		return errors.New("svid expired")
	}
	return nil
}

func leafOf(c *tls.Certificate) *x509.Certificate {
	if c == nil {
		return nil
	}
	if c.Leaf != nil {
		return c.Leaf
	}
	if len(c.Certificate) == 0 {
		return nil
	}
	leaf, err := x509.ParseCertificate(c.Certificate[0])
	if err != nil {
		return nil
	}
	return leaf
}

// bufferPool recycles 32 KiB copy buffers for response bodies.
type bufferPool struct{ p sync.Pool }

func (b *bufferPool) Get() []byte {
	if v, ok := b.p.Get().(*[]byte); ok {
		return *v
	}
	return make([]byte, 32<<10)
}

func (b *bufferPool) Put(buf []byte) { b.p.Put(&buf) }

var _ httputil.BufferPool = (*bufferPool)(nil)

// hostPort is the address to dial for an upstream URL, with the scheme's default port.
func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	port := "80"
	if u.Scheme == "https" {
		port = "443"
	}
	return net.JoinHostPort(u.Hostname(), port)
}
