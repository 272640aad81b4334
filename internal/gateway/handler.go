package gateway

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/palisade-sec/palisade/internal/gateway/http1"
	"github.com/palisade-sec/palisade/internal/identity"
	"github.com/palisade-sec/palisade/internal/jwtauth"
)

// Decisions written to the audit log and metrics.
const (
	decisionAllow     = "allow"
	decisionDeny      = "deny"
	decisionAuditDeny = "audit_deny" // the route is in audit mode: would be denied, let through
)

// denial is a refused request: the status the client gets and the reason recorded.
type denial struct {
	status int
	reason string
}

// exchange is everything the gateway keeps about one request, allocated once: the audit record,
// the response and body counters, and whether the upstream failed.
type exchange struct {
	rec        Record
	start      time.Time
	sw         statusWriter
	body       countingBody
	proxied    bool
	failReason string            // why proxying failed ("": it did not); see exchange.failed
	upgrade    string            // the protocol switch the route allowed ("": none)
	tunnelUp   int64             // bytes relayed client → upstream after a protocol switch
	tunnelDown int64             // bytes relayed upstream → client after a protocol switch
	extra      http1.ExtraFields // the header fields the gateway adds upstream
	gone       *http1.ClientGone // HTTP/1 (the gateway's server): fired when the client disconnects
}

// begin starts the exchange for r: r.Body is counted (and held to the body limit and timeout),
// and the exchange's writer records status and size.
func (g *Gateway) begin(st *state, w http.ResponseWriter, r *http.Request, direction string) *exchange {
	start := g.now()
	x := &exchange{start: start, rec: Record{Time: start.UTC(), RequestID: newRequestID(), Direction: direction,
		SourceAddr: r.RemoteAddr, Method: r.Method, Host: hostOnly(r.Host), Path: r.URL.Path, Protocol: r.Proto}}
	x.sw = statusWriter{ResponseWriter: w}
	x.body = countingBody{ReadCloser: r.Body}
	r.Body = &x.body
	x.gone = http1.ClientGoneOf(w)
	// net/http's writers get the client timeouts per request; http1.Server's connection keeps
	// them itself (its writer is no Deadliner). They never change on reload.
	if dl, ok := w.(http1.Deadliner); ok {
		x.body.prog = http1.ReadProgress(dl, st.cfg.Timeouts.ClientBody)
		x.sw.prog = http1.WriteProgress(dl, st.cfg.Timeouts.ClientWrite)
	}
	return x
}

// forward proxies r upstream with the identity headers the upstream may trust. Callers cannot
// assert an identity: every X-Palisade-* header they sent is removed first, and the gateway's
// own are set after hop-by-hop removal (see assertIdentity).
func (x *exchange) forward(f *forwarder, r *http.Request) {
	h := r.Header
	for k := range h {
		if strings.HasPrefix(k, "X-Palisade-") {
			delete(h, k)
		}
	}
	x.proxied = true
	f.forward(&x.sw, r, x)
}

// assertIdentity sets the headers that tell the upstream who called: the request ID, the
// caller's SPIFFE ID and JWT subject (when authenticated).
func (x *exchange) assertIdentity(e *http1.ExtraFields) {
	e.Set("X-Request-Id", x.rec.RequestID)
	if x.rec.SPIFFEID != "" {
		e.Set("X-Palisade-Spiffe-Id", x.rec.SPIFFEID)
	}
	if x.rec.JWTSubject != "" {
		e.Set("X-Palisade-Jwt-Sub", x.rec.JWTSubject)
	}
}

func (g *Gateway) serveInbound(w http.ResponseWriter, r *http.Request) {
	st := g.state.Load()
	x := g.begin(st, w, r, "inbound")
	rec, sw := &x.rec, &x.sw
	defer g.finish(x)
	if g.auditRefuses(st, x) || x.refuseFields(r) {
		return
	}

	rt, d := g.authorize(r, st, rec)
	if d != nil && (rt == nil || !rt.cfg.AuditOnly) {
		rec.Decision, rec.Reason = decisionDeny, d.reason
		writeDenial(sw, d)
		return
	}
	rec.Decision, rec.Reason = decisionAllow, "allowed"
	if d != nil {
		rec.Decision, rec.Reason = decisionAuditDeny, d.reason
	}
	if !x.allowUpgrade(r, rt.cfg.Upgrades) || !x.limitBody(rt.maxBody, r) {
		return
	}
	x.forward(rt.proxy, r)
}

// refuseFields answers 400 to a request http1.Unforwardable refuses, before it is routed; an
// HTTP/1 connection is closed after the answer, since what follows such a request cannot be
// trusted to be framed as the client meant.
func (x *exchange) refuseFields(r *http.Request) bool {
	reason := http1.Unforwardable(r)
	if reason == "" {
		return false
	}
	x.rec.Decision, x.rec.Reason = decisionDeny, reason
	if r.ProtoMajor == 1 {
		x.sw.Header().Set("Connection", "close")
	}
	writeDenial(&x.sw, &denial{http.StatusBadRequest, reason})
	return true
}

// allowUpgrade applies the route's decision on a protocol switch (upgradeDecision): a refused
// one is answered 403 and its connection closed (the client meant to stop speaking HTTP/1.1
// on it); an allowed one is recorded for the forwarder and the audit record.
func (x *exchange) allowUpgrade(r *http.Request, allowed []string) bool {
	proto, reason := upgradeDecision(r.Header, allowed)
	if reason != "" {
		x.rec.Decision, x.rec.Reason = decisionDeny, reason
		x.sw.Header().Set("Connection", "close")
		writeDenial(&x.sw, &denial{http.StatusForbidden, reason})
		return false
	}
	x.upgrade = proto
	return true
}

// limitBody applies a request-body limit (0: none): a request that declares a longer body is
// refused 413 at once, before a byte of it is read (and before a "100 Continue" invites it);
// any other is cut off at the limit as it is read (see countingBody).
func (x *exchange) limitBody(limit int64, r *http.Request) bool {
	if limit <= 0 {
		return true
	}
	if r.ContentLength > limit {
		x.rec.Decision, x.rec.Reason = decisionDeny, "body_too_large"
		writeDenial(&x.sw, &denial{http.StatusRequestEntityTooLarge, "body_too_large"})
		return false
	}
	x.body.limit = limit
	return true
}

// auditRefuses answers 503 when audit.fail_closed is set and the audit log cannot be written:
// no request passes that might go unrecorded. The refusal's own record waits with the others.
func (g *Gateway) auditRefuses(st *state, x *exchange) bool {
	if !st.cfg.Audit.FailClosed || !g.audit.Failing() {
		return false
	}
	x.rec.Decision, x.rec.Reason = decisionDeny, "audit_unavailable"
	writeDenial(&x.sw, &denial{http.StatusServiceUnavailable, "audit_unavailable"})
	return true
}

// authorize runs path canonicalization, route matching, authentication and the route's rule,
// filling the identity fields of rec. It returns the matched route (nil if none) and a denial,
// or nil when the request may pass.
func (g *Gateway) authorize(r *http.Request, st *state, rec *Record) (*route, *denial) {
	path, encodedSlash, err := cleanPath(r.URL.EscapedPath(), r.URL.Path)
	switch {
	case err == errDoubleEncoded:
		return nil, &denial{http.StatusBadRequest, "double_encoded_path"}
	case err != nil:
		return nil, &denial{http.StatusBadRequest, "unclean_path"}
	}
	if encodedSlash {
		// the segments are the client's: an encoded slash stays inside its segment, for the
		// route match and the rule, and only a route that allows it lets it through
		path = keepEncodedSlashes(r.URL.EscapedPath())
	}
	rt := st.match(rec.Host, r.Method, path)
	if rt != nil {
		rec.Route = rt.cfg.Name
		if encodedSlash && !rt.cfg.AllowEncodedSlash {
			return nil, &denial{http.StatusBadRequest, "encoded_slash"}
		}
	}
	// Authentication happens before the route decision is reported so that the audit record
	// always says who asked, even for requests that match no route.
	spiffeID, certErr := g.peerID(r)
	rec.SPIFFEID = spiffeID
	claims, jwtErr := g.token(r, st)
	if claims != nil {
		rec.JWTSubject, rec.JWTIssuer, rec.JWTID = claims.Subject, claims.Issuer, claims.ID
	}
	switch {
	case rt == nil:
		return nil, &denial{http.StatusNotFound, "no_route"}
	case certErr != nil:
		return rt, &denial{http.StatusUnauthorized, "client_cert_invalid"}
	case jwtErr != nil:
		return rt, &denial{http.StatusUnauthorized, "jwt_" + jwtReason(jwtErr)}
	case rt.requireMTLS && spiffeID == "":
		return rt, &denial{http.StatusUnauthorized, "mtls_required"}
	case rt.requireJWT && claims == nil:
		return rt, &denial{http.StatusUnauthorized, "jwt_required"}
	}
	in := &Input{SPIFFEID: spiffeID, SourceAddr: r.RemoteAddr, Method: r.Method, Host: rec.Host, Path: path}
	if claims != nil {
		in.JWT = &JWTInfo{Subject: claims.Subject, Issuer: claims.Issuer, ID: claims.ID, Scopes: claims.Scopes, Claims: claims.Raw}
	}
	ok, err := rt.rule.Allow(in)
	switch {
	case err != nil:
		return rt, &denial{http.StatusForbidden, "policy_error"}
	case !ok:
		return rt, &denial{http.StatusForbidden, "policy_denied"}
	}
	return rt, nil
}

func (st *state) match(host, method, path string) *route {
	for _, rt := range st.routes {
		if rt.cfg.Host != "" && !strings.EqualFold(rt.cfg.Host, host) {
			continue
		}
		if len(rt.cfg.Methods) > 0 && !contains(rt.cfg.Methods, method) {
			continue
		}
		if rt.pat.match(path) {
			return rt
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// peerID returns the caller's SPIFFE ID from the TLS client certificate. The chain was verified
// against the trust bundle during the handshake; expiry is re-checked on every request because
// a connection can outlive the certificate it was opened with, and once the bundle has changed
// since start (a rotation, a prune, a reload) the chain is verified again against the bundle in
// force, so a keep-alive connection from a pruned root does not outlive the prune. The result
// is remembered per certificate and bundle (a connection's requests share one certificate).
func (g *Gateway) peerID(r *http.Request) (string, error) {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return "", nil
	}
	chain := r.TLS.PeerCertificates
	now := g.now()
	if !now.Before(chain[0].NotAfter) {
		return "", errors.New("client certificate expired during the connection")
	}
	tb := g.bundle.Load()
	if c, ok := g.peers.get(chain[0]); ok && c.bundle == tb {
		return c.id, c.err
	}
	c := peerCheck{bundle: tb}
	if tb != g.startBundle {
		if _, err := tb.VerifySVID(chain, now); err != nil {
			c.err = fmt.Errorf("client certificate no longer chains to the trust bundle: %w", err)
		}
	}
	if c.err == nil {
		id, err := identity.IDFromCertificate(chain[0])
		switch {
		case err != nil:
			c.err = err
		case !id.MemberOf(tb.TrustDomain()):
			c.err = errors.New("client certificate from another trust domain")
		default:
			c.id = id.String()
		}
	}
	g.peers.put(chain[0], c)
	return c.id, c.err
}

// peerChecks remembers, per client certificate, the bundle its chain was last checked against
// and the outcome. Reads are lock-free; the map starts over past maxPeerChecks entries, which
// bounds what closed connections leave behind.
type peerChecks struct {
	m atomic.Pointer[sync.Map]
	n atomic.Int64
}

type peerCheck struct {
	bundle *identity.TrustBundle
	id     string
	err    error
}

const maxPeerChecks = 4096

func (p *peerChecks) get(leaf *x509.Certificate) (peerCheck, bool) {
	m := p.m.Load()
	if m == nil {
		return peerCheck{}, false
	}
	v, ok := m.Load(leaf)
	if !ok {
		return peerCheck{}, false
	}
	return v.(peerCheck), true
}

func (p *peerChecks) put(leaf *x509.Certificate, c peerCheck) {
	m := p.m.Load()
	if m == nil || p.n.Add(1) > maxPeerChecks {
		m = &sync.Map{}
		p.m.Store(m)
		p.n.Store(1)
	}
	m.Store(leaf, c)
}

// token extracts and validates the request's JWT; no token is (nil, nil). A gateway with no
// issuers configured does not do JWT authentication at all and leaves tokens to the upstream (a
// sidecar behind an edge sees the users' tokens the edge already checked).
func (g *Gateway) token(r *http.Request, st *state) (*jwtauth.Claims, error) {
	if len(st.cfg.JWT.Issuers) == 0 {
		return nil, nil
	}
	tok := ""
	h := st.cfg.JWT.Header
	if v := r.Header.Get(h); v != "" {
		tok = v
		if strings.EqualFold(h, "Authorization") {
			scheme, rest, ok := strings.Cut(v, " ")
			if !ok || !strings.EqualFold(scheme, "Bearer") {
				return nil, &jwtauth.Error{Reason: "malformed", Err: errors.New("authorization header is not a Bearer token")}
			}
			tok = strings.TrimSpace(rest)
		}
	} else if st.cfg.JWT.Cookie != "" {
		if c, err := r.Cookie(st.cfg.JWT.Cookie); err == nil {
			tok = c.Value
		}
	}
	if tok == "" {
		return nil, nil
	}
	return st.validator.Validate(r.Context(), tok)
}

func jwtReason(err error) string {
	var je *jwtauth.Error
	if errors.As(err, &je) {
		return je.Reason
	}
	return "invalid"
}

func writeDenial(w http.ResponseWriter, d *denial) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if d.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="palisade"`)
	}
	w.WriteHeader(d.status)
	_, _ = io.WriteString(w, http.StatusText(d.status)+": "+d.reason+"\n")
}

func (g *Gateway) serveOutbound(w http.ResponseWriter, r *http.Request) {
	st := g.state.Load()
	x := g.begin(st, w, r, "outbound")
	rec, sw := &x.rec, &x.sw
	defer g.finish(x)
	if g.auditRefuses(st, x) {
		return
	}
	if x.refuseFields(r) {
		return
	}
	svc := st.services[rec.Host]
	if svc == nil {
		rec.Decision, rec.Reason = decisionDeny, "unknown_service"
		writeDenial(sw, &denial{http.StatusNotFound, "unknown_service"})
		return
	}
	rec.Route = "outbound:" + svc.cfg.Host
	rec.Decision, rec.Reason = decisionAllow, "allowed"
	if !x.allowUpgrade(r, svc.cfg.Upgrades) || !x.limitBody(int64(st.cfg.Limits.MaxRequestBody), r) {
		return
	}
	x.forward(svc.proxy, r)
}

func (g *Gateway) finish(x *exchange) {
	rec := &x.rec
	if x.failReason != "" && rec.Decision != decisionDeny {
		rec.Reason = x.failReason
	}
	rec.Status = x.sw.status
	if rec.Status == 0 {
		rec.Status = http.StatusOK
	}
	if x.proxied && x.failReason == "" {
		rec.UpstreamStatus = x.sw.status // the proxy relays the upstream's status unchanged
	}
	rec.BytesIn, rec.BytesOut = x.body.n, x.sw.n
	if x.sw.status == http.StatusSwitchingProtocols {
		rec.Upgrade = x.upgrade
		rec.BytesIn, rec.BytesOut = x.body.n+x.tunnelUp, x.sw.n+x.tunnelDown
	}
	d := g.now().Sub(x.start)
	rec.LatencyMS = float64(d.Microseconds()) / 1000
	g.audit.write(rec)
	g.metrics.observe(rec, d)
}

// statusWriter records the status and body size; Unwrap lets http.ResponseController (used by
// the forwarder for flushing and hijacking) reach the underlying writer.
type statusWriter struct {
	http.ResponseWriter
	status int
	n      int64
	prog   http1.Progress // the write timeout, for net/http's writers
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.prog.Touch()
	n, err := w.ResponseWriter.Write(b)
	w.n += int64(n)
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// countingBody counts a request body, cuts it off past its limit, and notes why it failed —
// too large, or timed out (the client stalled its upload) — so the failure is answered 413 or
// 408 rather than blamed on the upstream.
type countingBody struct {
	io.ReadCloser
	n        int64
	limit    int64          // 0: none
	prog     http1.Progress // the body timeout, for net/http's servers
	timedOut bool
	tooLarge bool
	broken   bool // a read failed otherwise: bad framing (a malformed chunk) or the client broke off
}

func (b *countingBody) Read(p []byte) (int, error) {
	if b.tooLarge {
		return 0, errBodyTooLarge
	}
	b.prog.Touch()
	if b.limit > 0 && int64(len(p)) > b.limit-b.n+1 {
		p = p[:b.limit-b.n+1] // one byte past the limit tells a body that ends there from a longer one
	}
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	if b.limit > 0 && b.n > b.limit {
		over := int(b.n - b.limit)
		b.n, b.tooLarge = b.limit, true
		return n - over, errBodyTooLarge
	}
	switch {
	case err == nil || err == io.EOF:
	case http1.IsTimeout(err):
		b.timedOut = true
	default:
		b.broken = true
	}
	return n, err
}
