package gateway

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/palisade-sec/palisade/internal/identity/identitytest"
	"github.com/palisade-sec/palisade/internal/jwtauth/jwttest"
)

// TestAdminPprof checks that runtime profiles are served only when admin.pprof is on, and then
// as real pprof data (gzip-compressed protobuf), with bad parameters refused.
func TestAdminPprof(t *testing.T) {
	p := identitytest.NewCA(t, "example.org")
	idp := jwttest.NewIssuer(t, "k1")
	app := echoApp(t, "orders")
	cert, key := p.IssueFiles("spiffe://example.org/orders", "orders")
	base := fmt.Sprintf(sidecarB, p.BundleFile(), cert, key, app.URL, idp.Server.URL)
	gzipMagic := []byte{0x1f, 0x8b}
	for _, tc := range []struct {
		name   string
		admin  string
		path   string
		status int
		pprof  bool // the body must be a pprof profile
	}{
		{"off by default: cpu", "admin:\n  listen: 127.0.0.1:0\n", "/debug/pprof/profile?seconds=1", 404, false},
		{"off by default: heap", "admin:\n  listen: 127.0.0.1:0\n", "/debug/pprof/heap", 404, false},
		{"off when false", "admin:\n  listen: 127.0.0.1:0\n  pprof: false\n", "/debug/pprof/heap", 404, false},
		{"on: cpu", "admin:\n  listen: 127.0.0.1:0\n  pprof: true\n", "/debug/pprof/profile?seconds=1", 200, true},
		{"on: heap", "admin:\n  listen: 127.0.0.1:0\n  pprof: true\n", "/debug/pprof/heap", 200, true},
		{"on: bad seconds", "admin:\n  listen: 127.0.0.1:0\n  pprof: true\n", "/debug/pprof/profile?seconds=0", 400, false},
		{"on: unknown profile", "admin:\n  listen: 127.0.0.1:0\n  pprof: true\n", "/debug/pprof/nope", 404, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, _ := startGateway(t, base+tc.admin, idp.Server.Client(), io.Discard)
			_, _, admin := g.Addrs()
			resp, err := http.Get("http://" + admin + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d (%q)", resp.StatusCode, tc.status, body)
			}
			if got := bytes.HasPrefix(body, gzipMagic); got != tc.pprof {
				t.Errorf("body is a pprof profile: %v, want %v (%d bytes)", got, tc.pprof, len(body))
			}
		})
	}
}
