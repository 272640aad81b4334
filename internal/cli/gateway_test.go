package cli

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
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/palisade-sec/palisade/internal/identity"
	"github.com/palisade-sec/palisade/internal/identity/identitytest"
	"github.com/palisade-sec/palisade/internal/logtest"
)

var inboundRE = regexp.MustCompile(`msg="gateway serving" .*inbound=(\S+)`)

// mtlsClient presents the SVID in certFile/keyFile and verifies the sidecar's SVID (the
// orders service's) against the bundle.
func mtlsClient(t *testing.T, tb *identity.TrustBundle, certFile, keyFile string) *http.Client {
	t.Helper()
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	return identitytest.Client(tb.Pool(), &pair, "spiffe://example.org/orders")
}

// TestGatewayRun serves a request through `gateway run -c` to a local upstream over mTLS with
// identities from `ca issue`, refuses a caller the route does not allow, writes the audit log to
// stdout, and stops cleanly (listener closed, nil error) when its context ends.
func TestGatewayRun(t *testing.T) {
	dir := newCLICA(t)
	files := t.TempDir()
	issue := func(id, name string) (string, string) {
		cert, key := filepath.Join(files, name+".pem"), filepath.Join(files, name+".key")
		if _, err := run(t, "ca", "issue", "--dir", dir, "--spiffe-id", id, "--cert", cert, "--key", key); err != nil {
			t.Fatal(err)
		}
		return cert, key
	}
	gwCert, gwKey := issue("spiffe://example.org/orders", "orders")
	webCert, webKey := issue("spiffe://example.org/web", "web")
	evilCert, evilKey := issue("spiffe://example.org/batch", "batch")
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "orders app saw %s at %s", r.Header.Get("X-Palisade-Spiffe-Id"), r.URL.Path)
	}))
	t.Cleanup(upstream.Close)
	cfg := writeSidecarConfig(t, files, filepath.Join(dir, "bundle.pem"), gwCert, gwKey, fmt.Sprintf(`routes:
  - name: orders
    path: /orders/**
    require: [mtls]
    allow: source.spiffe_id == "spiffe://example.org/web"
    upstream: %s
audit:
  path: "-"
`, upstream.URL))
	if out, err := run(t, "gateway", "check", "-c", cfg); err != nil || !strings.Contains(out, "ok (sidecar mode, 1 routes") {
		t.Fatalf("gateway check: %q, %v", out, err)
	}
	gw := start(t, "gateway", "run", "-c", cfg)
	addr := gw.waitLog(t, inboundRE)
	tb, err := identity.LoadTrustBundle("example.org", filepath.Join(dir, "bundle.pem"))
	if err != nil {
		t.Fatal(err)
	}
	get := func(cl *http.Client) (int, string) {
		t.Helper()
		resp, err := cl.Get("https://" + addr + "/orders/42")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get(mtlsClient(t, tb, webCert, webKey)); code != http.StatusOK || body != "orders app saw spiffe://example.org/web at /orders/42" {
		t.Errorf("allowed caller: %d %q", code, body)
	}
	if code, _ := get(mtlsClient(t, tb, evilCert, evilKey)); code != http.StatusForbidden {
		t.Errorf("caller the rule does not allow: status %d, want 403", code)
	}

	if err := gw.stop(t); err != nil {
		t.Fatalf("gateway run after cancel: %v", err)
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Error("the inbound listener still accepts connections after shutdown")
	}
	audit := gw.out.String()
	for _, want := range []string{`"spiffe_id":"spiffe://example.org/web"`, `"spiffe_id":"spiffe://example.org/batch"`, `"route":"orders"`} {
		if !strings.Contains(audit, want) {
			t.Errorf("audit log on stdout lacks %s:\n%s", want, audit)
		}
	}
	if n := strings.Count(audit, "\n"); n != 2 {
		t.Errorf("audit log has %d records, want 2:\n%s", n, audit)
	}
}

// TestGatewayBadConfig checks that `gateway run` and `gateway check` refuse a bad file with an
// error naming the file, the line and the field, and exit code 2, before binding anything.
func TestGatewayBadConfig(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{name: "unknown key", yaml: "mode: sidecar\nidentity:\n  trust_domain: example.org\n  bundel_file: b.pem\n",
			want: []string{":4:3: ", "identity.bundel_file", `unknown key "bundel_file"`}},
		{name: "bad mode", yaml: "mode: bridge\nidentity: {trust_domain: example.org, bundle_file: b.pem, svid: {cert_file: c, key_file: k}}\ninbound: {listen: 127.0.0.1:0}\n",
			want: []string{":1:7: mode: "}},
		{name: "bad rule", yaml: "mode: sidecar\nidentity: {trust_domain: example.org, bundle_file: b.pem, svid: {cert_file: c, key_file: k}}\ninbound: {listen: 127.0.0.1:0}\nroutes:\n  - name: r\n    path: /**\n    require: [mtls]\n    allow: 'source.spiffe_id =='\n    upstream: http://127.0.0.1:1\n",
			want: []string{":8:12: routes[0].allow: "}},
		{name: "not yaml", yaml: "mode: [sidecar\n", want: []string{":2: invalid YAML"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "gateway.yaml")
			if err := os.WriteFile(path, []byte(tt.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			for _, cmd := range []string{"run", "check"} {
				_, err := run(t, "gateway", cmd, "-c", path)
				if err == nil || ExitCode(err) != 2 {
					t.Fatalf("gateway %s: err = %v, want exit code 2", cmd, err)
				}
				for _, w := range append([]string{path}, tt.want...) {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("gateway %s: error %q does not name %q", cmd, err, w)
					}
				}
			}
		})
	}
	if _, err := run(t, "gateway", "run", "-c", filepath.Join(t.TempDir(), "missing.yaml")); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("missing config: %v", err)
	}
}

// TestGatewayEnrolsWithCAServe wires the two commands together as an operator would: `ca serve`
// on a free loopback port, a join token from `ca token`, and `gateway run` enrolling with it and
// then serving a caller over mTLS.
func TestGatewayEnrolsWithCAServe(t *testing.T) {
	dir := newCLICA(t)
	files := t.TempDir()
	tok, err := run(t, "ca", "token", "--dir", dir, "--spiffe-id", "spiffe://example.org/orders")
	if err != nil {
		t.Fatal(err)
	}
	tokFile, bundle := filepath.Join(files, "token"), filepath.Join(files, "bundle.pem")
	pem, _ := os.ReadFile(filepath.Join(dir, "bundle.pem"))
	if err := os.WriteFile(tokFile, []byte(tok), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bundle, pem, 0o644); err != nil {
		t.Fatal(err)
	}
	webCert, webKey := filepath.Join(files, "web.pem"), filepath.Join(files, "web.key")
	if _, err := run(t, "ca", "issue", "--dir", dir, "--spiffe-id", "spiffe://example.org/web", "--cert", webCert, "--key", webKey); err != nil {
		t.Fatal(err)
	}
	ca := start(t, "ca", "serve", "--dir", dir, "--listen", "127.0.0.1:0", "--name", "127.0.0.1")
	caAddr := ca.waitLog(t, addrRE)
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello from orders")
	}))
	t.Cleanup(upstream.Close)
	cfg := filepath.Join(files, "gateway.yaml")
	yaml := fmt.Sprintf("mode: sidecar\nidentity:\n  trust_domain: example.org\n  bundle_file: %s\n  svid: {ca_url: https://%s, join_token_file: %s}\n"+
		"inbound: {listen: 127.0.0.1:0}\naudit: {path: %s}\nroutes: [{name: all, path: /**, require: [mtls], allow: 'true', upstream: %s}]\n",
		bundle, caAddr, tokFile, filepath.Join(files, "audit.jsonl"), upstream.URL)
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	gw := start(t, "gateway", "run", "-c", cfg)
	addr := gw.waitLog(t, inboundRE)
	tb, err := identity.LoadTrustBundle("example.org", bundle)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := mtlsClient(t, tb, webCert, webKey).Get("https://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(b) != "hello from orders" {
		t.Errorf("through the enrolled sidecar: %d %q", resp.StatusCode, b)
	}
	if err := gw.stop(t); err != nil {
		t.Errorf("gateway run: %v", err)
	}
	if err := ca.stop(t); err != nil {
		t.Errorf("ca serve: %v", err)
	}
}

// TestGatewayRunLogsItsLifecycle runs `gateway run` with the logger the binary gets (Warn and
// up, on stderr) and checks that it still reports its start (config, mode, listeners), a
// refused reload with its reason, and its shutdown; and that --log-level is validated.
func TestGatewayRunLogsItsLifecycle(t *testing.T) {
	dir := newCLICA(t)
	files := t.TempDir()
	cert, key := filepath.Join(files, "gw.pem"), filepath.Join(files, "gw.key")
	if _, err := run(t, "ca", "issue", "--dir", dir, "--spiffe-id", "spiffe://example.org/orders", "--cert", cert, "--key", key); err != nil {
		t.Fatal(err)
	}
	routes := fmt.Sprintf(`routes:
  - name: all
    path: /**
    allow: 'true'
    upstream: http://127.0.0.1:1
audit:
  path: %s
`, filepath.Join(files, "audit.jsonl"))
	cfg := writeSidecarConfig(t, files, filepath.Join(dir, "bundle.pem"), cert, key, routes)
	yaml, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var log logtest.Buffer
	app := &App{Version: "test", Stdout: io.Discard, Stderr: io.Discard,
		Logger: slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	root := Root(app)
	root.SetArgs([]string{"gateway", "run", "-c", cfg})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	waitFor := func(re string) {
		t.Helper()
		rx := regexp.MustCompile(re)
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
			if rx.MatchString(log.String()) {
				return
			}
			select {
			case err := <-done:
				done <- err
				if rx.MatchString(log.String()) {
					return
				}
				t.Fatalf("gateway run ended (%v) before logging %s:\n%s", err, re, log.String())
			case <-time.After(20 * time.Millisecond):
			}
		}
		t.Fatalf("no %s in the log within 10s:\n%s", re, log.String())
	}
	waitFor(`level=INFO msg="gateway serving" mode=sidecar config=` + regexp.QuoteMeta(cfg) + ` inbound=127\.0\.0\.1:\d+`)
	if err := os.WriteFile(cfg, append(yaml, "bogus: 1\n"...), 0o600); err != nil {
		t.Fatal(err)
	}
	waitFor(`level=ERROR msg="config reload failed; the previous configuration stays in force" err=.*bogus: unknown key`)
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("gateway run: %v", err)
	}
	for _, want := range []string{`msg="gateway shutting down"`, `msg="gateway stopped"`} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, log.String())
		}
	}

	if _, err := run(t, "gateway", "run", "-c", cfg, "--log-level", "loud"); err == nil || !strings.Contains(err.Error(), "--log-level") {
		t.Errorf("--log-level loud: %v, want an error naming the flag", err)
	}
}

// writeSidecarConfig writes dir/gateway.yaml: a sidecar with the given trust bundle and SVID files,
// listening on a free loopback port, followed by rest (routes, audit, …). It returns the path.
func writeSidecarConfig(t *testing.T, dir, bundle, cert, key, rest string) string {
	t.Helper()
	cfg := filepath.Join(dir, "gateway.yaml")
	yaml := fmt.Sprintf(`mode: sidecar
identity:
  trust_domain: example.org
  bundle_file: %s
  svid: {cert_file: %s, key_file: %s}
inbound:
  listen: 127.0.0.1:0
`, bundle, cert, key) + rest
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg
}
