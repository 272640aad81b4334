package gateway

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// FuzzParseConfig feeds arbitrary YAML to the strict config decoder and validator: it must return
// a config or a *strictyaml.Error naming the file, never panic.
func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(validEdge))
	f.Add([]byte("mode: sidecar\nroutes: [{name: a, path: /**, allow: 'true', upstream: 'http://127.0.0.1:1'}]\n"))
	f.Add([]byte("a: &x [*x]\n"))
	f.Add([]byte("mode: [\n"))
	f.Add([]byte("mode: sidecar\ntimeouts: {client_body: 1ns, idle: -1s, upstream_read: 1h, read_header: [1]}\nroutes: [{name: a, path: /**, allow: 'true', upstream: 'http://127.0.0.1:1'}]\n"))
	f.Add([]byte("mode: sidecar\nroutes: [{name: a, path: /**, allow: 'true', upstream: 'http://127.0.0.1:1', upgrades: [websocket, h2c], allow_encoded_slash: true}]\n"))
	f.Add([]byte("mode: sidecar\nlimits: {max_request_body: 1.5 GB}\naudit: {fail_closed: true}\nroutes: [{name: a, path: /**, allow: 'true', upstream: 'http://127.0.0.1:1', max_request_body: [x]}]\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, err := ParseConfig("fuzz.yaml", b)
		if err != nil && !strings.HasPrefix(err.Error(), "fuzz.yaml") {
			t.Fatalf("error does not name the file: %v", err)
		}
	})
}

// FuzzPathMatch checks that patterns and paths never panic, that "/**" matches every clean path,
// and that a literal pattern matches its own path.
func FuzzPathMatch(f *testing.F) {
	f.Add("/orders/*/items/**", "/orders/1/items/2")
	f.Add("/", "/")
	f.Add("/a/**", "/a")
	for _, p := range []string{"/public/../admin", "/public/%2e%2e/admin", "/public/%252e%252e/admin", "/public/..;/admin",
		"/public\\..\\admin", "/public/%c0%ae%c0%ae/admin", "/public//a", "/public/a%2Fb", "/public/%25%32%65"} {
		f.Add("/public/**", p)
	}
	f.Fuzz(func(t *testing.T, pat, path string) {
		p, err := compilePattern(pat)
		if err == nil {
			_ = p.match(path)
		}
		clean, _, err := cleanPath(path, path)
		if err != nil {
			return
		}
		all, _ := compilePattern("/**")
		if !all.match(clean) {
			t.Fatalf("/** does not match %q", clean)
		}
		if !strings.Contains(clean, "*") {
			if lit, err := compilePattern(clean); err == nil && !lit.match(clean) {
				t.Fatalf("pattern %q does not match itself", clean)
			}
		}
	})
}

// FuzzAppendRecord checks the hand-written audit encoder against encoding/json on arbitrary
// request-controlled strings (paths, hosts, methods may hold any bytes): the line must be
// byte-identical, hence valid JSON that cannot be split or forged by what a client sends.
func FuzzAppendRecord(f *testing.F) {
	f.Add("/orders/1", "shop.localhost", int64(200), 0.412, int64(1_700_000_000_123_456_789))
	f.Add("/\xff\x00<&>\"\\\u2028", "", int64(-1), 1e-9, int64(0))
	f.Add("é日本\n\r\t", "a\x7f", int64(1<<40), 3e21, int64(-1))
	f.Fuzz(func(t *testing.T, path, host string, n int64, lat float64, nanos int64) {
		rec := recordWith(path, n, lat, time.Unix(0, nanos).UTC())
		rec.Host = host
		want, err := json.Marshal(&rec)
		if err != nil {
			t.Skip("encoding/json refuses this record (NaN or infinite latency)")
		}
		if got := appendRecord(nil, &rec); string(got) != string(want) {
			t.Fatalf("appendRecord differs from encoding/json:\n got %s\nwant %s", got, want)
		}
	})
}
