package gateway

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/palisade-sec/palisade/internal/identity"
	"github.com/palisade-sec/palisade/internal/identity/identitytest"
)

// enrolledSidecar is a sidecar that enrols with a real issuance API, with its own copy of the
// bootstrap bundle (the gateway writes accepted bundles back to it). Sidecar, CA, app and
// clients meet on an in-memory network: it lives in a synctest bubble.
type enrolledSidecar struct {
	n          *memNet
	p          *identitytest.CA
	srv        *identity.Server
	api        *identity.Source
	caURL      string
	bundleFile string
	cfg        string
}

func newEnrolledSidecar(t *testing.T, h func(real http.Handler) http.Handler) *enrolledSidecar {
	t.Helper()
	p, tokens, _, tokFile := newCAWithJoinToken(t)
	bundleFile := filepath.Join(t.TempDir(), "bundle.pem")
	if err := os.WriteFile(bundleFile, p.CA.BundlePEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := identity.NewServer(p.CA, tokens, nil, time.Hour)
	var handler http.Handler = srv.Handler()
	if h != nil {
		handler = h(handler)
	}
	n := newMemNet()
	caURL, api := startCAAPI(t, n, srv, handler)
	app := serveMem(t, n, &http.Server{Handler: echoHandler("orders")})
	return &enrolledSidecar{n: n, p: p, srv: srv, api: api, caURL: caURL, bundleFile: bundleFile,
		cfg: fmt.Sprintf(enrolCfg, bundleFile, caURL, tokFile, app)}
}

// reload makes the API serve what is on disk now, as `palisade ca serve` does after a rotation
// or a prune, and issue test clients from it.
func (e *enrolledSidecar) reload(t *testing.T) {
	t.Helper()
	next, err := identity.Load(e.p.Dir, "")
	if err != nil {
		t.Fatal(err)
	}
	e.srv.SetCA(next)
	e.p.CA = next
	if err := e.api.Renew(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// countingClient is clientFor, on e's network, with a count of the connections it opened.
func countingClient(t *testing.T, e *enrolledSidecar, cert *tls.Certificate, dials *atomic.Int32) *http.Client {
	tb, _ := identity.NewTrustBundle("example.org", e.p.CA.Bundle())
	cl := clientFor(tb.Pool(), cert)
	tr := cl.Transport.(*http.Transport)
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return e.n.DialContext(ctx, network, addr)
	}
	t.Cleanup(tr.CloseIdleConnections)
	return cl
}

func call(cl *http.Client, addr string) error {
	resp, err := cl.Get("https://" + addr + "/x")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

func rootsOf(t *testing.T, path string) int {
	t.Helper()
	tb, err := identity.LoadTrustBundle("example.org", path)
	if err != nil {
		t.Fatal(err)
	}
	return len(tb.Roots())
}

// TestTrustBundleRotation runs a whole root rotation over real TLS (on an in-memory network, on
// virtual time): the gateway enrolled with a join token learns the overlapping bundle from the CA,
// accepts clients of both generations while the roots overlap, keeps an open keep-alive
// connection through the refresh, and refuses the old generation once the CA has pruned the old
// root and the gateway refreshed.
func TestTrustBundleRotation(t *testing.T) { synctest.Test(t, testTrustBundleRotation) }

func testTrustBundleRotation(t *testing.T) {
	e := newEnrolledSidecar(t, nil)
	g, _ := runMemGateway(t, e.n, e.cfg, io.Discard)
	addr, _, _ := g.Addrs()
	ctx := context.Background()
	oldGen := e.p.Issue("spiffe://example.org/web", time.Hour)
	var keepDials atomic.Int32
	keep := countingClient(t, e, oldGen, &keepDials)
	if err := call(keep, addr); err != nil {
		t.Fatalf("old generation before rotation: %v", err)
	}

	if _, err := identity.Rotate(e.p.Dir, identity.InitOptions{}); err != nil {
		t.Fatal(err)
	}
	e.reload(t)
	newGen := e.p.Issue("spiffe://example.org/web", time.Hour)
	if len(newGen.Certificate) != 3 {
		t.Fatalf("new-generation chain has %d certificates, want leaf, intermediate, cross", len(newGen.Certificate))
	}
	newGenPlain := *newGen // without the cross certificate: only the new root vouches for it
	newGenPlain.Certificate = newGen.Certificate[:2]
	var dials atomic.Int32
	if err := call(countingClient(t, e, &newGenPlain, &dials), addr); err == nil {
		t.Fatal("a new-generation client was accepted before the gateway learnt the new root")
	}
	if err := call(countingClient(t, e, newGen, &dials), addr); err != nil {
		t.Errorf("a new-generation client with the cross-signed intermediate, before the refresh: %v", err)
	}

	if err := g.RefreshBundle(ctx); err != nil {
		t.Fatalf("refresh after rotation: %v", err)
	}
	if n := len(g.bundle.Load().Roots()); n != 2 {
		t.Fatalf("gateway trusts %d roots after the refresh, want old and new", n)
	}
	if n := rootsOf(t, e.bundleFile); n != 2 {
		t.Errorf("bundle_file holds %d roots after the refresh, want the persisted overlap bundle", n)
	}
	for name, c := range map[string]*tls.Certificate{"new generation": &newGenPlain, "old generation": oldGen} {
		if err := call(countingClient(t, e, c, &dials), addr); err != nil {
			t.Errorf("%s during the overlap: %v", name, err)
		}
	}
	if err := call(keep, addr); err != nil {
		t.Fatalf("keep-alive connection after the refresh: %v", err)
	}
	if n := keepDials.Load(); n != 1 {
		t.Errorf("the keep-alive client opened %d connections across the refresh, want 1", n)
	}
	if err := g.Reload(); err != nil {
		t.Fatal(err)
	}
	if n := len(g.bundle.Load().Roots()); n != 2 {
		t.Errorf("a config reload put back a bundle of %d roots", n)
	}

	// Pruning is for after every workload renewed onto the new chain; the gateway renews at
	// half-life, here now.
	if err := g.svid.(*caSource).Renew(ctx); err != nil {
		t.Fatal(err)
	}
	if leafOf(g.svid.Current()).CheckSignatureFrom(e.p.CA.Intermediate()) != nil {
		t.Fatal("the gateway's renewed SVID is not from the new intermediate")
	}
	if _, err := identity.PruneBundle(e.p.Dir, ""); err != nil {
		t.Fatal(err)
	}
	e.reload(t)
	if err := g.RefreshBundle(ctx); err != nil {
		t.Fatalf("refresh after prune: %v", err)
	}
	if n := len(g.bundle.Load().Roots()); n != 1 {
		t.Fatalf("gateway trusts %d roots after the prune, want 1", n)
	}
	if err := call(countingClient(t, e, oldGen, &dials), addr); err == nil {
		t.Error("an old-generation client was accepted after the old root was pruned")
	}
	// the old generation's keep-alive connection, verified at its handshake against the old
	// root, is refused on its next request: a prune does not wait for connections to idle out
	if err := call(keep, addr); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("old-generation keep-alive connection after the prune: %v, want 401", err)
	}
	if n := keepDials.Load(); n != 1 {
		t.Errorf("the keep-alive client opened %d connections, want its first one refused in place", n)
	}
	if err := call(countingClient(t, e, &newGenPlain, &dials), addr); err != nil {
		t.Errorf("new generation after the prune: %v", err)
	}
	if got := metricValue(t, g.metrics.certExpiry.WithLabelValues("trust_bundle")); got != float64(e.p.CA.Bundle()[0].NotAfter.Unix()) {
		t.Errorf("trust_bundle expiry metric = %v, want the new root's expiry", got)
	}
}

// TestTrustBundleRefusals checks that a CA answering with a bundle the gateway must not take —
// another trust domain's, garbage, empty, or one that does not cover the CA itself, on the bundle
// endpoint or in an SVID answer — leaves the gateway on its current bundle, in memory and on
// disk, and is counted. It runs on virtual time over an in-memory network.
func TestTrustBundleRefusals(t *testing.T) { synctest.Test(t, testTrustBundleRefusals) }

func testTrustBundleRefusals(t *testing.T) {
	var mode atomic.Value
	mode.Store("real")
	foreign := identitytest.NewCA(t, "other.org")
	e := newEnrolledSidecar(t, func(real http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/v1/svid" {
				m := mode.Load().(string)
				if !strings.HasPrefix(m, "svid answer") {
					real.ServeHTTP(w, r)
					return
				}
				rec := httptest.NewRecorder()
				real.ServeHTTP(rec, r)
				var ans identity.IssueResponse
				if err := json.Unmarshal(rec.Body.Bytes(), &ans); err != nil {
					http.Error(w, err.Error(), http.StatusInternalServerError)
					return
				}
				switch m {
				case "svid answer for another trust domain":
					ans.TrustDomain, ans.TrustBundle = "other.org", string(foreign.CA.BundlePEM())
				case "svid answer with garbage bundle":
					ans.TrustBundle = "garbage"
				}
				json.NewEncoder(w).Encode(ans)
				return
			}
			if r.URL.Path != "/v1/bundle" {
				real.ServeHTTP(w, r)
				return
			}
			switch mode.Load().(string) {
			case "other trust domain":
				w.Header().Set(identity.TrustDomainHeader, "other.org")
				w.Write(foreign.CA.BundlePEM())
			case "foreign roots under our name":
				w.Header().Set(identity.TrustDomainHeader, "example.org")
				w.Write(foreign.CA.BundlePEM())
			case "garbage":
				w.Header().Set(identity.TrustDomainHeader, "example.org")
				w.Write([]byte("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n"))
			case "empty":
				w.Header().Set(identity.TrustDomainHeader, "example.org")
			case "server error":
				http.Error(w, "boom", http.StatusInternalServerError)
			default:
				real.ServeHTTP(w, r)
			}
		})
	})
	g, _ := runMemGateway(t, e.n, e.cfg, io.Discard)
	before := g.bundle.Load()
	disk, err := os.ReadFile(e.bundleFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.RefreshBundle(context.Background()); err != nil {
		t.Fatalf("refresh from the real API: %v", err)
	}
	tests := []struct{ mode, wantErr string }{
		{"other trust domain", `declared for trust domain "other.org"`},
		{"foreign roots under our name", "does not trust the ca api's certificate"},
		{"garbage", "pem block 1"},
		{"empty", "no certificates"},
		{"server error", "500"},
	}
	// one gateway meets every refusal in turn (subtests cannot run in a synctest bubble)
	for _, tt := range tests {
		mode.Store(tt.mode)
		err := g.RefreshBundle(context.Background())
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: RefreshBundle = %v, want %q", tt.mode, err, tt.wantErr)
		}
		if g.bundle.Load() != before {
			t.Errorf("%s: the gateway replaced its bundle", tt.mode)
		}
		if now, _ := os.ReadFile(e.bundleFile); string(now) != string(disk) {
			t.Errorf("%s: bundle_file was rewritten", tt.mode)
		}
	}
	// The same rules apply to the bundle in an SVID answer; the SVID itself is still taken.
	src := g.svid.(*caSource)
	for _, m := range []string{"svid answer for another trust domain", "svid answer with garbage bundle"} {
		mode.Store(m)
		serial := leafOf(src.Current()).SerialNumber
		if err := src.Renew(context.Background()); err != nil {
			t.Fatalf("%s: renewal failed: %v", m, err)
		}
		if leafOf(src.Current()).SerialNumber.Cmp(serial) == 0 {
			t.Errorf("%s: the SVID was not renewed", m)
		}
		if g.bundle.Load() != before {
			t.Errorf("%s: the gateway replaced its bundle", m)
		}
	}
	b := src.bundles
	if got, want := metricValue(t, b.updates.WithLabelValues("failed")), float64(len(tests)+2); got != want {
		t.Errorf("failed updates counted %v, want %v", got, want)
	}
	if got := metricValue(t, b.updates.WithLabelValues("unchanged")); got < 2 {
		t.Errorf("unchanged updates counted %v, want the enrolment and the first refresh", got)
	}
}

// TestTrustBundleRefreshLoop checks that the periodic refresh runs by itself: after a rotation the
// gateway trusts both roots without anyone calling RefreshBundle or renewing its SVID, from the
// loop's first tick (virtual time), not before.
func TestTrustBundleRefreshLoop(t *testing.T) { synctest.Test(t, testTrustBundleRefreshLoop) }

func testTrustBundleRefreshLoop(t *testing.T) {
	const every = 50 * time.Millisecond
	e := newEnrolledSidecar(t, nil)
	path := filepath.Join(t.TempDir(), "gateway.yaml")
	if err := os.WriteFile(path, []byte(e.cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	g, err := New(context.Background(), Options{ConfigPath: path, AuditOut: io.Discard, Logger: slog.New(slog.DiscardHandler), network: e.n})
	if err != nil {
		t.Fatal(err)
	}
	g.svid.(*caSource).bundles.every = every
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx, nil) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	if _, err := identity.Rotate(e.p.Dir, identity.InitOptions{}); err != nil {
		t.Fatal(err)
	}
	e.reload(t)
	time.Sleep(every - time.Nanosecond) // virtual time
	synctest.Wait()
	if n := len(g.bundle.Load().Roots()); n != 1 {
		t.Fatalf("the gateway trusts %d roots before the refresh loop's first tick, want 1", n)
	}
	time.Sleep(time.Nanosecond) // virtual time
	synctest.Wait()
	if n := len(g.bundle.Load().Roots()); n != 2 {
		t.Fatalf("the gateway trusts %d roots after the refresh loop's first tick, want old and new", n)
	}
}

// metricValue reads a counter's or gauge's current value.
func metricValue(t *testing.T, m prometheus.Metric) float64 {
	t.Helper()
	var d dto.Metric
	if err := m.Write(&d); err != nil {
		t.Fatal(err)
	}
	if d.Counter != nil {
		return d.Counter.GetValue()
	}
	return d.Gauge.GetValue()
}
