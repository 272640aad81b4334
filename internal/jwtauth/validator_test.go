package jwtauth

import (
	"context"
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"testing"
	"time"

	"github.com/palisade-sec/palisade/internal/jwtauth/jwttest"
)

// testValidator trusts ti as https://issuer.test for audience "orders", as changed by mut.
func testValidator(t testing.TB, ti *jwttest.Issuer, mut func(*IssuerConfig)) *Validator {
	t.Helper()
	cfg := IssuerConfig{Issuer: "https://issuer.test", JWKSURL: ti.Server.URL + "/jwks", Algorithms: []string{"ES256", "RS256"},
		Audiences: []string{"orders"}, MaxLifetime: time.Hour}
	if mut != nil {
		mut(&cfg)
	}
	v, err := NewValidator([]IssuerConfig{cfg}, ti.Server.Client())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestValidateClaims(t *testing.T) {
	ti := jwttest.NewIssuer(t, "k1")
	v := testValidator(t, ti, nil)
	now := time.Now()
	base := func() map[string]any {
		return map[string]any{"iss": "https://issuer.test", "sub": "alice", "aud": "orders", "jti": "t-1",
			"iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(), "scope": "orders:read orders:write"}
	}
	with := func(k string, val any) map[string]any { c := base(); c[k] = val; return c }
	without := func(k string) map[string]any { c := base(); delete(c, k); return c }
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		tok        string
		wantReason string
	}{
		{name: "valid", tok: ti.Token(t, "k1", base())},
		{name: "audience in array", tok: ti.Token(t, "k1", with("aud", []string{"billing", "orders"}))},
		{name: "expired beyond skew", tok: ti.Token(t, "k1", with("exp", now.Add(-time.Minute).Unix())), wantReason: "expired"},
		{name: "expired within skew", tok: ti.Token(t, "k1", with("exp", now.Add(-10*time.Second).Unix()))},
		{name: "not yet valid", tok: ti.Token(t, "k1", with("nbf", now.Add(5*time.Minute).Unix())), wantReason: "not_yet_valid"},
		{name: "issued in the future", tok: ti.Token(t, "k1", with("iat", now.Add(5*time.Minute).Unix())), wantReason: "issued_in_future"},
		{name: "lifetime too long", tok: ti.Token(t, "k1", with("exp", now.Add(2*time.Hour).Unix())), wantReason: "lifetime_too_long"},
		{name: "no exp", tok: ti.Token(t, "k1", without("exp")), wantReason: "missing_claim"},
		{name: "no iss", tok: ti.Token(t, "k1", without("iss")), wantReason: "missing_claim"},
		{name: "no aud", tok: ti.Token(t, "k1", without("aud")), wantReason: "audience"},
		{name: "wrong aud", tok: ti.Token(t, "k1", with("aud", "billing")), wantReason: "audience"},
		{name: "untrusted issuer", tok: ti.Token(t, "k1", with("iss", "https://evil.test")), wantReason: "unknown_issuer"},
		{name: "exp not a number", tok: ti.Token(t, "k1", with("exp", "tomorrow")), wantReason: "malformed"},
		{name: "alg none", tok: jwttest.EncodeParts(map[string]any{"alg": "none", "kid": "k1"}, base()) + ".", wantReason: "malformed"},
		{name: "alg none with signature", tok: jwttest.EncodeParts(map[string]any{"alg": "none", "kid": "k1"}, base()) + ".AAAA", wantReason: "alg_not_allowed"},
		{name: "hmac with the public key as secret", tok: hmacToken(rsaKey.PublicKey.N.Bytes(), base()), wantReason: "alg_not_allowed"},
		{name: "rs256 claimed for an ec key", tok: rsaToken(t, rsaKey, "k1", base()), wantReason: "bad_signature"},
		{name: "signed by another key with a known kid", tok: jwttest.SignES256(t, jwttest.NewKey(t), map[string]any{"alg": "ES256", "kid": "k1"}, base()), wantReason: "bad_signature"},
		{name: "duplicate alg member", tok: dupAlgToken(t, ti, base()), wantReason: "malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := v.Validate(context.Background(), tt.tok)
			if tt.wantReason == "" {
				if err != nil {
					t.Fatal(err)
				}
				if c.Subject != "alice" || c.ID != "t-1" || len(c.Scopes) != 2 {
					t.Errorf("claims = %+v", c)
				}
				return
			}
			var je *Error
			if !errors.As(err, &je) || je.Reason != tt.wantReason {
				t.Fatalf("error = %v, want reason %q", err, tt.wantReason)
			}
		})
	}
}

func hmacToken(secret []byte, claims map[string]any) string {
	in := jwttest.EncodeParts(map[string]any{"alg": "HS256", "kid": "k1"}, claims)
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(in))
	return in + "." + b64.EncodeToString(m.Sum(nil))
}

func rsaToken(t *testing.T, k *rsa.PrivateKey, kid string, claims map[string]any) string {
	in := jwttest.EncodeParts(map[string]any{"alg": "RS256", "kid": kid}, claims)
	sum := sha256.Sum256([]byte(in))
	sig, err := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return in + "." + b64.EncodeToString(sig)
}

func dupAlgToken(t *testing.T, ti *jwttest.Issuer, claims map[string]any) string {
	tok := ti.Token(t, "k1", claims)
	hdr := b64.EncodeToString([]byte(`{"alg":"ES256","kid":"k1","alg":"none"}`))
	return hdr + tok[len(tok[:indexDot(tok)]):]
}

func indexDot(s string) int {
	for i := range s {
		if s[i] == '.' {
			return i
		}
	}
	return len(s)
}

func TestConfigRefusesWeakSettings(t *testing.T) {
	tests := []struct {
		name string
		cfg  IssuerConfig
	}{
		{name: "no algorithms", cfg: IssuerConfig{Issuer: "i", JWKSURL: "https://i/jwks", Audiences: []string{"a"}}},
		{name: "hmac from jwks", cfg: IssuerConfig{Issuer: "i", JWKSURL: "https://i/jwks", Audiences: []string{"a"}, Algorithms: []string{"HS256"}}},
		{name: "none", cfg: IssuerConfig{Issuer: "i", JWKSURL: "https://i/jwks", Audiences: []string{"a"}, Algorithms: []string{"none"}}},
		{name: "no audience", cfg: IssuerConfig{Issuer: "i", JWKSURL: "https://i/jwks", Algorithms: []string{"ES256"}}},
		{name: "plain http jwks", cfg: IssuerConfig{Issuer: "i", JWKSURL: "http://idp.example/jwks", Audiences: []string{"a"}, Algorithms: []string{"ES256"}}},
		{name: "no issuer", cfg: IssuerConfig{JWKSURL: "https://i/jwks", Audiences: []string{"a"}, Algorithms: []string{"ES256"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewValidator([]IssuerConfig{tt.cfg}, nil); err == nil {
				t.Fatal("NewValidator accepted the configuration")
			}
		})
	}
}

// TestKeyRotationRefetchIsRateLimited rotates the issuer's key during traffic: the first token with
// the new kid triggers one refetch and passes; unknown kids after that do not refetch again
// within MinRefetch.
func TestKeyRotationRefetchIsRateLimited(t *testing.T) {
	ti := jwttest.NewIssuer(t, "old")
	v := testValidator(t, ti, func(c *IssuerConfig) { c.MinRefetch = time.Hour })
	now := time.Now()
	claims := map[string]any{"iss": "https://issuer.test", "sub": "svc", "aud": "orders", "exp": now.Add(time.Minute).Unix(), "iat": now.Unix()}
	ctx := context.Background()
	if _, err := v.Validate(ctx, ti.Token(t, "old", claims)); err != nil {
		t.Fatal(err)
	}
	if got := ti.Fetches(); got != 1 {
		t.Fatalf("fetches after first token = %d, want 1", got)
	}
	ti.AddKey(t, "new")
	if _, err := v.Validate(ctx, ti.Token(t, "new", claims)); err != nil {
		t.Fatalf("token with the rotated-in kid: %v", err)
	}
	if got := ti.Fetches(); got != 2 {
		t.Fatalf("fetches after rotation = %d, want 2", got)
	}
	for i := 0; i < 20; i++ {
		_, err := v.Validate(ctx, ti.Token(t, "forged-"+itoa(i), claims))
		var je *Error
		if !errors.As(err, &je) || je.Reason != "unknown_kid" {
			t.Fatalf("forged kid: %v", err)
		}
	}
	if got := ti.Fetches(); got != 2 {
		t.Errorf("fetches after 20 unknown kids = %d, want still 2 (rate limited)", got)
	}
	if _, err := v.Validate(ctx, ti.Token(t, "old", claims)); err != nil {
		t.Errorf("old key stopped working: %v", err)
	}
}
