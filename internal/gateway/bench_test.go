package gateway

import (
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/palisade-sec/palisade/internal/identity/identitytest"
	"github.com/palisade-sec/palisade/internal/jwtauth/jwttest"
)

// BenchmarkEdgeToSidecar measures one request through both gateways with every control on:
// TLS + ES256 JWT + CEL + audit at the edge, mTLS with SVIDs to the sidecar, SVID check + CEL +
// audit there. Run with -cpuprofile to see where the time goes.
func BenchmarkEdgeToSidecar(b *testing.B) {
	p := identitytest.NewCA(b, "example.org")
	idp := jwttest.NewIssuer(b, "k1")
	app := echoApp(b, "orders")
	bCert, bKey := p.IssueFiles("spiffe://example.org/orders", "orders")
	sidecar := strings.Replace(sidecarB, `source.spiffe_id == "spiffe://example.org/web"`, `source.spiffe_id == "spiffe://example.org/edge"`, 1)
	sidecar = strings.Replace(sidecar, "audiences: [orders]", "audiences: [orders, shop]", 1) // it re-validates the user's token
	gB, _ := startGateway(b, fmt.Sprintf(sidecar, p.BundleFile(), bCert, bKey, app.URL, idp.Server.URL), idp.Server.Client(), io.Discard)
	bAddr, _, _ := gB.Addrs()
	eCert, eKey := p.IssueFiles("spiffe://example.org/edge", "edge")
	pubCert, pubKey := publicCert(p)
	edge := strings.Replace(edgeCfg, "cookie: session", "header: Authorization", 1)
	gE, _ := startGateway(b, fmt.Sprintf(edge, p.BundleFile(), eCert, eKey, pubCert, pubKey, idp.Server.URL, bAddr), idp.Server.Client(), io.Discard)
	eAddr, _, _ := gE.Addrs()
	roots := x509.NewCertPool()
	roots.AddCert(p.CA.Bundle()[0])
	cl := clientFor(roots, nil)
	now := time.Now()
	tok := idp.Token(b, "k1", map[string]any{"iss": "https://idp.test", "sub": "bob", "aud": "shop", "scope": "orders:read",
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix()})
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodGet, "https://"+eAddr+"/orders/1", nil)
			req.Host = "shop.localhost"
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := cl.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
}

// BenchmarkSidecarHop sends requests one at a time, directly to an upstream and through a
// sidecar with every control on (mTLS with SVIDs, ES256 JWT, CEL over both, audit), so the
// difference is the latency one gateway hop adds at low load. It reports p50 and p99 per path.
func BenchmarkSidecarHop(b *testing.B) {
	p := identitytest.NewCA(b, "example.org")
	idp := jwttest.NewIssuer(b, "k1")
	app := echoApp(b, "orders")
	cert, key := p.IssueFiles("spiffe://example.org/orders", "orders")
	g, _ := startGateway(b, fmt.Sprintf(sidecarB, p.BundleFile(), cert, key, app.URL, idp.Server.URL), idp.Server.Client(), io.Discard)
	addr, _, _ := g.Addrs()
	roots := x509.NewCertPool()
	roots.AddCert(p.CA.Bundle()[0])
	now := time.Now()
	tok := idp.Token(b, "k1", map[string]any{"iss": "https://idp.test", "sub": "alice", "aud": "orders", "scope": "orders:read",
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix()})
	for _, tc := range []struct {
		name, url string
		cl        *http.Client
	}{
		{"direct", app.URL + "/jwt/x", &http.Client{}},
		{"sidecar", "https://" + addr + "/jwt/x", clientFor(roots, p.Issue("spiffe://example.org/web", time.Hour))},
	} {
		b.Run(tc.name, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			for i := 0; i < b.N; i++ {
				req, _ := http.NewRequest(http.MethodGet, tc.url, nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				t0 := time.Now()
				resp, err := tc.cl.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lat = append(lat, time.Since(t0))
				if resp.StatusCode != 200 {
					b.Fatalf("status %d", resp.StatusCode)
				}
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
		})
	}
}

// BenchmarkRule is one authorization decision with the benchmark's rule (the JWT scope and
// subject checks bench/gateway.sh configures), activation reuse included.
func BenchmarkRule(b *testing.B) {
	r, err := compileRule(`"bench:read" in jwt.scopes && jwt.sub == "bench-user" && source.spiffe_id.startsWith("spiffe://bench.local/")`)
	if err != nil {
		b.Fatal(err)
	}
	in := &Input{SPIFFEID: "spiffe://bench.local/client", SourceAddr: "127.0.0.1:5000", Method: "GET", Host: "api", Path: "/x",
		JWT: &JWTInfo{Subject: "bench-user", Issuer: "https://idp.bench", Scopes: []string{"openid", "bench:read"}}}
	b.ReportAllocs()
	for b.Loop() {
		ok, err := r.Allow(in)
		if err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}
