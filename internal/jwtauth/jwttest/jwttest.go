// Package jwttest is a token issuer for tests, the way net/http/httptest is a server: ES256 keys
// by kid, tokens signed with them, and their JWKS served over TLS, on loopback or on a listener
// the test gives (an in-memory network's, so a synctest bubble runs the whole exchange on virtual
// time). Keys can be added, retired and joined by JWKs served as they are, to test rotation and
// refused keys.
package jwttest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
)

var b64 = base64.RawURLEncoding

// Issuer is a JWKS endpoint on an httptest TLS server (Server.URL + any path serves it; trust it
// with Server.Client()) and the private keys behind it.
type Issuer struct {
	Server  *httptest.Server
	mu      sync.Mutex
	keys    map[string]*ecdsa.PrivateKey
	extra   []map[string]string
	fetches atomic.Int32
}

// NewIssuer starts an issuer on loopback with a P-256 key for each of kids; the server closes
// when the test ends.
func NewIssuer(t testing.TB, kids ...string) *Issuer {
	t.Helper()
	return NewIssuerOn(t, nil, kids...)
}

// NewIssuerOn is NewIssuer serving on ln (nil: a new loopback listener). Server.URL is then
// https:// and ln's address, and the client of Server.Client() still dials the operating
// system's network: a test on another network sets that transport's DialContext.
func NewIssuerOn(t testing.TB, ln net.Listener, kids ...string) *Issuer {
	t.Helper()
	is := &Issuer{keys: map[string]*ecdsa.PrivateKey{}}
	for _, kid := range kids {
		is.AddKey(t, kid)
	}
	is.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		is.fetches.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(is.JWKS())
	}))
	if ln != nil {
		_ = is.Server.Listener.Close()
		is.Server.Listener = ln
	}
	is.Server.StartTLS()
	t.Cleanup(is.Server.Close)
	return is
}

// AddKey gives the issuer a new P-256 key under kid, replacing any key it had there.
func (is *Issuer) AddKey(t testing.TB, kid string) {
	t.Helper()
	k := NewKey(t)
	is.mu.Lock()
	is.keys[kid] = k
	is.mu.Unlock()
}

// RemoveKey retires kid from the JWKS.
func (is *Issuer) RemoveKey(kid string) {
	is.mu.Lock()
	delete(is.keys, kid)
	is.mu.Unlock()
}

// Key returns the private key under kid, or nil.
func (is *Issuer) Key(kid string) *ecdsa.PrivateKey {
	is.mu.Lock()
	defer is.mu.Unlock()
	return is.keys[kid]
}

// AddJWK serves jwk in the JWKS as it is, after the issuer's own keys.
func (is *Issuer) AddJWK(jwk map[string]string) {
	is.mu.Lock()
	is.extra = append(is.extra, jwk)
	is.mu.Unlock()
}

// Fetches is how many requests the JWKS endpoint has answered.
func (is *Issuer) Fetches() int32 { return is.fetches.Load() }

// JWKS is the key set the endpoint serves: every key as an ES256 signing JWK, then the JWKs
// added with AddJWK.
func (is *Issuer) JWKS() []byte {
	is.mu.Lock()
	defer is.mu.Unlock()
	var keys []map[string]string
	for kid, k := range is.keys {
		keys = append(keys, ECJWK(kid, &k.PublicKey))
	}
	keys = append(keys, is.extra...)
	b, _ := json.Marshal(map[string]any{"keys": keys})
	return b
}

// Token returns claims signed ES256 with the key under kid; a kid the issuer has no key for is
// signed with a fresh key no JWKS holds.
func (is *Issuer) Token(t testing.TB, kid string, claims map[string]any) string {
	t.Helper()
	k := is.Key(kid)
	if k == nil {
		k = NewKey(t)
	}
	return SignES256(t, k, map[string]any{"alg": "ES256", "kid": kid, "typ": "JWT"}, claims)
}

// NewKey returns a fresh P-256 key.
func NewKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// ECJWK is k as a P-256 signing JWK for ES256 under kid.
func ECJWK(kid string, k *ecdsa.PublicKey) map[string]string {
	b, _ := k.Bytes()
	return map[string]string{"kty": "EC", "crv": "P-256", "kid": kid, "use": "sig", "alg": "ES256",
		"x": b64.EncodeToString(b[1:33]), "y": b64.EncodeToString(b[33:])}
}

// SignES256 returns a compact JWS of hdr and claims signed with k, whatever hdr says.
func SignES256(t testing.TB, k *ecdsa.PrivateKey, hdr, claims map[string]any) string {
	t.Helper()
	in := EncodeParts(hdr, claims)
	sum := sha256.Sum256([]byte(in))
	r, s, err := ecdsa.Sign(rand.Reader, k, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return in + "." + b64.EncodeToString(sig)
}

// EncodeParts is the signing input of a JWS: hdr and claims as base64url JSON joined by a dot.
func EncodeParts(hdr, claims map[string]any) string {
	hb, _ := json.Marshal(hdr)
	cb, _ := json.Marshal(claims)
	return b64.EncodeToString(hb) + "." + b64.EncodeToString(cb)
}
