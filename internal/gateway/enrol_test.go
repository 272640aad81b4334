package gateway

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/palisade-sec/palisade/internal/identity"
	"github.com/palisade-sec/palisade/internal/identity/identitytest"
)

const enrolCfg = `mode: sidecar
identity:
  trust_domain: example.org
  bundle_file: %[1]s
  svid: {ca_url: %[2]s, join_token_file: %[3]s}
inbound:
  listen: 127.0.0.1:0
routes:
  - name: all
    path: /**
    require: [mtls]
    allow: 'true'
    upstream: %[4]s
`

// startCAAPI serves the real issuance API on loopback TLS with the certificate the server issues
// itself, as `palisade ca serve` does, in front of h (srv.Handler() or a test's wrapper around
// it); the returned Source reissues the certificate (after a rotation).
func startCAAPI(t *testing.T, srv *identity.Server, h http.Handler) (*httptest.Server, *identity.Source) {
	t.Helper()
	src, err := identity.NewSource(context.Background(), srv.APICertificate([]string{"127.0.0.1"}, time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(h)
	hs.TLS = identity.ServerTLSConfig(src.GetCertificate)
	// httptest installs its own certificate when none is set and crypto/tls prefers it on a
	// connection without SNI: serve through a per-connection config holding only GetCertificate.
	hs.TLS.GetConfigForClient = func(*tls.ClientHelloInfo) (*tls.Config, error) {
		return identity.ServerTLSConfig(src.GetCertificate), nil
	}
	hs.StartTLS()
	t.Cleanup(hs.Close)
	return hs, src
}

// newCAWithJoinToken makes a test CA for example.org with a join-token store, and writes a
// one-time token for spiffe://example.org/orders to a file beside it.
func newCAWithJoinToken(t *testing.T) (p *identitytest.CA, tokens *identity.JoinTokenStore, tok, tokFile string) {
	t.Helper()
	p = identitytest.NewCA(t, "example.org")
	tokens = identity.NewJoinTokenStore(filepath.Join(p.Dir, "join-tokens.json"), nil)
	sid, _ := identity.ParseID("spiffe://example.org/orders")
	tok, err := tokens.Create(sid, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	tokFile = filepath.Join(p.Dir, "token")
	if err := os.WriteFile(tokFile, []byte(tok+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p, tokens, tok, tokFile
}

// TestSidecarEnrolsAndRenewsFromCA starts the real issuance API, lets a sidecar enrol with a
// one-time join token and checks that it renews its 2-second SVID at half-life: new connections
// get a new certificate while a connection opened before the renewal keeps working.
func TestSidecarEnrolsAndRenewsFromCA(t *testing.T) {
	p, tokens, tok, tokFile := newCAWithJoinToken(t)
	srv := identity.NewServer(p.CA, tokens, nil, 2*time.Second)
	caSrv, _ := startCAAPI(t, srv, srv.Handler())
	tb, _ := identity.NewTrustBundle("example.org", p.CA.Bundle())

	app := echoApp(t, "orders")
	g, _ := startGateway(t, fmt.Sprintf(enrolCfg, p.BundleFile(), caSrv.URL, tokFile, app.URL), nil, io.Discard)
	addr, _, _ := g.Addrs()
	first := leafOf(g.svid.Current())
	if got := first.URIs[0].String(); got != "spiffe://example.org/orders" {
		t.Fatalf("enrolled as %s", got)
	}
	roots := tb.Pool()
	old := clientFor(roots, p.Issue("spiffe://example.org/web", time.Hour))
	get := func(cl *http.Client) *http.Response {
		t.Helper()
		resp, err := cl.Get("https://" + addr + "/x")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		return resp
	}
	get(old) // opens a connection with the first SVID
	deadline := time.Now().Add(6 * time.Second)
	for leafOf(g.svid.Current()).SerialNumber.Cmp(first.SerialNumber) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("SVID not renewed within 6s of a 2s lifetime")
		}
		// real sockets and time: enrolment with the CA over HTTPS, and identity.Client dials the
		// operating system's network (it takes no dialer a synctest bubble could give it)
		time.Sleep(50 * time.Millisecond)
	}
	fresh := clientFor(roots, p.Issue("spiffe://example.org/web", time.Hour))
	if resp := get(fresh); resp.TLS.PeerCertificates[0].SerialNumber.Cmp(first.SerialNumber) == 0 {
		t.Error("a new connection still got the first SVID after renewal")
	}
	if resp := get(old); resp.TLS.PeerCertificates[0].SerialNumber.Cmp(first.SerialNumber) != 0 {
		t.Error("the connection opened before renewal was replaced")
	}
	if _, err := tokens.Redeem(tok); err == nil {
		t.Error("the join token can be redeemed a second time")
	}
}

// TestGracefulShutdown checks that a request in flight when shutdown starts completes, and that
// /readyz reports 503 as soon as shutdown begins.
func TestGracefulShutdown(t *testing.T) {
	p := identitytest.NewCA(t, "example.org")
	started := make(chan struct{})
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		io.WriteString(w, "finished")
	}))
	t.Cleanup(slow.Close)
	cert, key := p.IssueFiles("spiffe://example.org/orders", "orders")
	cfg := fmt.Sprintf("mode: sidecar\nidentity: {trust_domain: example.org, bundle_file: %s, svid: {cert_file: %s, key_file: %s}}\n"+
		"inbound: {listen: 127.0.0.1:0}\nadmin: {listen: 127.0.0.1:0}\nroutes: [{name: slow, path: /**, require: [mtls], allow: 'true', upstream: %s}]\n",
		p.BundleFile(), cert, key, slow.URL)
	path := filepath.Join(t.TempDir(), "gateway.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	g, err := New(context.Background(), Options{ConfigPath: path, AuditOut: io.Discard, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx, nil) }()
	for !g.Ready() {
		// real sockets and time: enrolment with the CA over HTTPS through identity.Client, which
		// dials the operating system's network; polls
		time.Sleep(10 * time.Millisecond)
	}
	addr, _, admin := g.Addrs()
	tb, _ := identity.NewTrustBundle("example.org", p.CA.Bundle())
	cl := clientFor(tb.Pool(), p.Issue("spiffe://example.org/web", time.Hour))
	type result struct {
		body string
		err  error
	}
	res := make(chan result, 1)
	go func() {
		resp, err := cl.Get("https://" + addr + "/slow")
		if err != nil {
			res <- result{err: err}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		res <- result{body: string(b)}
	}()
	<-started
	cancel()
	for g.Ready() {
		// real sockets and time: enrolment with the CA over HTTPS through identity.Client, which
		// dials the operating system's network; polls
		time.Sleep(5 * time.Millisecond)
	}
	resp, err := http.Get("http://" + admin + "/readyz")
	if err != nil {
		t.Fatalf("admin listener closed while requests drain: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz during shutdown: %d, want 503", resp.StatusCode)
	}
	close(release)
	r := <-res
	if r.err != nil || !strings.Contains(r.body, "finished") {
		t.Fatalf("in-flight request: %q, %v", r.body, r.err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
}

// logRecorder is a slog handler that hands each record's message to msgs.
type logRecorder struct {
	slog.Handler
	msgs chan string
}

func (logRecorder) Enabled(context.Context, slog.Level) bool { return true }

func (h logRecorder) Handle(_ context.Context, r slog.Record) error {
	select {
	case h.msgs <- r.Message:
	default:
	}
	return nil
}

// TestEnrolWaitsForACAStartedLate starts a sidecar whose CA is not listening yet: New must log
// that the CA is unreachable and retry, and succeed once the CA comes up on its address; a
// cancelled context ends the wait with an error; and a refused join token is not retried.
func TestEnrolWaitsForACAStartedLate(t *testing.T) {
	p, tokens, _, tokFile := newCAWithJoinToken(t)
	srv := identity.NewServer(p.CA, tokens, nil, time.Hour)
	ln, err := net.Listen("tcp", "127.0.0.1:0") // the CA's address, reserved and not yet served
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cfgPath := filepath.Join(p.Dir, "gateway.yaml")
	if err := os.WriteFile(cfgPath, []byte(fmt.Sprintf(enrolCfg, p.BundleFile(), "https://"+addr, tokFile, "http://127.0.0.1:1")), 0o600); err != nil {
		t.Fatal(err)
	}
	newGateway := func(ctx context.Context) (chan string, chan error) {
		msgs, done := make(chan string, 16), make(chan error, 1)
		go func() {
			_, err := New(ctx, Options{ConfigPath: cfgPath, AuditOut: io.Discard, Logger: slog.New(logRecorder{slog.DiscardHandler, msgs})})
			done <- err
		}()
		return msgs, done
	}
	// waitRetry waits for the first retry to be logged; New must not have returned before.
	waitRetry := func(t *testing.T, msgs chan string, done chan error) {
		t.Helper()
		select {
		case m := <-msgs:
			if m != "ca not reachable; retrying enrolment" {
				t.Fatalf("logged %q", m)
			}
		case err := <-done:
			t.Fatalf("New returned %v instead of retrying", err)
		}
	}

	outer := t
	t.Run("cancelled while waiting", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		msgs, done := newGateway(ctx)
		waitRetry(t, msgs, done)
		cancel()
		if err := <-done; err == nil || !strings.Contains(err.Error(), "context canceled") {
			t.Fatalf("New: %v, want the cancellation", err)
		}
	})

	t.Run("CA comes up", func(t *testing.T) {
		msgs, done := newGateway(context.Background())
		waitRetry(t, msgs, done)
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Skipf("the CA's address was taken meanwhile: %v", err)
		}
		hs := httptest.NewUnstartedServer(srv.Handler())
		hs.Listener.Close()
		hs.Listener = ln
		src, err := identity.NewSource(context.Background(), srv.APICertificate([]string{"127.0.0.1"}, time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		hs.TLS = identity.ServerTLSConfig(src.GetCertificate)
		hs.TLS.GetConfigForClient = func(*tls.ClientHelloInfo) (*tls.Config, error) {
			return identity.ServerTLSConfig(src.GetCertificate), nil
		}
		hs.StartTLS()
		outer.Cleanup(hs.Close) // the next case needs the CA too
		if err := <-done; err != nil {
			t.Fatalf("New after the CA came up: %v", err)
		}
	})

	t.Run("refused token is not retried", func(t *testing.T) {
		// the token was used up by the enrolment above
		msgs, done := newGateway(context.Background())
		if err := <-done; err == nil || !strings.Contains(err.Error(), "ca answered") {
			t.Fatalf("New: %v, want the CA's refusal", err)
		}
		select {
		case m := <-msgs:
			t.Errorf("logged %q: a refusal must not be retried", m)
		default:
		}
	})
}
