package identity

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"strings"
	"testing"
)

func TestPrivateKeyEnvelope(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := MarshalPrivateKey(key, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	plain, err := MarshalPrivateKey(key, "")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("BEGIN PRIVATE KEY")) || !bytes.Contains(sealed, []byte(sealedKeyType)) {
		t.Fatalf("sealed key is not in the envelope:\n%s", sealed)
	}
	tests := []struct {
		name    string
		data    []byte
		pass    Passphrase
		wantErr string
	}{
		{name: "sealed, right passphrase", data: sealed, pass: "correct horse"},
		{name: "plain", data: plain},
		{name: "sealed, wrong passphrase", data: sealed, pass: "battery staple", wantErr: "wrong passphrase"},
		{name: "sealed, no passphrase", data: sealed, wantErr: "no passphrase"},
		{name: "weakened kdf parameters", data: bytes.Replace(sealed, []byte("N=32768"), []byte("N=16384"), 1), pass: "correct horse", wantErr: "wrong passphrase or modified"},
		{name: "absurd kdf parameters", data: bytes.Replace(sealed, []byte("N=32768"), []byte("N=1073741824"), 1), pass: "correct horse", wantErr: "out of the accepted range"},
		{name: "not pem", data: []byte("nope"), wantErr: "no PEM block"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePrivateKey(tt.data, tt.pass)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !key.Public().(*ecdsa.PublicKey).Equal(got.Public()) {
				t.Fatal("round trip changed the key")
			}
		})
	}
}

// A passphrase of blanks is refused rather than used as a (trivial) seal.
func TestMarshalPrivateKeyRefusesBlankPassphrase(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if _, err := MarshalPrivateKey(key, " \t"); err == nil {
		t.Error("a whitespace passphrase sealed the key")
	}
}
