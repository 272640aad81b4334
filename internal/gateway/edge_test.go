package gateway

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/palisade-sec/palisade/internal/identity/identitytest"
	"github.com/palisade-sec/palisade/internal/jwtauth/jwttest"
)

const edgeCfg = `mode: edge
identity:
  trust_domain: example.org
  bundle_file: %[1]s
  svid: {cert_file: %[2]s, key_file: %[3]s}
inbound:
  listen: 127.0.0.1:0
  tls: {cert_file: %[4]s, key_file: %[5]s}
jwt:
  cookie: session
  issuers:
    - issuer: https://idp.test
      jwks_url: %[6]s/jwks
      algorithms: [ES256]
      audiences: [shop]
routes:
  - name: shop
    host: shop.localhost
    path: /orders/**
    require: [jwt]
    allow: '"orders:read" in jwt.scopes'
    upstream: https://%[7]s
    upstream_spiffe_id: spiffe://example.org/orders
admin:
  listen: 127.0.0.1:0
`

// TestEdgeHTTP2ToSidecar drives the edge over HTTP/2 with a JWT in a cookie; the edge originates
// mTLS with its own SVID to the orders sidecar, which admits spiffe://example.org/edge only.
func TestEdgeHTTP2ToSidecar(t *testing.T) {
	p := identitytest.NewCA(t, "example.org")
	idp := jwttest.NewIssuer(t, "k1")
	orders := echoApp(t, "orders")
	bCert, bKey := p.IssueFiles("spiffe://example.org/orders", "orders")
	sidecar := strings.Replace(sidecarB, `source.spiffe_id == "spiffe://example.org/web"`, `source.spiffe_id == "spiffe://example.org/edge"`, 1)
	gB, _ := startGateway(t, fmt.Sprintf(sidecar, p.BundleFile(), bCert, bKey, orders.URL, idp.Server.URL), idp.Server.Client(), io.Discard)
	bAddr, _, _ := gB.Addrs()

	eCert, eKey := p.IssueFiles("spiffe://example.org/edge", "edge")
	pubCert, pubKey := publicCert(p)
	gE, _ := startGateway(t, fmt.Sprintf(edgeCfg, p.BundleFile(), eCert, eKey, pubCert, pubKey, idp.Server.URL, bAddr), idp.Server.Client(), io.Discard)
	eAddr, _, admin := gE.Addrs()
	_, port, _ := net.SplitHostPort(eAddr)

	roots := x509.NewCertPool()
	roots.AddCert(p.CA.Bundle()[0])
	cl := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{ForceAttemptHTTP2: true,
		TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: roots},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, eAddr)
		}}}
	now := time.Now()
	tok := idp.Token(t, "k1", map[string]any{"iss": "https://idp.test", "sub": "bob", "aud": "shop", "scope": "orders:read",
		"iat": now.Unix(), "exp": now.Add(time.Minute).Unix()})
	tests := []struct {
		name, host, cookie string
		wantStatus         int
		wantBody           string
	}{
		{name: "jwt cookie over http2", host: "shop.localhost", cookie: tok, wantStatus: 200, wantBody: "orders saw spiffe://example.org/edge sub= "}, // the sidecar strips X-Palisade-* from callers and re-validates tokens itself,
		{name: "no token", host: "shop.localhost", wantStatus: 401, wantBody: "jwt_required"},
		{name: "other host", host: "localhost", cookie: tok, wantStatus: 404, wantBody: "no_route"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, "https://"+tt.host+":"+port+"/orders/1", nil)
			if tt.cookie != "" {
				req.AddCookie(&http.Cookie{Name: "session", Value: tt.cookie})
			}
			resp, err := cl.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.ProtoMajor != 2 {
				t.Errorf("protocol %s, want HTTP/2", resp.Proto)
			}
			if resp.StatusCode != tt.wantStatus || !strings.Contains(string(body), tt.wantBody) {
				t.Fatalf("got %d %q, want %d with %q", resp.StatusCode, body, tt.wantStatus, tt.wantBody)
			}
		})
	}

	t.Run("optional client certificates: an invalid one is still refused", func(t *testing.T) {
		foreign := identitytest.NewCA(t, "other.org").Issue("spiffe://other.org/web", time.Hour)
		tcfg := &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: roots, ServerName: "shop.localhost", Certificates: []tls.Certificate{*foreign}}
		conn, err := tls.Dial("tcp", eAddr, tcfg)
		if err == nil {
			// TLS 1.3 reports the client-certificate verdict on the first read.
			_, err = conn.Write([]byte("GET / HTTP/1.1\r\nHost: shop.localhost\r\n\r\n"))
			if err == nil {
				_, err = conn.Read(make([]byte, 1))
			}
			conn.Close()
		}
		if err == nil {
			t.Fatal("the edge accepted a client certificate from another trust domain")
		}
	})

	t.Run("admin endpoints", func(t *testing.T) {
		for path, want := range map[string]string{
			"/healthz": "ok",
			"/readyz":  "ready",
			"/metrics": `palisade_gateway_requests_total{code="200",decision="allow",direction="inbound",route="shop"} 1`,
		} {
			resp, err := http.Get("http://" + admin + path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
				t.Errorf("%s: %d, want a body containing %q:\n%s", path, resp.StatusCode, want, body)
			}
			if path == "/metrics" {
				for _, m := range []string{`palisade_gateway_decisions_total{decision="deny",reason="jwt_required"} 1`,
					`palisade_gateway_certificate_expiry_timestamp_seconds{certificate="svid"}`,
					`palisade_gateway_certificate_expiry_timestamp_seconds{certificate="trust_bundle"}`,
					`palisade_gateway_request_duration_seconds_bucket{direction="inbound",route="shop"`} {
					if !strings.Contains(string(body), m) {
						t.Errorf("/metrics lacks %s", m)
					}
				}
			}
		}
	})
}

// publicCert stands in for the edge's public certificate: a TLS server certificate for
// shop.localhost (from the test CA, as a public CA would issue one).
func publicCert(p *identitytest.CA) (string, string) {
	return p.IssueServerFiles("spiffe://example.org/edge-public", []string{"shop.localhost", "localhost"}, "public")
}
