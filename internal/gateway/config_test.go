package gateway

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-sec/palisade/internal/config/strictyaml"
)

const validEdge = `mode: edge
identity:
  trust_domain: example.org
  bundle_file: bundle.pem
  svid: {cert_file: svid.pem, key_file: svid.key}
inbound:
  listen: 0.0.0.0:443
  tls: {cert_file: public.pem, key_file: public.key}
jwt:
  cookie: session
  issuers:
    - issuer: https://idp.example
      jwks_url: https://idp.example/jwks
      algorithms: [ES256, RS256]
      audiences: [shop]
routes:
  - name: orders
    host: shop.example
    methods: [GET, POST]
    path: /orders/**
    require: [jwt]
    allow: '"orders:read" in jwt.scopes'
    upstream: https://127.0.0.1:9443
    upstream_spiffe_id: spiffe://example.org/orders
audit:
  path: /var/log/palisade/audit.jsonl
admin:
  listen: 127.0.0.1:9901
`

func TestParseConfigValid(t *testing.T) {
	cfg, err := ParseConfig("gateway.yaml", []byte(validEdge))
	if err != nil {
		t.Fatal(err)
	}
	got := struct {
		Mode, ClientCerts, Header string
		Routes                    int
		Require                   []string
	}{cfg.Mode, cfg.Inbound.ClientCerts, cfg.JWT.Header, len(cfg.Routes), cfg.Routes[0].Require}
	want := struct {
		Mode, ClientCerts, Header string
		Routes                    int
		Require                   []string
	}{"edge", "optional", "Authorization", 1, []string{"jwt"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("config (-want +got):\n%s", d)
	}
}

func TestParseConfigErrors(t *testing.T) {
	tests := []struct {
		name      string
		edit      func(string) string
		wantLine  int
		wantField string
		wantMsg   string
	}{
		{name: "unknown top-level key", edit: func(s string) string { return s + "tracing: on\n" }, wantLine: 29, wantField: "tracing", wantMsg: `unknown key "tracing"`},
		{name: "bundle refresh without a ca", edit: func(s string) string {
			return strings.Replace(s, "svid: {cert_file: svid.pem, key_file: svid.key}", "svid: {cert_file: svid.pem, key_file: svid.key, bundle_refresh: 1m}", 1)
		}, wantLine: 5, wantField: "identity.svid.bundle_refresh", wantMsg: "only applies with ca_url"},
		{name: "bundle refresh too often", edit: func(s string) string {
			return strings.Replace(s, "svid: {cert_file: svid.pem, key_file: svid.key}", "svid: {ca_url: 'https://ca.test', join_token_file: t, bundle_refresh: 1s}", 1)
		}, wantLine: 5, wantField: "identity.svid.bundle_refresh", wantMsg: "at least 10s"},
		{name: "h2c upgrade", edit: func(s string) string {
			return strings.Replace(s, "    require: [jwt]\n", "    require: [jwt]\n    upgrades: [websocket, h2c]\n", 1)
		}, wantLine: 22, wantField: "routes[0].upgrades[1]", wantMsg: "h2c is never allowed"},
		{name: "unknown upgrade", edit: func(s string) string {
			return strings.Replace(s, "    require: [jwt]\n", "    require: [jwt]\n    upgrades: [WebSockets]\n", 1)
		}, wantLine: 22, wantField: "routes[0].upgrades[0]", wantMsg: `"WebSockets": unknown protocol; want one of websocket`},
		{name: "unknown http1 server", edit: func(s string) string { return s + "http1_server: fasthttp\n" }, wantLine: 29, wantField: "http1_server", wantMsg: `"fasthttp": want palisade or net/http`},
		{name: "unknown route key", edit: func(s string) string {
			return strings.Replace(s, "    require: [jwt]\n", "    require: [jwt]\n    rquire: [mtls]\n", 1)
		}, wantLine: 22, wantField: "routes[0].rquire", wantMsg: `unknown key "rquire"`},
		{name: "wrong type", edit: func(s string) string { return strings.Replace(s, "methods: [GET, POST]", "methods: GET", 1) }, wantLine: 19, wantField: "routes[0].methods", wantMsg: "want a list"},
		{name: "bad mode", edit: func(s string) string { return strings.Replace(s, "mode: edge", "mode: mesh", 1) }, wantLine: 1, wantField: "mode", wantMsg: `"mesh"`},
		{name: "bad cel", edit: func(s string) string { return strings.Replace(s, `'"orders:read" in jwt.scopes'`, `'jwt.scopes +'`, 1) }, wantLine: 22, wantField: "routes[0].allow", wantMsg: "cel"},
		{name: "non-bool cel", edit: func(s string) string { return strings.Replace(s, `'"orders:read" in jwt.scopes'`, `'1 + 2'`, 1) }, wantLine: 22, wantField: "routes[0].allow", wantMsg: "want bool"},
		{name: "missing allow", edit: func(s string) string {
			return strings.Replace(s, "    allow: '\"orders:read\" in jwt.scopes'\n", "", 1)
		}, wantLine: 17, wantField: "routes[0].allow", wantMsg: "required"},
		{name: "bad path pattern", edit: func(s string) string { return strings.Replace(s, "/orders/**", "/orders/**/x", 1) }, wantLine: 20, wantField: "routes[0].path"},
		{name: "https upstream without id", edit: func(s string) string {
			return strings.Replace(s, "    upstream_spiffe_id: spiffe://example.org/orders\n", "", 1)
		}, wantLine: 17, wantField: "routes[0].upstream_spiffe_id"},
		{name: "upstream id of another domain", edit: func(s string) string {
			return strings.Replace(s, "spiffe://example.org/orders", "spiffe://evil.org/orders", 1)
		}, wantLine: 24, wantField: "routes[0].upstream_spiffe_id"},
		{name: "hmac algorithm", edit: func(s string) string { return strings.Replace(s, "[ES256, RS256]", "[HS256]", 1) }, wantLine: 12, wantField: "jwt.issuers[0]", wantMsg: "shared secret"},
		{name: "no audience", edit: func(s string) string { return strings.Replace(s, "      audiences: [shop]\n", "", 1) }, wantLine: 12, wantField: "jwt.issuers[0]", wantMsg: "audiences"},
		{name: "admin on all interfaces", edit: func(s string) string { return strings.Replace(s, "127.0.0.1:9901", "0.0.0.0:9901", 1) }, wantLine: 28, wantField: "admin.listen"},
		{name: "edge without public certificate", edit: func(s string) string {
			return strings.Replace(s, "  tls: {cert_file: public.pem, key_file: public.key}\n", "", 1)
		}, wantField: "inbound.tls"},
		{name: "require unknown", edit: func(s string) string { return strings.Replace(s, "require: [jwt]", "require: [magic]", 1) }, wantLine: 21, wantField: "routes[0].require[0]"},
		{name: "two documents", edit: func(s string) string { return s + "---\nmode: edge\n" }, wantLine: 29, wantMsg: "a second YAML document"},
		{name: "syntax error", edit: func(s string) string { return strings.Replace(s, "mode: edge", "mode: [edge", 1) }, wantMsg: "did not find expected"},
		{name: "empty", edit: func(string) string { return "" }, wantMsg: "empty file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig("gateway.yaml", []byte(tt.edit(validEdge)))
			if err == nil {
				t.Fatal("ParseConfig accepted the file")
			}
			if !strings.HasPrefix(err.Error(), "gateway.yaml") {
				t.Errorf("error does not name the file: %v", err)
			}
			var ce *strictyaml.Error
			if !errors.As(err, &ce) {
				t.Fatalf("error is not a *strictyaml.Error: %v", err)
			}
			if tt.wantLine != 0 && ce.Pos.Line != tt.wantLine {
				t.Errorf("line = %d, want %d (%v)", ce.Pos.Line, tt.wantLine, err)
			}
			if tt.wantField != "" && ce.Field != tt.wantField {
				t.Errorf("field = %q, want %q (%v)", ce.Field, tt.wantField, err)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not contain %q", err, tt.wantMsg)
			}
		})
	}
}

// TestLoadConfigReadsABoundedAmount: a config path that never ends (a device, a pipe) is
// refused once it passes the size limit; before, the whole of it was read into memory first.
func TestLoadConfigReadsABoundedAmount(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	_, err := LoadConfig("/dev/zero")
	if err == nil || err.Error() != "load gateway config: read /dev/zero: larger than the 4194304-byte limit" {
		t.Fatalf("LoadConfig(/dev/zero) = %v, want the size error", err)
	}
}
