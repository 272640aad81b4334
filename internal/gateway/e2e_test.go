package gateway

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/palisade-sec/palisade/internal/config/strictyaml"
	"github.com/palisade-sec/palisade/internal/identity"
	"github.com/palisade-sec/palisade/internal/identity/identitytest"
	"github.com/palisade-sec/palisade/internal/jwtauth/jwttest"
	"github.com/palisade-sec/palisade/internal/logtest"
)

// lockedBuffer is the audit log's sink: written by the flusher while the test reads it.
type lockedBuffer = logtest.Buffer

// startGateway writes cfgText to a file, starts the gateway on the operating system's network
// and waits until it serves. It is for the tests that need real sockets (a benchmark, an external
// proxy in front, kernel buffer behaviour); the others run in a synctest bubble (runMemGateway).
func startGateway(t testing.TB, cfgText string, jwks *http.Client, audit io.Writer) (*Gateway, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "gateway.yaml")
	if err := os.WriteFile(path, []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
	serving := make(chan struct{})
	g, err := New(context.Background(), Options{ConfigPath: path, AuditOut: audit, JWKSClient: jwks,
		Logger: slog.New(servingLog{serving: serving, once: &sync.Once{}})})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx, nil) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	// real sockets, so no synctest.Wait: Run says when it serves, or ends
	select {
	case <-serving:
	case err := <-done:
		done <- err
		t.Fatalf("Run ended before serving: %v", err)
	}
	if !g.Ready() {
		t.Fatal("gateway logged that it serves but is not ready")
	}
	return g, path
}

// servingLog is a slog handler that closes serving when the gateway logs that it serves (Run
// does once it is ready) and drops every record.
type servingLog struct {
	serving chan struct{}
	once    *sync.Once
}

func (servingLog) Enabled(context.Context, slog.Level) bool { return true }
func (h servingLog) WithAttrs([]slog.Attr) slog.Handler     { return h }
func (h servingLog) WithGroup(string) slog.Handler          { return h }

func (h servingLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "gateway serving" {
		h.once.Do(func() { close(h.serving) })
	}
	return nil
}

// echoHandler is an upstream service that reports what identity headers the sidecar gave it.
func echoHandler(name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s saw %s sub=%s path=%s", name, r.Header.Get("X-Palisade-Spiffe-Id"), r.Header.Get("X-Palisade-Jwt-Sub"), r.URL.Path)
	})
}

// echoApp serves echoHandler on loopback until the test ends.
func echoApp(t testing.TB, name string) *httptest.Server {
	s := httptest.NewServer(echoHandler(name))
	t.Cleanup(s.Close)
	return s
}

// clientFor presents cert (nil: none) and verifies the sidecar's SVID against roots, as a peer
// sidecar would.
func clientFor(roots *x509.CertPool, cert *tls.Certificate) *http.Client {
	return identitytest.Client(roots, cert, "")
}

const sidecarB = `mode: sidecar
identity:
  trust_domain: example.org
  bundle_file: %[1]s
  svid: {cert_file: %[2]s, key_file: %[3]s}
inbound:
  listen: 127.0.0.1:0
jwt:
  issuers:
    - issuer: https://idp.test
      jwks_url: %[5]s/jwks
      algorithms: [ES256]
      audiences: [orders]
      min_refetch: 1s
routes:
  - name: orders-api
    path: /orders/**
    require: [mtls]
    allow: 'source.spiffe_id == "spiffe://example.org/web"'
    upstream: %[4]s
  - name: orders-jwt
    path: /jwt/**
    require: [mtls, jwt]
    allow: '"orders:read" in jwt.scopes && jwt.sub == "alice"'
    upstream: %[4]s
  - name: orders-audit
    path: /audit/**
    require: [mtls]
    allow: 'false'
    audit_only: true
    upstream: %[4]s
`

const sidecarA = `mode: sidecar
identity:
  trust_domain: example.org
  bundle_file: %[1]s
  svid: {cert_file: %[2]s, key_file: %[3]s}
inbound:
  listen: 127.0.0.1:0
routes:
  - name: web
    path: /**
    require: [mtls]
    allow: 'true'
    upstream: %[4]s
outbound:
  listen: 127.0.0.1:0
  services:
    - host: orders
      upstream: https://%[5]s
      spiffe_id: spiffe://example.org/orders
`

// mesh is two services each behind a sidecar over real mTLS: the web app's sidecar (A) originates
// mTLS for the app's outgoing calls; the orders sidecar (B) admits callers by SPIFFE ID and JWT,
// whose keys it fetches from a JWKS issuer over TLS. Everything meets on an in-memory network
// (memNet), so a mesh lives in a synctest bubble and every wait in it is virtual.
type mesh struct {
	t           *testing.T
	n           *memNet
	p, other    *identitytest.CA
	idp         *jwttest.Issuer
	gB          *Gateway
	cfgB        string
	bAddr, aOut string
	bCert, bKey string
	auditB      *lockedBuffer
	roots       *x509.CertPool
	claims      map[string]any
	goodJWT     string
}

// newMesh starts a mesh; it must run in a synctest bubble.
func newMesh(t *testing.T) *mesh {
	t.Helper()
	n := newMemNet()
	m := &mesh{t: t, n: n, p: identitytest.NewCA(t, "example.org"), other: identitytest.NewCA(t, "other.org"), auditB: &lockedBuffer{}}
	ln, err := n.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m.idp = jwttest.NewIssuerOn(t, ln, "k1")
	jwks := m.idp.Server.Client()
	jwks.Transport.(*http.Transport).DialContext = n.DialContext
	orders := serveMem(t, n, &http.Server{Handler: echoHandler("orders")})
	web := serveMem(t, n, &http.Server{Handler: echoHandler("web")})
	m.bCert, m.bKey = m.p.IssueFiles("spiffe://example.org/orders", "orders")
	aCert, aKey := m.p.IssueFiles("spiffe://example.org/web", "web")
	m.gB, m.cfgB = runMemGatewayWith(t, n, fmt.Sprintf(sidecarB, m.p.BundleFile(), m.bCert, m.bKey, orders, m.idp.Server.URL),
		Options{AuditOut: m.auditB, JWKSClient: jwks})
	m.bAddr, _, _ = m.gB.Addrs()
	gA, _ := runMemGateway(t, n, fmt.Sprintf(sidecarA, m.p.BundleFile(), aCert, aKey, web, m.bAddr), io.Discard)
	_, m.aOut, _ = gA.Addrs()
	m.roots = x509.NewCertPool()
	for _, r := range m.p.CA.Bundle() {
		m.roots.AddCert(r)
	}
	now := time.Now()
	m.claims = map[string]any{"iss": "https://idp.test", "sub": "alice", "aud": "orders", "scope": "orders:read", "jti": "tok-1",
		"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix()}
	m.goodJWT = m.idp.Token(t, "k1", m.claims)
	return m
}

// client returns an HTTPS client on the mesh's network presenting an SVID for id (nil id: no
// certificate).
func (m *mesh) client(id string) *http.Client {
	if id == "" {
		return m.clientWith(nil)
	}
	return m.clientWith(m.p.Issue(id, time.Hour))
}

// clientWith is clientFor (the mesh's roots) on the mesh's network.
func (m *mesh) clientWith(cert *tls.Certificate) *http.Client {
	cl := clientFor(m.roots, cert)
	tr := cl.Transport.(*http.Transport)
	tr.DialContext = m.n.DialContext
	m.t.Cleanup(tr.CloseIdleConnections)
	return cl
}

func TestMeshAppCallsThroughBothSidecars(t *testing.T) {
	synctest.Test(t, testMeshAppCallsThroughBothSidecars)
}

func testMeshAppCallsThroughBothSidecars(t *testing.T) {
	m := newMesh(t)
	req, _ := http.NewRequest(http.MethodGet, "http://"+m.aOut+"/orders/42", nil)
	req.Host = "orders"
	resp, err := memClient(t, m.n).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "orders saw spiffe://example.org/web sub= path=/orders/42" {
		t.Fatalf("got %d %q", resp.StatusCode, body)
	}
}

func TestMeshOutboundUnknownService(t *testing.T) { synctest.Test(t, testMeshOutboundUnknownService) }

func testMeshOutboundUnknownService(t *testing.T) {
	m := newMesh(t)
	req, _ := http.NewRequest(http.MethodGet, "http://"+m.aOut+"/x", nil)
	req.Host = "billing"
	resp, err := memClient(t, m.n).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 404 || !strings.Contains(string(body), "unknown_service") {
		t.Fatalf("got %d %q", resp.StatusCode, body)
	}
}

// TestMeshInboundDecisions calls the orders sidecar directly: a client without a certificate, with
// one from another trust domain, with an expired one, or without the required identity is
// refused; the allowed one passes. Each case runs on virtual time in a mesh of its own, so a
// certificate expires without waiting for it.
func TestMeshInboundDecisions(t *testing.T) {
	svid := func(id string) func(*mesh) *tls.Certificate {
		return func(m *mesh) *tls.Certificate { return m.p.Issue(id, time.Hour) }
	}
	web := svid("spiffe://example.org/web")
	// aged is an SVID for web valid for one second, presented age later (virtual time, which
	// crypto/tls and crypto/x509 read too)
	aged := func(age time.Duration) func(*mesh) *tls.Certificate {
		return func(m *mesh) *tls.Certificate {
			c := m.p.Issue("spiffe://example.org/web", time.Second)
			time.Sleep(age) // virtual time
			return c
		}
	}
	good := func(m *mesh) string { return m.goodJWT }
	forged := func(m *mesh) string { return flipSignatureBit(m.goodJWT) }
	// no comma in a name: the configuration's flow-style YAML holds paths under t.TempDir
	tests := []struct {
		name       string
		cert       func(*mesh) *tls.Certificate // nil: none
		path       string
		jwt        func(*mesh) string
		header     http.Header // sent as is, on top of the token
		wantStatus int         // 0: the TLS handshake must fail
		wantBody   string
	}{
		{name: "no client certificate", cert: nil, path: "/orders/1"},
		{name: "certificate from another trust domain", cert: func(m *mesh) *tls.Certificate { return m.other.Issue("spiffe://other.org/web", time.Hour) }, path: "/orders/1"},
		{name: "expired certificate", cert: aged(time.Second + time.Nanosecond), path: "/orders/1"},
		{name: "certificate in its last nanosecond", cert: aged(time.Second - time.Nanosecond), path: "/orders/1", wantStatus: 200, wantBody: "orders saw spiffe://example.org/web"},
		{name: "valid certificate of the wrong identity", cert: svid("spiffe://example.org/billing"), path: "/orders/1", wantStatus: 403, wantBody: "policy_denied"},
		{name: "allowed identity", cert: web, path: "/orders/1", wantStatus: 200, wantBody: "orders saw spiffe://example.org/web"},
		{name: "unknown route", cert: web, path: "/admin", wantStatus: 404, wantBody: "no_route"},
		{name: "dot segments", cert: web, path: "/orders/%2e%2e/admin", wantStatus: 400, wantBody: "unclean_path"},
		{name: "jwt route without token", cert: web, path: "/jwt/x", wantStatus: 401, wantBody: "jwt_required"},
		{name: "jwt route with token", cert: web, path: "/jwt/x", jwt: good, wantStatus: 200, wantBody: "sub=alice"},
		{name: "jwt route with forged token", cert: web, path: "/jwt/x", jwt: forged, wantStatus: 401, wantBody: "jwt_bad_signature"},
		{name: "audit-only route lets a denial pass", cert: svid("spiffe://example.org/billing"), path: "/audit/x", wantStatus: 200, wantBody: "orders saw"},
		{name: "forged identity headers are replaced", cert: web, path: "/jwt/x", jwt: good,
			header:     http.Header{"X-Palisade-Spiffe-Id": {"spiffe://example.org/admin"}, "X-Palisade-Jwt-Sub": {"root"}},
			wantStatus: 200, wantBody: "orders saw spiffe://example.org/web sub=alice"},
		{name: "identity headers cannot be dropped through Connection", cert: web, path: "/jwt/x", jwt: good,
			header:     http.Header{"Connection": {"X-Palisade-Spiffe-Id, X-Palisade-Jwt-Sub"}},
			wantStatus: 200, wantBody: "orders saw spiffe://example.org/web sub=alice"},
		{name: "forged identity on a route without a token", cert: web, path: "/orders/1",
			header:     http.Header{"X-Palisade-Jwt-Sub": {"root"}},
			wantStatus: 200, wantBody: "orders saw spiffe://example.org/web sub= path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				m := newMesh(t)
				req, _ := http.NewRequest(http.MethodGet, "https://"+m.bAddr+tt.path, nil)
				if tt.jwt != nil {
					req.Header.Set("Authorization", "Bearer "+tt.jwt(m))
					req.AddCookie(&http.Cookie{Name: "session", Value: "cookie-secret-value"})
				}
				for k, v := range tt.header {
					req.Header[k] = v
				}
				var cert *tls.Certificate
				if tt.cert != nil {
					cert = tt.cert(m)
				}
				cl := m.clientWith(cert)
				if tt.header.Get("Connection") != "" { // HTTP/2 has no Connection header: send it over HTTP/1.1
					tr := cl.Transport.(*http.Transport)
					tr.ForceAttemptHTTP2, tr.TLSNextProto = false, map[string]func(string, *tls.Conn) http.RoundTripper{}
				}
				resp, err := cl.Do(req)
				if tt.wantStatus == 0 {
					if err == nil {
						resp.Body.Close()
						t.Fatalf("request succeeded with status %d; want the handshake refused", resp.StatusCode)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != tt.wantStatus || !strings.Contains(string(body), tt.wantBody) {
					t.Fatalf("got %d %q, want %d containing %q", resp.StatusCode, body, tt.wantStatus, tt.wantBody)
				}
			})
		})
	}
}

// TestMeshJWKSRotationDuringTraffic rotates the issuer's key while tokens of the old key keep
// coming: the first token of the new kid fetches the JWKS once and passes, and no request with
// the old key fails. It runs on virtual time: four clients send an old-key request every 10 ms
// from 0 to 90 ms, and the new-kid request comes at 50 ms, the same instant as four of theirs.
func TestMeshJWKSRotationDuringTraffic(t *testing.T) {
	synctest.Test(t, testMeshJWKSRotationDuringTraffic)
}

func testMeshJWKSRotationDuringTraffic(t *testing.T) {
	const clients, rounds, every = 4, 10, 10 * time.Millisecond
	m := newMesh(t)
	get := func(cl *http.Client, path, tok string) (int, error) {
		req, _ := http.NewRequest(http.MethodGet, "https://"+m.bAddr+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := cl.Do(req)
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	var sent, failures atomic.Int32
	var wg sync.WaitGroup
	for range clients { // steady traffic with the old key while the rotation happens
		cl := m.client("spiffe://example.org/web")
		wg.Go(func() {
			for range rounds {
				if status, err := get(cl, "/jwt/steady", m.goodJWT); err != nil || status != 200 {
					failures.Add(1)
				}
				sent.Add(1)
				time.Sleep(every) // virtual time
			}
		})
	}
	time.Sleep(5 * every) // virtual time
	before := m.idp.Fetches()
	m.idp.AddKey(t, "k2")
	status, err := get(m.client("spiffe://example.org/web"), "/jwt/rotated", m.idp.Token(t, "k2", m.claims))
	if err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if status != 200 {
		t.Fatalf("token with the new kid: status %d", status)
	}
	if got := m.idp.Fetches() - before; got != 1 {
		t.Errorf("JWKS fetched %d times for the rotation, want 1", got)
	}
	if got := sent.Load(); got != clients*rounds {
		t.Errorf("%d old-key requests sent, want %d", got, clients*rounds)
	}
	if failures.Load() != 0 {
		t.Errorf("%d requests with the old key failed during the rotation", failures.Load())
	}
}

func TestMeshReload(t *testing.T) { synctest.Test(t, testMeshReload) }

func testMeshReload(t *testing.T) {
	m := newMesh(t)
	cl := m.client("spiffe://example.org/billing")
	conns := 0 // new connections opened; reloads must not force any
	get := func() int {
		req, _ := http.NewRequest(http.MethodGet, "https://"+m.bAddr+"/orders/1", nil)
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
			GotConn: func(info httptrace.GotConnInfo) {
				if !info.Reused {
					conns++
				}
			},
		}))
		resp, err := cl.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	defer func() {
		if conns != 1 {
			t.Errorf("the client opened %d connections across the reloads, want 1 (connections must survive)", conns)
		}
	}()
	if got := get(); got != 403 {
		t.Fatalf("billing before reload: %d", got)
	}
	good, _ := os.ReadFile(m.cfgB)
	bad := strings.Replace(string(good), "    require: [mtls]\n", "    require: [mtls]\n    requires: [jwt]\n", 1)
	if err := os.WriteFile(m.cfgB, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	err := m.gB.Reload()
	var ce *strictyaml.Error
	if !errors.As(err, &ce) || ce.Pos.Line != 19 || ce.Field != "routes[0].requires" {
		t.Fatalf("bad reload error = %v, want line 19 field requires", err)
	}
	if got := get(); got != 403 {
		t.Fatalf("after a bad reload the old config should still deny billing: %d", got)
	}
	widened := strings.Replace(string(good), `source.spiffe_id == "spiffe://example.org/web"`, `source.spiffe_id in ["spiffe://example.org/web", "spiffe://example.org/billing"]`, 1)
	if err := os.WriteFile(m.cfgB, []byte(widened), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := m.gB.Reload(); err != nil {
		t.Fatal(err)
	}
	if got := get(); got != 200 {
		t.Fatalf("after the good reload billing should pass on the same connection: %d", got)
	}
}

// TestMeshSVIDRenewal replaces the sidecar's SVID files: the connection already open keeps the
// first certificate, and new connections get the new one from the next look at the files, one
// second later (virtual time), not before.
func TestMeshSVIDRenewal(t *testing.T) { synctest.Test(t, testMeshSVIDRenewal) }

func testMeshSVIDRenewal(t *testing.T) {
	m := newMesh(t)
	cl := m.client("spiffe://example.org/web")
	serial := func() string {
		resp, err := cl.Get("https://" + m.bAddr + "/orders/1")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.TLS.PeerCertificates[0].SerialNumber.String()
	}
	first := serial()
	if err := identity.WriteSVIDFiles(m.bCert, m.bKey, m.p.Issue("spiffe://example.org/orders", time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := serial(); got != first {
		t.Fatalf("an open connection changed certificate")
	}
	// the gateway looks at its SVID files once a second, from when Run started: just before
	// that look, a new connection still gets the first SVID; just after, the renewed one
	time.Sleep(time.Second - time.Nanosecond) // virtual time
	synctest.Wait()
	cl.CloseIdleConnections()
	if serial() != first {
		t.Fatal("a new connection got the renewed SVID before the gateway looked at its files")
	}
	time.Sleep(time.Nanosecond) // virtual time
	synctest.Wait()
	cl.CloseIdleConnections()
	if serial() == first {
		t.Fatal("a new connection still got the old SVID after the gateway looked at its files")
	}
}

func TestMeshAuditLog(t *testing.T) { synctest.Test(t, testMeshAuditLog) }

func testMeshAuditLog(t *testing.T) {
	m := newMesh(t)
	// generate traffic of each kind first
	for _, c := range []struct {
		id, path, jwt string
	}{
		{"spiffe://example.org/web", "/jwt/x", m.goodJWT},
		{"spiffe://example.org/billing", "/orders/1", ""},
		{"spiffe://example.org/billing", "/audit/x", ""},
	} {
		req, _ := http.NewRequest(http.MethodGet, "https://"+m.bAddr+c.path, nil)
		if c.jwt != "" {
			req.Header.Set("Authorization", "Bearer "+c.jwt)
			req.AddCookie(&http.Cookie{Name: "session", Value: "cookie-secret-value"})
		}
		resp, err := m.client(c.id).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	if err := m.gB.audit.Flush(); err != nil {
		t.Fatal(err)
	}
	log := m.auditB.String()
	for _, secret := range []string{m.goodJWT, "cookie-secret-value", strings.Split(m.goodJWT, ".")[2]} {
		if strings.Contains(log, secret) {
			t.Fatalf("audit log contains a credential")
		}
	}
	var sawJWT, sawDeny, sawAudit bool
	for _, line := range strings.Split(strings.TrimSpace(log), "\n") {
		var r Record
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("audit line is not JSON: %v: %s", err, line)
		}
		if r.RequestID == "" || r.SourceAddr == "" || r.Decision == "" || r.Reason == "" || r.Status == 0 {
			t.Fatalf("incomplete record: %s", line)
		}
		sawJWT = sawJWT || (r.JWTSubject == "alice" && r.JWTID == "tok-1" && r.UpstreamStatus == 200 && r.SPIFFEID == "spiffe://example.org/web")
		sawDeny = sawDeny || (r.Decision == "deny" && r.Reason == "policy_denied" && r.SPIFFEID == "spiffe://example.org/billing")
		sawAudit = sawAudit || (r.Decision == "audit_deny" && r.Route == "orders-audit" && r.UpstreamStatus == 200)
	}
	if !sawJWT || !sawDeny || !sawAudit {
		t.Errorf("missing records: jwt=%v deny=%v audit_deny=%v\n%s", sawJWT, sawDeny, sawAudit, log)
	}
}

// TestReloadOnFileChangeAndSignal checks the two reload triggers of Run: an edit of gateway.yaml
// is picked up by the watcher, and a reload request (what SIGHUP sends) re-reads the file. It
// runs on virtual time over an in-memory network.
func TestReloadOnFileChangeAndSignal(t *testing.T) { synctest.Test(t, testReloadOnFileChangeAndSignal) }

func testReloadOnFileChangeAndSignal(t *testing.T) {
	n := newMemNet()
	p := identitytest.NewCA(t, "example.org")
	appURL := serveMem(t, n, &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") })})
	cert, key := p.IssueFiles("spiffe://example.org/orders", "orders")
	cfg := func(allow string) string {
		return fmt.Sprintf("mode: sidecar\nidentity: {trust_domain: example.org, bundle_file: %s, svid: {cert_file: %s, key_file: %s}}\n"+
			"inbound: {listen: 127.0.0.1:0}\nroutes: [{name: r, path: /**, require: [mtls], allow: '%s', upstream: %s}]\n",
			p.BundleFile(), cert, key, allow, appURL)
	}
	path := filepath.Join(t.TempDir(), "gateway.yaml")
	if err := os.WriteFile(path, []byte(cfg("false")), 0o600); err != nil {
		t.Fatal(err)
	}
	g, err := New(context.Background(), Options{ConfigPath: path, AuditOut: io.Discard, Logger: slog.New(slog.DiscardHandler), network: n})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	reload := make(chan struct{}, 1)
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx, reload) }()
	defer func() { cancel(); <-done }()
	synctest.Wait() // Run has bound its listeners
	if !g.Ready() {
		t.Fatal("gateway did not become ready")
	}
	addr, _, _ := g.Addrs()
	tb, _ := identity.NewTrustBundle("example.org", p.CA.Bundle())
	cl := clientFor(tb.Pool(), p.Issue("spiffe://example.org/web", time.Hour))
	cl.Transport.(*http.Transport).DialContext = n.DialContext
	defer cl.CloseIdleConnections()
	status := func() int {
		resp, err := cl.Get("https://" + addr + "/x")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := status(); got != 403 {
		t.Fatalf("initial status %d, want 403", got)
	}
	if err := os.WriteFile(path, []byte(cfg("true")), 0o600); err != nil {
		t.Fatal(err)
	}
	// virtual time: the watcher looks at the file once a second from when Run started, so the
	// edit is unseen until its first look and in force right after it
	time.Sleep(time.Second - time.Nanosecond) // virtual time
	synctest.Wait()
	if got := status(); got != 403 {
		t.Fatalf("status %d before the watcher looked at the edit, want 403", got)
	}
	time.Sleep(time.Nanosecond) // virtual time
	synctest.Wait()
	if got := status(); got != 200 {
		t.Fatalf("status %d after the watcher saw the edit, want 200", got)
	}
	// Same size and a restored modification time would hide an edit from the watcher; the reload
	// request must still apply it.
	fi, _ := os.Stat(path)
	if err := os.WriteFile(path, []byte(cfg("!!!1")), 0o600); err != nil { // same size as "true", invalid
		t.Fatal(err)
	}
	_ = os.Chtimes(path, fi.ModTime(), fi.ModTime())
	reload <- struct{}{}
	synctest.Wait() // the reload request has been handled
	if got := status(); got != 200 {
		t.Fatalf("after a bad reload the previous config should stay: %d", got)
	}
	if err := os.WriteFile(path, []byte(cfg("1==2")), 0o600); err != nil { // same size, valid, denies
		t.Fatal(err)
	}
	_ = os.Chtimes(path, fi.ModTime(), fi.ModTime())
	reload <- struct{}{}
	synctest.Wait() // the reload request has been handled, with no wait for the watcher
	if got := status(); got != 403 {
		t.Fatalf("after the reload request: %d, want 403", got)
	}
}

// TestJWKSKeyProblemsAreReported serves a JWKS with one usable and one refused key (use "enc"):
// tokens of the good key pass, and the refused key shows in the metric by the watcher's first
// look, one second after the start (virtual time).
func TestJWKSKeyProblemsAreReported(t *testing.T) { synctest.Test(t, testJWKSKeyProblemsAreReported) }

func testJWKSKeyProblemsAreReported(t *testing.T) {
	n := newMemNet()
	p := identitytest.NewCA(t, "example.org")
	ln, err := n.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	idp := jwttest.NewIssuerOn(t, ln, "k1")
	jwks := idp.Server.Client()
	jwks.Transport.(*http.Transport).DialContext = n.DialContext
	b, _ := idp.Key("k1").PublicKey.Bytes()
	idp.AddJWK(map[string]string{"kty": "EC", "crv": "P-256", "kid": "encryption-key", "use": "enc",
		"x": base64.RawURLEncoding.EncodeToString(b[1:33]), "y": base64.RawURLEncoding.EncodeToString(b[33:])})
	app := serveMem(t, n, &http.Server{Handler: echoHandler("orders")})
	cert, key := p.IssueFiles("spiffe://example.org/orders", "orders")
	cfg := fmt.Sprintf(sidecarB, p.BundleFile(), cert, key, app, idp.Server.URL) + "admin:\n  listen: 127.0.0.1:0\n"
	g, _ := runMemGatewayWith(t, n, cfg, Options{AuditOut: io.Discard, JWKSClient: jwks})
	addr, _, admin := g.Addrs()
	tb, _ := identity.NewTrustBundle("example.org", p.CA.Bundle())
	now := time.Now()
	tok := idp.Token(t, "k1", map[string]any{"iss": "https://idp.test", "sub": "alice", "aud": "orders", "scope": "orders:read",
		"iat": now.Unix(), "exp": now.Add(time.Minute).Unix()})
	req, _ := http.NewRequest(http.MethodGet, "https://"+addr+"/jwt/x", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	cl := clientFor(tb.Pool(), p.Issue("spiffe://example.org/web", time.Hour))
	cl.Transport.(*http.Transport).DialContext = n.DialContext
	defer cl.CloseIdleConnections()
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("token of the good key: %d", resp.StatusCode)
	}
	want := `palisade_gateway_jwks_rejected_keys{issuer="https://idp.test"} 1`
	admCl := memClient(t, n)
	metrics := func() string {
		resp, err := admCl.Get("http://" + admin + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return string(body)
	}
	// the watcher reports key problems on its ticks, once a second from when Run started: the
	// metric must show by then (sooner would do too)
	time.Sleep(time.Second) // virtual time
	synctest.Wait()
	if body := metrics(); !strings.Contains(body, want) {
		t.Fatalf("metrics do not show %s at the watcher's first look:\n%s", want, body)
	}
}

// flipSignatureBit returns the JWT with one bit of its signature's first byte flipped: a forgery
// that always changes the signed bytes, which rewriting the base64 tail may not.
func flipSignatureBit(tok string) string {
	cut := strings.LastIndexByte(tok, '.')
	sig, err := base64.RawURLEncoding.DecodeString(tok[cut+1:])
	if err != nil || len(sig) == 0 {
		panic("flipSignatureBit: not a signed JWT")
	}
	sig[0] ^= 1
	return tok[:cut+1] + base64.RawURLEncoding.EncodeToString(sig)
}
