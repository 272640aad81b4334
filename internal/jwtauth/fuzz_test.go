package jwtauth

import (
	"context"
	"testing"
	"time"
)

// FuzzParseCompact checks that the JWS parser never panics and that what it accepts re-encodes
// to the same signing input.
func FuzzParseCompact(f *testing.F) {
	for _, s := range []string{
		"eyJhbGciOiJIUzI1NiIsImtpZCI6ImtpZC1hZXMtc2lnbiJ9.Zm9v.TD37p4c_0jmreSrBSDmE0F3mYSPtkZ3WrSyI5wb_KTg",
		"eyJhbGciOiJub25lIn0.e30.", "a.b.c", "...", "eyJ9.e30.AA",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		j, err := ParseCompact(s)
		if err != nil {
			return
		}
		if j.Header.Alg == "" || len(j.Signature) == 0 {
			t.Fatalf("accepted %q without alg or signature", s)
		}
		if got := b64.EncodeToString(j.Payload); got+"." != j.SigningInput[len(j.SigningInput)-len(got):]+"." {
			t.Fatalf("payload does not round-trip for %q", s)
		}
	})
}

// FuzzParseJWKS feeds arbitrary documents to the key-set parser.
func FuzzParseJWKS(f *testing.F) {
	f.Add([]byte(`{"keys":[{"kty":"EC","crv":"P-256","x":"04N0xi21hshyvBp7I167sbE_bXqyqkAPfefdklMO7wY","y":"UI8exy-C06a7DUnjIdENkxeFtHM4-l_41LqEw9nVgmw","kid":"a"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"},{"kty":"oct","k":"AAAA"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		set, _ := ParseJWKSLenient(b, true)
		for _, k := range set.Keys() {
			if k.pub == nil {
				t.Fatalf("key %q has no material", k.Kid)
			}
		}
	})
}

// FuzzValidate runs arbitrary tokens through the full validation path with a static key set (no
// network): no panic, and nothing unsigned is ever accepted.
func FuzzValidate(f *testing.F) {
	f.Add("eyJhbGciOiJFUzI1NiIsImtpZCI6ImEifQ.eyJpc3MiOiJpIiwiZXhwIjo5OTk5OTk5OTk5fQ.AA")
	f.Add("eyJhbGciOiJub25lIn0.eyJpc3MiOiJpIn0.")
	set, err := ParseJWKS([]byte(`{"keys":[{"kty":"EC","crv":"P-256","x":"04N0xi21hshyvBp7I167sbE_bXqyqkAPfefdklMO7wY","y":"UI8exy-C06a7DUnjIdENkxeFtHM4-l_41LqEw9nVgmw","kid":"a"}]}`))
	if err != nil {
		f.Fatal(err)
	}
	v := &Validator{now: time.Now, issuers: map[string]*issuer{}}
	is := &issuer{cfg: IssuerConfig{Issuer: "i", Algorithms: []string{"ES256"}, Audiences: []string{"x"}, Skew: time.Second, MaxLifetime: time.Hour, MinRefetch: time.Hour, CacheTTL: time.Hour},
		keys: &remoteKeys{ttl: time.Hour, minRefetch: time.Hour}}
	is.keys.set.Store(set)
	is.keys.fetchedAt.Store(time.Now().Add(time.Hour).UnixNano())
	is.keys.lastAttempt = time.Now().Add(time.Hour)
	is.keys.lastKidPull = time.Now().Add(time.Hour)
	v.issuers["i"] = is
	f.Fuzz(func(t *testing.T, tok string) {
		if _, err := v.Validate(context.Background(), tok); err == nil {
			t.Fatalf("accepted a token nobody signed: %q", tok)
		}
	})
}
