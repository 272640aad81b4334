package gateway

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
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

// startCAAPI serves the real issuance API over TLS on n, with the certificate the server issues
// itself, as `palisade ca serve` does, in front of h (srv.Handler() or a test's wrapper around
// it), until the test ends; it returns the API's URL and the Source that reissues that
// certificate (after a rotation). It must run in a synctest bubble.
func startCAAPI(t *testing.T, n *memNet, srv *identity.Server, h http.Handler) (string, *identity.Source) {
	t.Helper()
	src, err := identity.NewSource(context.Background(), srv.APICertificate([]string{"127.0.0.1"}, time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return serveMem(t, n, &http.Server{Handler: h, TLSConfig: identity.ServerTLSConfig(src.GetCertificate)}), src
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
// one-time join token and checks that it renews its 2-second SVID at half-life, exactly one second
// in (virtual time): new connections get a new certificate while a connection opened before the
// renewal keeps working.
func TestSidecarEnrolsAndRenewsFromCA(t *testing.T) {
	synctest.Test(t, testSidecarEnrolsAndRenewsFromCA)
}

func testSidecarEnrolsAndRenewsFromCA(t *testing.T) {
	n := newMemNet()
	p, tokens, tok, tokFile := newCAWithJoinToken(t)
	srv := identity.NewServer(p.CA, tokens, nil, 2*time.Second)
	caURL, _ := startCAAPI(t, n, srv, srv.Handler())
	tb, _ := identity.NewTrustBundle("example.org", p.CA.Bundle())

	app := serveMem(t, n, &http.Server{Handler: echoHandler("orders")})
	g, _ := runMemGateway(t, n, fmt.Sprintf(enrolCfg, p.BundleFile(), caURL, tokFile, app), io.Discard)
	addr, _, _ := g.Addrs()
	first := leafOf(g.svid.Current())
	if got := first.URIs[0].String(); got != "spiffe://example.org/orders" {
		t.Fatalf("enrolled as %s", got)
	}
	roots := tb.Pool()
	client := func() *http.Client {
		cl := clientFor(roots, p.Issue("spiffe://example.org/web", time.Hour))
		tr := cl.Transport.(*http.Transport)
		tr.DialContext = n.DialContext
		t.Cleanup(tr.CloseIdleConnections)
		return cl
	}
	old := client()
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
	renewed := func() bool { return leafOf(g.svid.Current()).SerialNumber.Cmp(first.SerialNumber) != 0 }
	time.Sleep(time.Second - time.Nanosecond) // virtual time
	synctest.Wait()
	if renewed() {
		t.Fatal("SVID renewed before half-life")
	}
	time.Sleep(time.Nanosecond) // virtual time
	synctest.Wait()
	if !renewed() {
		t.Fatal("SVID not renewed at half-life, 1s into its 2s")
	}
	if resp := get(client()); resp.TLS.PeerCertificates[0].SerialNumber.Cmp(first.SerialNumber) == 0 {
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
// /readyz reports 503 as soon as shutdown begins. It runs on virtual time over an in-memory
// network: each step waits for the gateway to be idle, not for a poll.
func TestGracefulShutdown(t *testing.T) { synctest.Test(t, testGracefulShutdown) }

func testGracefulShutdown(t *testing.T) {
	n := newMemNet()
	p := identitytest.NewCA(t, "example.org")
	started := make(chan struct{})
	release := make(chan struct{})
	slow := serveMem(t, n, &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		io.WriteString(w, "finished")
	})})
	cert, key := p.IssueFiles("spiffe://example.org/orders", "orders")
	cfg := fmt.Sprintf("mode: sidecar\nidentity: {trust_domain: example.org, bundle_file: %s, svid: {cert_file: %s, key_file: %s}}\n"+
		"inbound: {listen: 127.0.0.1:0}\nadmin: {listen: 127.0.0.1:0}\nroutes: [{name: slow, path: /**, require: [mtls], allow: 'true', upstream: %s}]\n",
		p.BundleFile(), cert, key, slow)
	path := filepath.Join(t.TempDir(), "gateway.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	g, err := New(context.Background(), Options{ConfigPath: path, AuditOut: io.Discard, Logger: slog.New(slog.DiscardHandler), network: n})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx, nil) }()
	synctest.Wait() // Run has bound its listeners
	if !g.Ready() {
		t.Fatal("gateway did not become ready")
	}
	addr, _, admin := g.Addrs()
	tb, _ := identity.NewTrustBundle("example.org", p.CA.Bundle())
	cl := clientFor(tb.Pool(), p.Issue("spiffe://example.org/web", time.Hour))
	cl.Transport.(*http.Transport).DialContext = n.DialContext
	defer cl.CloseIdleConnections()
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
	synctest.Wait() // shutdown has begun and waits for the request in flight
	if g.Ready() {
		t.Fatal("the gateway still reports ready once shutdown began")
	}
	resp, err := memClient(t, n).Get("http://" + admin + "/readyz")
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
// that the CA is unreachable and retry, and succeed once the CA comes up on its address, at the
// first retry, one second later (virtual time); a cancelled context ends the wait with an error;
// and a refused join token is not retried. Each case runs in a bubble of its own over an
// in-memory network, where nothing listening is a refused connection.
func TestEnrolWaitsForACAStartedLate(t *testing.T) {
	const caAddr = "127.0.0.1:8600"
	type setup struct {
		n      *memNet
		srv    *identity.Server
		tokens *identity.JoinTokenStore
		tok    string
		cfg    string
	}
	newSetup := func(t *testing.T) *setup {
		p, tokens, tok, tokFile := newCAWithJoinToken(t)
		cfgPath := filepath.Join(p.Dir, "gateway.yaml")
		if err := os.WriteFile(cfgPath, []byte(fmt.Sprintf(enrolCfg, p.BundleFile(), "https://"+caAddr, tokFile, "http://127.0.0.1:1")), 0o600); err != nil {
			t.Fatal(err)
		}
		return &setup{n: newMemNet(), srv: identity.NewServer(p.CA, tokens, nil, time.Hour), tokens: tokens, tok: tok, cfg: cfgPath}
	}
	// startCA serves the issuance API on caAddr.
	startCA := func(t *testing.T, s *setup) {
		src, err := identity.NewSource(context.Background(), s.srv.APICertificate([]string{"127.0.0.1"}, time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		ln, err := s.n.Listen("tcp", caAddr)
		if err != nil {
			t.Fatal(err)
		}
		hs := &http.Server{Handler: s.srv.Handler(), TLSConfig: identity.ServerTLSConfig(src.GetCertificate)}
		served := make(chan struct{})
		go func() { _ = hs.ServeTLS(ln, "", ""); close(served) }()
		t.Cleanup(func() { _ = hs.Close(); <-served })
	}
	newGateway := func(ctx context.Context, s *setup) (chan string, chan error) {
		msgs, done := make(chan string, 16), make(chan error, 1)
		go func() {
			_, err := New(ctx, Options{ConfigPath: s.cfg, AuditOut: io.Discard, Logger: slog.New(logRecorder{slog.DiscardHandler, msgs}), network: s.n})
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

	t.Run("cancelled while waiting", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s := newSetup(t)
			ctx, cancel := context.WithCancel(context.Background())
			msgs, done := newGateway(ctx, s)
			waitRetry(t, msgs, done)
			cancel()
			if err := <-done; err == nil || !strings.Contains(err.Error(), "context canceled") {
				t.Fatalf("New: %v, want the cancellation", err)
			}
		})
	})

	t.Run("CA comes up", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s := newSetup(t)
			start := time.Now()
			msgs, done := newGateway(context.Background(), s)
			waitRetry(t, msgs, done)
			startCA(t, s)
			if err := <-done; err != nil {
				t.Fatalf("New after the CA came up: %v", err)
			}
			if got := time.Since(start); got != enrolFirstWait {
				t.Errorf("enrolled %v after the start, want at the first retry, %v", got, enrolFirstWait)
			}
			if _, err := s.tokens.Redeem(s.tok); err == nil {
				t.Error("the join token was not used by the enrolment")
			}
		})
	})

	t.Run("refused token is not retried", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s := newSetup(t)
			if _, err := s.tokens.Redeem(s.tok); err != nil { // used up
				t.Fatal(err)
			}
			startCA(t, s)
			msgs, done := newGateway(context.Background(), s)
			if err := <-done; err == nil || !strings.Contains(err.Error(), "ca answered") {
				t.Fatalf("New: %v, want the CA's refusal", err)
			}
			select {
			case m := <-msgs:
				t.Errorf("logged %q: a refusal must not be retried", m)
			default:
			}
		})
	})
}
