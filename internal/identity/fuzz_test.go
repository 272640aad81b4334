package identity

import (
	"crypto/x509"
	"testing"
	"time"
)

// FuzzParseID checks that the SPIFFE ID parser never panics and that whatever it accepts
// round-trips to the same string and parses again.
func FuzzParseID(f *testing.F) {
	for _, s := range []string{"spiffe://example.org/ns/a/sa/b", "spiffe://td", "spiffe://td/a/../b", "spiffe://TD/x", "spiffe://td:1/x", "x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseID(s)
		if err != nil {
			return
		}
		if id.String() != s {
			t.Fatalf("ParseID(%q).String() = %q", s, id.String())
		}
		if _, err := ParseID(urlOf(id).String()); err != nil {
			t.Fatalf("url form of %q does not parse: %v", s, err)
		}
	})
}

// FuzzParsePrivateKey feeds arbitrary bytes (including sealed-envelope headers) to the key parser,
// which must return an error rather than panic or hang.
func FuzzParsePrivateKey(f *testing.F) {
	f.Add([]byte("-----BEGIN PALISADE ENCRYPTED PRIVATE KEY-----\nFormat: palisade-sealed-key-v1\nKdf: scrypt\nKdf-Params: N=16384,r=8,p=1\nSalt: AAAAAAAAAAAAAAAAAAAAAA==\nCipher: AES-256-GCM\nNonce: AAAAAAAAAAAAAAAA\n\nAAAA\n-----END PALISADE ENCRYPTED PRIVATE KEY-----\n"))
	f.Add([]byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = ParsePrivateKey(b, "pw")
	})
}

// FuzzParseBundle feeds arbitrary documents, as a CA (or whatever answers in its place) might
// serve them, to the bundle parser: it must return an error rather than panic, and whatever it
// accepts must respect its limits and round-trip through PEM to an equal bundle.
func FuzzParseBundle(f *testing.F) {
	ca, err := Init(f.TempDir(), InitOptions{TrustDomain: "example.org"})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(ca.BundlePEM())
	f.Add(append(ca.BundlePEM(), encodeCerts([]*x509.Certificate{ca.Intermediate()})...))
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
	f.Add([]byte("not a bundle"))
	f.Add([]byte{})
	now := time.Now()
	f.Fuzz(func(t *testing.T, b []byte) {
		tb, err := ParseBundle("example.org", b, now)
		if err != nil {
			if tb != nil {
				t.Fatal("bundle returned with an error")
			}
			return
		}
		if n := len(tb.Roots()); n == 0 || n > MaxBundleRoots {
			t.Fatalf("accepted a bundle of %d roots", n)
		}
		again, err := ParseBundle("example.org", tb.PEM(), now)
		if err != nil || !again.Equal(tb) {
			t.Fatalf("accepted bundle does not round-trip: %v", err)
		}
	})
}
