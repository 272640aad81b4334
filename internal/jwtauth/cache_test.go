package jwtauth

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/palisade-sec/palisade/internal/jwtauth/jwttest"
)

// TestVerifiedCacheNeverExtendsTrust checks the two ways a cached verification must stop
// counting: the token expires (claims are re-checked each time), and the issuer's key set changes
// (a key rotated out of the JWKS takes its tokens with it).
func TestVerifiedCacheNeverExtendsTrust(t *testing.T) {
	ti := jwttest.NewIssuer(t, "k1", "k2")
	v := testValidator(t, ti, func(c *IssuerConfig) { c.Skew = time.Second })
	now := time.Now()
	v.now = func() time.Time { return now }
	claims := map[string]any{"iss": "https://issuer.test", "sub": "svc", "aud": "orders", "iat": now.Unix(), "exp": now.Add(time.Minute).Unix()}
	tok := ti.Token(t, "k1", claims)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if _, err := v.Validate(ctx, tok); err != nil {
			t.Fatalf("validation %d: %v", i, err)
		}
	}
	if _, ok := v.cache.get(tok); !ok {
		t.Fatal("a verified token was not cached")
	}
	// The forgery flips a bit of the signature's first byte: replacing its last characters could
	// leave the decoded bytes unchanged (a base64 tail's unused bits), accepting a token that is
	// not modified at all.
	cut := strings.LastIndexByte(tok, '.')
	sig, err := base64.RawURLEncoding.DecodeString(tok[cut+1:])
	if err != nil {
		t.Fatal(err)
	}
	sig[0] ^= 1
	forged := tok[:cut+1] + base64.RawURLEncoding.EncodeToString(sig)
	if _, err := v.Validate(ctx, forged); err == nil {
		t.Fatal("a modified token was accepted")
	}
	if _, ok := v.cache.get(forged); ok {
		t.Fatal("a failed token was cached")
	}

	now = now.Add(2 * time.Minute)
	var je *Error
	if _, err := v.Validate(ctx, tok); !errors.As(err, &je) || je.Reason != "expired" {
		t.Fatalf("cached token after expiry: %v", err)
	}

	now = time.Now()
	fresh := ti.Token(t, "k1", map[string]any{"iss": "https://issuer.test", "sub": "svc", "aud": "orders", "iat": now.Unix(), "exp": now.Add(time.Minute).Unix()})
	if _, err := v.Validate(ctx, fresh); err != nil {
		t.Fatal(err)
	}
	ti.RemoveKey("k1") // k1 is retired from the JWKS
	ti.AddKey(t, "k3")
	if _, err := v.Validate(ctx, ti.Token(t, "k3", claims)); err != nil { // pulls the new set
		t.Fatal(err)
	}
	if _, err := v.Validate(ctx, fresh); !errors.As(err, &je) || je.Reason != "unknown_kid" {
		t.Fatalf("cached token of a retired key: %v, want unknown_kid", err)
	}
}

// TestVerifiedCacheRechecksTheClock checks that a cached token is held to nbf and iat as well as
// exp on every use (a clock stepped back makes it not yet valid again), with the same reasons as
// an uncached check, and that a hit costs no allocation: the checked claims are shared.
func TestVerifiedCacheRechecksTheClock(t *testing.T) {
	ti := jwttest.NewIssuer(t, "k1")
	v := testValidator(t, ti, func(c *IssuerConfig) { c.Skew = time.Second })
	now := time.Now().Truncate(time.Second)
	v.now = func() time.Time { return now }
	tok := ti.Token(t, "k1", map[string]any{"iss": "https://issuer.test", "sub": "svc", "aud": "orders", "scope": "a b",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Minute).Unix()})
	ctx := context.Background()
	first, err := v.Validate(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	again, err := v.Validate(ctx, tok)
	if err != nil || again != first {
		t.Fatalf("cache hit: %v, same claims %v", err, again == first)
	}
	if allocs := testing.AllocsPerRun(100, func() { _, _ = v.Validate(ctx, tok) }); allocs != 0 {
		t.Errorf("a cache hit allocates %.0f times, want 0", allocs)
	}
	var je *Error
	for _, tc := range []struct {
		name   string
		at     time.Time
		reason string
	}{
		{"clock stepped back before nbf and iat", now.Add(-10 * time.Second), "not_yet_valid"},
		{"within the skew before nbf", now.Add(-time.Second / 2), ""},
		{"last instant within the skew after exp", now.Add(time.Minute + time.Second - time.Nanosecond), ""},
		{"at exp plus skew", now.Add(time.Minute + time.Second), "expired"},
	} {
		v.now = func() time.Time { return tc.at }
		_, err := v.Validate(ctx, tok)
		switch {
		case tc.reason == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.reason != "" && (!errors.As(err, &je) || je.Reason != tc.reason):
			t.Errorf("%s: %v, want %s", tc.name, err, tc.reason)
		}
	}
	// iat alone in the future (no nbf): the same reason as an uncached check gives
	tok2 := ti.Token(t, "k1", map[string]any{"iss": "https://issuer.test", "sub": "svc", "aud": "orders", "iat": now.Unix(), "exp": now.Add(time.Minute).Unix()})
	v.now = func() time.Time { return now }
	if _, err := v.Validate(ctx, tok2); err != nil {
		t.Fatal(err)
	}
	v.now = func() time.Time { return now.Add(-10 * time.Second) }
	if _, err := v.Validate(ctx, tok2); !errors.As(err, &je) || je.Reason != "issued_in_future" {
		t.Fatalf("cached token with iat in the future: %v, want issued_in_future", err)
	}
}

// BenchmarkValidate measures one ES256 token's validation: "verify" checks the signature every
// time (the cache is off), "cached" is a token the gateway has seen before — what nearly every
// request of a client that reuses its token costs.
func BenchmarkValidate(b *testing.B) {
	ti := jwttest.NewIssuer(b, "k1")
	now := time.Now()
	tok := ti.Token(b, "k1", map[string]any{"iss": "https://issuer.test", "sub": "svc", "aud": "orders", "scope": "a b c",
		"iat": now.Unix(), "exp": now.Add(time.Minute).Unix()})
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		cached bool
	}{{"verify", false}, {"cached", true}} {
		b.Run(tc.name, func(b *testing.B) {
			v := testValidator(b, ti, nil)
			if !tc.cached {
				v.cache = nil
			}
			if _, err := v.Validate(ctx, tok); err != nil { // fetch the JWKS, fill the cache
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.Validate(ctx, tok); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
