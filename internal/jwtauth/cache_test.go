package jwtauth

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestVerifiedCacheNeverExtendsTrust checks the two ways a cached verification must stop
// counting: the token expires (claims are re-checked each time), and the issuer's key set changes
// (a key rotated out of the JWKS takes its tokens with it).
func TestVerifiedCacheNeverExtendsTrust(t *testing.T) {
	ti := newTestIssuer(t, "k1", "k2")
	v := ti.validator(t, func(c *IssuerConfig) { c.Skew = time.Second })
	now := time.Now()
	v.now = func() time.Time { return now }
	claims := map[string]any{"iss": "https://issuer.test", "sub": "svc", "aud": "orders", "iat": now.Unix(), "exp": now.Add(time.Minute).Unix()}
	tok := ti.sign(t, "k1", claims)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if _, err := v.Validate(ctx, tok); err != nil {
			t.Fatalf("validation %d: %v", i, err)
		}
	}
	if _, ok := v.cache.get(tok); !ok {
		t.Fatal("a verified token was not cached")
	}
	forged := tok[:len(tok)-2] + "AA"
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
	fresh := ti.sign(t, "k1", map[string]any{"iss": "https://issuer.test", "sub": "svc", "aud": "orders", "iat": now.Unix(), "exp": now.Add(time.Minute).Unix()})
	if _, err := v.Validate(ctx, fresh); err != nil {
		t.Fatal(err)
	}
	ti.mu.Lock()
	delete(ti.keys, "k1") // k1 is retired from the JWKS
	ti.mu.Unlock()
	ti.addKey(t, "k3")
	if _, err := v.Validate(ctx, ti.sign(t, "k3", claims)); err != nil { // pulls the new set
		t.Fatal(err)
	}
	if _, err := v.Validate(ctx, fresh); !errors.As(err, &je) || je.Reason != "unknown_kid" {
		t.Fatalf("cached token of a retired key: %v, want unknown_kid", err)
	}
}
