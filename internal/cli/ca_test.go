package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/palisade-sec/palisade/internal/identity"
	"github.com/palisade-sec/palisade/internal/logtest"
	"github.com/palisade-sec/palisade/internal/memnet"
)

// run executes the real command tree in-process and returns its stdout.
func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out logtest.Buffer
	app := &App{Version: "test", Stdout: &out, Stderr: io.Discard, Logger: slog.New(slog.DiscardHandler)}
	root := Root(app)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

// background is a long-running command (ca serve, gateway run) started in-process: its stdout
// and log are readable while it runs, and stop cancels its context and returns its error.
type background struct {
	sigs     fakeSignals
	out, log logtest.Buffer
	cancel   context.CancelFunc
	done     chan error
}

func start(t *testing.T, args ...string) *background { return startOn(t, nil, args...) }

// startOn is start with the command's listeners bound on an in-memory network (nil: the
// operating system's), so a test in a synctest bubble runs the server on virtual time.
func startOn(t *testing.T, n *memnet.Network, args ...string) *background {
	t.Helper()
	b := &background{done: make(chan error, 1)}
	app := &App{Version: "test", Stdout: &b.out, Stderr: io.Discard, Logger: slog.New(slog.NewTextHandler(&b.log, nil))}
	if n != nil {
		app.listen = n.Listen
		app.notify = b.sigs.notify
	}
	root := Root(app)
	root.SetArgs(args)
	ctx, cancel := context.WithCancel(context.Background())
	b.cancel = cancel
	go func() { b.done <- root.ExecuteContext(ctx) }()
	t.Cleanup(func() { _ = b.stop(t) })
	return b
}

// fakeSignals stands in for the process's signals in a synctest bubble (App.notify): send
// delivers a signal to whoever asked for it.
type fakeSignals struct {
	mu   sync.Mutex
	subs map[os.Signal][]chan<- os.Signal
}

func (f *fakeSignals) notify(c chan<- os.Signal, sig ...os.Signal) func() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.subs == nil {
		f.subs = map[os.Signal][]chan<- os.Signal{}
	}
	for _, s := range sig {
		f.subs[s] = append(f.subs[s], c)
	}
	return func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, s := range sig {
			f.subs[s] = slices.DeleteFunc(f.subs[s], func(x chan<- os.Signal) bool { return x == c })
		}
	}
}

// send delivers s as the runtime does: without blocking, dropped where a channel is full; it
// reports how many listened.
func (f *fakeSignals) send(s os.Signal) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.subs[s] {
		select {
		case c <- s:
		default:
		}
	}
	return len(f.subs[s])
}

// waitLog waits for a log attribute (e.g. addr=) and returns its value.
func (b *background) waitLog(t *testing.T, re *regexp.Regexp) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(b.log.String()); m != nil {
			return m[1]
		}
		select {
		case err := <-b.done:
			b.done <- err
			t.Fatalf("command ended before logging %s: %v\nlog:\n%s", re, err, b.log.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("no %s in the log within 10s:\n%s", re, b.log.String())
	return ""
}

// stop cancels the command (as SIGTERM would) and waits for it to return.
func (b *background) stop(t *testing.T) error {
	t.Helper()
	if b.cancel == nil {
		return nil
	}
	b.cancel()
	b.cancel = nil
	select {
	case err := <-b.done:
		return err
	case <-time.After(20 * time.Second):
		t.Fatal("command did not stop within 20s of its context ending")
		return nil
	}
}

func fileMode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

func TestCAInit(t *testing.T) {
	passFile := filepath.Join(t.TempDir(), "pass")
	if err := os.WriteFile(passFile, []byte("file-passphrase\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		env        string
		flags      []string
		wantOut    string
		wantKeyPEM string
		loadWith   identity.Passphrase
	}{
		{name: "unsealed", flags: []string{"--insecure-unsealed"}, wantOut: "keys unsealed", wantKeyPEM: "-----BEGIN PRIVATE KEY-----"},
		{name: "passphrase file", flags: []string{"--passphrase-file", passFile}, wantOut: "sealed with the passphrase",
			wantKeyPEM: "-----BEGIN PALISADE ENCRYPTED PRIVATE KEY-----", loadWith: "file-passphrase"},
		{name: "passphrase env", env: "env-passphrase", wantOut: "sealed with the passphrase",
			wantKeyPEM: "-----BEGIN PALISADE ENCRYPTED PRIVATE KEY-----", loadWith: "env-passphrase"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setPassphraseEnv(t, tt.env)
			dir := filepath.Join(t.TempDir(), "ca")
			args := append([]string{"ca", "init", "--dir", dir, "--trust-domain", "example.org"}, tt.flags...)
			out, err := run(t, args...)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out, tt.wantOut) || !strings.Contains(out, "example.org") {
				t.Errorf("output %q lacks %q", out, tt.wantOut)
			}
			for _, f := range []string{"ca.json", "root.crt", "intermediate.crt", "bundle.pem"} {
				if m := fileMode(t, filepath.Join(dir, f)); m != 0o644 {
					t.Errorf("%s mode %v, want 0644", f, m)
				}
			}
			for _, f := range []string{"root.key", "intermediate.key"} {
				if m := fileMode(t, filepath.Join(dir, f)); m != 0o600 {
					t.Errorf("%s mode %v, want 0600", f, m)
				}
				b, _ := os.ReadFile(filepath.Join(dir, f))
				if !strings.HasPrefix(string(b), tt.wantKeyPEM) {
					t.Errorf("%s starts %.50q, want %q", f, b, tt.wantKeyPEM)
				}
			}
			if _, err := identity.Load(dir, tt.loadWith); err != nil {
				t.Errorf("load with the passphrase used at init: %v", err)
			}
			if tt.loadWith != "" {
				if _, err := identity.Load(dir, "wrong"); err == nil {
					t.Error("sealed keys opened with a wrong passphrase")
				}
			}
			_, err = run(t, args...)
			if err == nil || !strings.Contains(err.Error(), "already holds a CA") || ExitCode(err) != 2 {
				t.Errorf("init over an existing CA: %v", err)
			}
		})
	}
	if _, err := run(t, "ca", "init", "--dir", t.TempDir()); err == nil || !strings.Contains(err.Error(), "trust-domain") {
		t.Errorf("init without --trust-domain: %v", err)
	}
	if _, err := run(t, "ca", "init", "--dir", t.TempDir(), "--trust-domain", "Not A Domain", "--insecure-unsealed"); err == nil || ExitCode(err) != 2 || !strings.Contains(err.Error(), "trust domain") {
		t.Errorf("init with an invalid trust domain: %v", err)
	}
}

// setPassphraseEnv sets PALISADE_CA_PASSPHRASE for the test, or unsets it when v is empty (an
// empty value is an error, not "no passphrase").
func setPassphraseEnv(t *testing.T, v string) {
	t.Helper()
	t.Setenv(envCAPassphrase, v) // restores the variable after the test
	if v == "" {
		os.Unsetenv(envCAPassphrase)
	}
}

// An empty or blank passphrase, from a file or the environment, is an error and writes nothing;
// unsealed keys need --insecure-unsealed, which conflicts with a passphrase.
func TestCAInitRefusesEmptyPassphrases(t *testing.T) {
	tmp := t.TempDir()
	file := func(name, body string) string {
		p := filepath.Join(tmp, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	empty, blank, good := file("empty", ""), file("blank", " \t\n"), file("good", "a long passphrase\n")
	for _, tc := range []struct {
		name  string
		env   *string
		flags []string
		want  string
	}{
		{"empty file", nil, []string{"--passphrase-file", empty}, "empty or only whitespace"},
		{"whitespace file", nil, []string{"--passphrase-file", blank}, "empty or only whitespace"},
		{"empty env", ptr(""), nil, "PALISADE_CA_PASSPHRASE: the passphrase is empty"},
		{"blank env", ptr("   "), nil, "PALISADE_CA_PASSPHRASE: the passphrase is empty"},
		{"no passphrase at all", nil, nil, "--insecure-unsealed"},
		{"unsealed and a passphrase", nil, []string{"--passphrase-file", good, "--insecure-unsealed"}, "conflicts"},
		{"empty file even with --insecure-unsealed", nil, []string{"--passphrase-file", empty, "--insecure-unsealed"}, "empty or only whitespace"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			setPassphraseEnv(t, "")
			if tc.env != nil {
				t.Setenv(envCAPassphrase, *tc.env)
			}
			dir := filepath.Join(t.TempDir(), "ca")
			_, err := run(t, append([]string{"ca", "init", "--dir", dir, "--trust-domain", "example.org"}, tc.flags...)...)
			if err == nil || ExitCode(err) != 2 || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want exit 2 mentioning %q", err, tc.want)
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a refused init left %s behind (%v)", dir, err)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// ca token mints only for the trust domain of a CA that exists in --dir.
func TestCATokenNeedsTheCAsTrustDomain(t *testing.T) {
	dir := newCLICA(t)
	if _, err := run(t, "ca", "token", "--dir", dir, "--spiffe-id", "spiffe://example.org/web"); err != nil {
		t.Fatalf("token for the CA's own domain: %v", err)
	}
	for _, tc := range []struct{ name, dir, id, want string }{
		{"foreign trust domain", dir, "spiffe://evil.example/web", "not in the trust domain of the CA"},
		{"no CA in the directory", t.TempDir(), "spiffe://example.org/web", "holds no CA"},
		{"a directory that does not exist", filepath.Join(t.TempDir(), "nope"), "spiffe://example.org/web", "holds no CA"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := run(t, "ca", "token", "--dir", tc.dir, "--spiffe-id", tc.id)
			if err == nil || ExitCode(err) != 2 || !strings.Contains(err.Error(), tc.want) || out != "" {
				t.Fatalf("out %q, err %v; want no token and exit 2 mentioning %q", out, err, tc.want)
			}
			if tc.dir != dir {
				if _, err := os.Stat(filepath.Join(tc.dir, "join-tokens.json")); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("a refused token was stored (%v)", err)
				}
			}
		})
	}
}

// newCLICA runs `ca init` into a fresh directory (unsealed) and returns it.
func newCLICA(t *testing.T) string {
	t.Helper()
	setPassphraseEnv(t, "")
	dir := filepath.Join(t.TempDir(), "ca")
	if _, err := run(t, "ca", "init", "--dir", dir, "--trust-domain", "example.org", "--insecure-unsealed"); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestCAIssueTokenRotatePrune(t *testing.T) {
	dir := newCLICA(t)
	tb, err := identity.LoadTrustBundle("example.org", filepath.Join(dir, "bundle.pem"))
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	tests := []struct {
		name    string
		args    []string
		wantErr string
		wantID  string
		wantIP  string
	}{
		{name: "workload", args: []string{"--spiffe-id", "spiffe://example.org/web"}, wantID: "spiffe://example.org/web"},
		{name: "server with an IP", args: []string{"--spiffe-id", "spiffe://example.org/api", "--dns", "127.0.0.1,api.local"}, wantID: "spiffe://example.org/api", wantIP: "127.0.0.1"},
		{name: "other trust domain", args: []string{"--spiffe-id", "spiffe://other.org/web"}, wantErr: "not in trust domain"},
		{name: "not a spiffe id", args: []string{"--spiffe-id", "https://example.org/web"}, wantErr: "--spiffe-id"},
		{name: "lifetime too long", args: []string{"--spiffe-id", "spiffe://example.org/web", "--ttl", "48h"}, wantErr: "exceeds the maximum"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cert, key := filepath.Join(out, tt.name+".pem"), filepath.Join(out, tt.name+".key")
			args := append([]string{"ca", "issue", "--dir", dir, "--cert", cert, "--key", key}, tt.args...)
			stdout, err := run(t, args...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || ExitCode(err) != 2 {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(stdout, tt.wantID) {
				t.Errorf("output %q does not name %s", stdout, tt.wantID)
			}
			if m := fileMode(t, key); m != 0o600 {
				t.Errorf("key mode %v, want 0600", m)
			}
			pair, err := tls.LoadX509KeyPair(cert, key)
			if err != nil {
				t.Fatal(err)
			}
			id, err := tb.VerifySVID(chainOf(t, &pair), time.Now())
			if err != nil || id.String() != tt.wantID {
				t.Fatalf("issued %v, %v; want %s verifying against bundle.pem", id, err, tt.wantID)
			}
			if tt.wantIP != "" && (len(pair.Leaf.IPAddresses) != 1 || pair.Leaf.IPAddresses[0].String() != tt.wantIP) {
				t.Errorf("IP SANs %v, want %s", pair.Leaf.IPAddresses, tt.wantIP)
			}
		})
	}

	tok, err := run(t, "ca", "token", "--dir", dir, "--spiffe-id", "spiffe://example.org/orders")
	if err != nil {
		t.Fatal(err)
	}
	tok = strings.TrimSpace(tok)
	if tok == "" || strings.Contains(tok, "\n") {
		t.Fatalf("token output %q: want exactly one token", tok)
	}
	stored, _ := os.ReadFile(filepath.Join(dir, "join-tokens.json"))
	if strings.Contains(string(stored), tok) {
		t.Error("join-tokens.json stores the token in the clear")
	}
	if _, err := run(t, "ca", "token", "--dir", dir, "--spiffe-id", "spiffe://example.org"); err == nil {
		t.Error("a token for an ID without a path was minted")
	}

	rot, err := run(t, "ca", "rotate", "--dir", dir, "--insecure-unsealed")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rot, "holds 2 roots") || !strings.Contains(rot, "cross-signed") {
		t.Errorf("rotate output: %q", rot)
	}
	if _, err := run(t, "ca", "prune-bundle", "--dir", dir); err != nil {
		t.Fatal(err)
	}
	pruned, err := identity.LoadTrustBundle("example.org", filepath.Join(dir, "bundle.pem"))
	if err != nil || len(pruned.Roots()) != 1 || pruned.Equal(tb) {
		t.Errorf("after prune-bundle: %v roots, err %v; want only the new root", len(pruned.Roots()), err)
	}
}

func chainOf(t *testing.T, c *tls.Certificate) []*x509.Certificate {
	t.Helper()
	var out []*x509.Certificate
	for _, der := range c.Certificate {
		x, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, x)
	}
	return out
}

var addrRE = regexp.MustCompile(`msg="ca serving" addr=(\S+)`)

// TestCAServe runs `ca serve` on an in-memory network in a synctest bubble, enrols a workload
// against it with a token from `ca token`, renews with the SVID, and checks that a `ca rotate` on
// disk is picked up by the running server at its next directory check, one second later in
// virtual time (it serves the two-root bundle and reissues its own certificate from the new
// intermediate, which a client trusting only the old root still verifies) before a clean stop.
func TestCAServe(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := memnet.New()
		dir := newCLICA(t)
		tok, err := run(t, "ca", "token", "--dir", dir, "--spiffe-id", "spiffe://example.org/orders")
		if err != nil {
			t.Fatal(err)
		}
		srv := startOn(t, n, "ca", "serve", "--dir", dir, "--listen", "127.0.0.1:0", "--name", "127.0.0.1", "--svid-ttl", "10m")
		addr := srv.waitLog(t, addrRE)
		tb, err := identity.LoadTrustBundle("example.org", filepath.Join(dir, "bundle.pem"))
		if err != nil {
			t.Fatal(err)
		}
		cl := &identity.Client{URL: "https://" + addr, Bundle: tb, DialContext: n.DialContext}
		ctx := context.Background()
		is, err := cl.Fetch(ctx, identity.Attestation{Type: identity.AttestJoinToken, Token: strings.TrimSpace(tok)}, nil)
		if err != nil {
			t.Fatalf("enrol: %v", err)
		}
		if got := is.Cert.Leaf.URIs[0].String(); got != "spiffe://example.org/orders" {
			t.Errorf("enrolled as %s", got)
		}
		if is.BundleErr != nil || !is.Bundle.Equal(tb) {
			t.Errorf("bundle in the answer: %v", is.BundleErr)
		}
		if d := time.Until(is.Cert.Leaf.NotAfter); d > 10*time.Minute || d < 9*time.Minute {
			t.Errorf("SVID lives %s, want --svid-ttl 10m", d)
		}
		if _, err := cl.Fetch(ctx, identity.Attestation{Type: identity.AttestJoinToken, Token: strings.TrimSpace(tok)}, nil); err == nil || !strings.Contains(err.Error(), "401") {
			t.Errorf("second use of the join token: %v", err)
		}
		if _, err := cl.Fetch(ctx, identity.Attestation{Type: identity.AttestSVID}, is.Cert); err != nil {
			t.Errorf("renewal: %v", err)
		}

		// apiCert is the API's certificate as a client that trusts only the old root sees it.
		apiCert := func() *x509.Certificate {
			raw, err := n.DialContext(ctx, "tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			c := tls.Client(raw, &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: tb.Pool(), ServerName: "127.0.0.1"})
			defer c.Close()
			if err := c.HandshakeContext(ctx); err != nil {
				t.Fatalf("API handshake trusting the old root: %v", err)
			}
			return c.ConnectionState().PeerCertificates[0]
		}
		first := apiCert()
		if _, err := run(t, "ca", "rotate", "--dir", dir, "--insecure-unsealed"); err != nil {
			t.Fatal(err)
		}
		rotated, err := identity.Load(dir, "")
		if err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if got, err := cl.FetchBundle(ctx); err != nil || len(got.Roots()) != 1 || !apiCert().Equal(first) {
			t.Fatalf("the server changed CA before its next directory check: bundle %v, %v", got, err)
		}
		time.Sleep(time.Second) // virtual: the server's directory check
		synctest.Wait()
		if got, err := cl.FetchBundle(ctx); err != nil || len(got.Roots()) != 2 {
			t.Errorf("bundle after the rotation was picked up: %v, %v\nlog:\n%s", got, err, srv.log.String())
		}
		if err := apiCert().CheckSignatureFrom(rotated.Intermediate()); err != nil {
			t.Errorf("the API certificate was not reissued from the rotated intermediate: %v", err)
		}
		if err := srv.stop(t); err != nil {
			t.Errorf("ca serve after cancel: %v", err)
		}
		if _, err := cl.FetchBundle(ctx); err == nil {
			t.Error("the API still answers after the command stopped")
		}
	})
}

// ca serve says when it starts, reloads and stops even when the application's logger shows only
// warnings (as main's does): those lines then go to stderr.
func TestCAServeLogsLifecycle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := newCLICA(t)
		var stderr logtest.Buffer
		var sigs fakeSignals
		app := &App{Version: "test", Stdout: io.Discard, Stderr: &stderr, listen: memnet.New().Listen, notify: sigs.notify,
			Logger: slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn}))}
		root := Root(app)
		root.SetArgs([]string{"ca", "serve", "--dir", dir, "--listen", "127.0.0.1:0", "--name", "127.0.0.1"})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		done := make(chan error, 1)
		go func() { done <- root.ExecuteContext(ctx) }()
		saw := func(what string) {
			t.Helper()
			synctest.Wait()
			if !strings.Contains(stderr.String(), what) {
				t.Fatalf("no %q on stderr:\n%s", what, stderr.String())
			}
		}
		saw(`msg="ca serving"`)
		if _, err := run(t, "ca", "rotate", "--dir", dir, "--insecure-unsealed"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second) // virtual: the server's directory check
		saw(`msg="ca reloaded"`)
		if n := sigs.send(syscall.SIGHUP); n != 1 {
			t.Fatalf("%d listeners for SIGHUP, want 1", n)
		}
		synctest.Wait()
		if got := strings.Count(stderr.String(), `msg="ca reloaded"`); got != 2 {
			t.Errorf("%d reloads after SIGHUP, want 2:\n%s", got, stderr.String())
		}
		sigs.send(syscall.SIGTERM)
		if err := <-done; err != nil {
			t.Errorf("ca serve after SIGTERM: %v", err)
		}
		saw(`msg="ca stopped" reason="terminated signal received"`)
		if n := sigs.send(syscall.SIGHUP) + sigs.send(syscall.SIGTERM); n != 0 {
			t.Errorf("%d signal listeners left after the server stopped", n)
		}
	})
}
