package identity

import (
	"testing"
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
