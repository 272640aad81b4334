package gateway

import "testing"

func TestPatternMatch(t *testing.T) {
	tests := []struct {
		name, pattern, path string
		want                bool
	}{
		{"exact", "/health", "/health", true},
		{"exact, longer path", "/health", "/health/x", false},
		{"root", "/", "/", true},
		{"root, other", "/", "/a", false},
		{"star one segment", "/orders/*", "/orders/42", true},
		{"star needs a segment", "/orders/*", "/orders/", false},
		{"star is one segment only", "/orders/*", "/orders/42/items", false},
		{"star in the middle", "/orders/*/items", "/orders/42/items", true},
		{"rest matches the prefix itself", "/orders/**", "/orders", true},
		{"rest matches deeper", "/orders/**", "/orders/42/items/7", true},
		{"rest is segment-aligned", "/orders/**", "/ordersx", false},
		{"catch-all", "/**", "/anything/at/all", true},
		{"case sensitive", "/Orders", "/orders", false},
		{"trailing slash is distinct", "/a", "/a/", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := compilePattern(tt.pattern)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.match(tt.path); got != tt.want {
				t.Errorf("%q.match(%q) = %v, want %v", tt.pattern, tt.path, got, tt.want)
			}
		})
	}
}

func TestCleanPath(t *testing.T) {
	tests := []struct {
		name, escaped, decoded string
		ok, encodedSlash       bool
		double                 bool // refused as double-encoded
	}{
		{name: "plain", escaped: "/a/b", decoded: "/a/b", ok: true},
		{name: "root", escaped: "/", decoded: "/", ok: true},
		{name: "trailing slash", escaped: "/a/", decoded: "/a/", ok: true},
		{name: "dot-dot", escaped: "/a/../b", decoded: "/a/../b"},
		{name: "encoded dot-dot", escaped: "/a/%2e%2e/b", decoded: "/a/../b"},
		{name: "dot", escaped: "/a/./b", decoded: "/a/./b"},
		{name: "trailing dot-dot", escaped: "/a/..", decoded: "/a/.."},
		{name: "dot-dot before a parameter", escaped: "/a/..;/b", decoded: "/a/..;/b"},
		{name: "dot before a parameter", escaped: "/a/.;x=1/b", decoded: "/a/.;x=1/b"},
		{name: "a parameter is fine", escaped: "/a;jsessionid=1/b", decoded: "/a;jsessionid=1/b", ok: true},
		{name: "dots in a name are fine", escaped: "/a/..b/c.", decoded: "/a/..b/c.", ok: true},
		{name: "double slash", escaped: "/a//b", decoded: "/a//b"},
		{name: "leading double slash", escaped: "//a", decoded: "//a"},
		{name: "encoded slash is reported", escaped: "/a%2Fb", decoded: "/a/b", ok: true, encodedSlash: true},
		{name: "encoded slash lower case", escaped: "/a%2fb", decoded: "/a/b", ok: true, encodedSlash: true},
		{name: "encoded slash to a dot segment", escaped: "/a%2f..%2fb", decoded: "/a/../b"},
		{name: "backslash", escaped: "/a%5cb", decoded: "/a\\b"},
		{name: "nul", escaped: "/a%00", decoded: "/a\x00"},
		{name: "relative", escaped: "a/b", decoded: "a/b"},
		{name: "double-encoded dot", escaped: "/a/%252e%252e/b", decoded: "/a/%2e%2e/b", double: true},
		{name: "double-encoded dot, upper case", escaped: "/a/%252E%252E/b", decoded: "/a/%2E%2E/b", double: true},
		{name: "double-encoded slash", escaped: "/a%252fb", decoded: "/a%2fb", double: true},
		{name: "double-encoded backslash", escaped: "/a%255cb", decoded: "/a%5cb", double: true},
		{name: "double-encoded in pieces", escaped: "/a/%25%32%65", decoded: "/a/%2e", double: true},
		{name: "other encoded percent is fine", escaped: "/a/%2541", decoded: "/a/%41", ok: true},
		{name: "overlong dot", escaped: "/a/%c0%ae%c0%ae/b", decoded: "/a/\xc0\xae\xc0\xae/b"},
		{name: "utf-8 is fine", escaped: "/caf%C3%A9", decoded: "/café", ok: true},
		{name: "encoded space is fine", escaped: "/a%20b", decoded: "/a b", ok: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, slash, err := cleanPath(tt.escaped, tt.decoded)
			if (err == nil) != tt.ok || tt.double != (err == errDoubleEncoded) || slash != tt.encodedSlash {
				t.Errorf("cleanPath(%q) = encoded slash %v, error %v; want ok=%v, encoded slash %v, double-encoded %v",
					tt.escaped, slash, err, tt.ok, tt.encodedSlash, tt.double)
			}
		})
	}
}

func TestRuleEvaluation(t *testing.T) {
	in := &Input{SPIFFEID: "spiffe://example.org/web", Method: "GET", Path: "/orders/1", Host: "shop",
		JWT: &JWTInfo{Subject: "alice", Scopes: []string{"orders:read"}, Claims: map[string]any{"tenant": "acme", "level": float64(3)}}}
	tests := []struct {
		name, expr string
		in         *Input
		want       bool
		wantErr    bool
	}{
		{name: "spiffe id", expr: `source.spiffe_id == "spiffe://example.org/web"`, in: in, want: true},
		{name: "scope", expr: `"orders:read" in jwt.scopes`, in: in, want: true},
		{name: "missing scope", expr: `"orders:write" in jwt.scopes`, in: in, want: false},
		{name: "claim", expr: `jwt.claims.tenant == "acme" && jwt.claims.level >= 3.0`, in: in, want: true},
		{name: "method and path", expr: `request.method == "GET" && request.path.startsWith("/orders/")`, in: in, want: true},
		{name: "no token", expr: `jwt.present`, in: &Input{}, want: false},
		{name: "missing claim is an error, so a deny", expr: `jwt.claims.nope == "x"`, in: in, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := compileRule(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			got, err := r.Allow(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error = %v, wantErr %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("Allow = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestRuleReusesNothingAcrossRequests evaluates one compiled rule for a request with a token and
// then for requests without one (activations are pooled): the later requests must see none of
// the earlier identity, or a token-less request could be let through on someone else's claims.
func TestRuleReusesNothingAcrossRequests(t *testing.T) {
	r, err := compileRule(`jwt.present || jwt.sub == "alice" || "orders:read" in jwt.scopes || "tenant" in jwt.claims || source.spiffe_id != ""`)
	if err != nil {
		t.Fatal(err)
	}
	withToken := &Input{SPIFFEID: "spiffe://example.org/web",
		JWT: &JWTInfo{Subject: "alice", Scopes: []string{"orders:read"}, Claims: map[string]any{"tenant": "acme"}}}
	for _, tc := range []struct {
		name string
		in   *Input
		want bool
	}{
		{"with token", withToken, true},
		{"then without token", &Input{}, false},
		{"then token without scopes or claims", &Input{JWT: &JWTInfo{Subject: "bob"}}, true},
		{"then without token again", &Input{Path: "/x"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for i := 0; i < 3; i++ {
				got, err := r.Allow(tc.in)
				if err != nil {
					t.Fatal(err)
				}
				if got != tc.want {
					t.Fatalf("Allow = %v, want %v", got, tc.want)
				}
			}
		})
	}
}
