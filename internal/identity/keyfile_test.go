package identity

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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

// A truncated or missing key file is reported as the key file, and a bad chain as the
// certificate file.
func TestLoadSVIDFilesNamesTheFileAtFault(t *testing.T) {
	dir := t.TempDir()
	ca, err := Init(filepath.Join(dir, "ca"), InitOptions{TrustDomain: "example.org"})
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	svid, err := ca.IssueServerCertificate(key.Public(), mustParseID(t, "spiffe://example.org/web"), []string{"localhost"}, nil, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	cert, keyPath := filepath.Join(dir, "svid.pem"), filepath.Join(dir, "svid.key")
	if err := WriteSVIDFiles(cert, keyPath, TLSCertificate(svid.Chain, key)); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadSVIDFiles(cert, keyPath); err != nil {
		t.Fatalf("load the files just written: %v", err)
	}
	keyPEM, _ := os.ReadFile(keyPath)
	certPEM, _ := os.ReadFile(cert)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	otherPEM, _ := MarshalPrivateKey(other, "")
	for _, tc := range []struct {
		name       string
		cert, key  []byte
		want, shun string
	}{
		{"truncated key", certPEM, keyPEM[:len(keyPEM)/2], "load key " + keyPath, "load certificate"},
		{"empty key", certPEM, nil, "load key " + keyPath, "load certificate"},
		{"key of another certificate", certPEM, otherPEM, "does not match the certificate", "load certificate"},
		{"truncated certificate", certPEM[:len(certPEM)/2], keyPEM, "load certificate " + cert, "load key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, k := filepath.Join(t.TempDir(), "c.pem"), filepath.Join(t.TempDir(), "k.pem")
			os.WriteFile(c, tc.cert, 0o600)
			os.WriteFile(k, tc.key, 0o600)
			want := strings.NewReplacer(keyPath, k, cert, c).Replace(tc.want)
			_, err := LoadSVIDFiles(c, k)
			if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), tc.shun) {
				t.Errorf("err = %v, want it to contain %q and not %q", err, want, tc.shun)
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

func mustParseID(t *testing.T, s string) ID {
	t.Helper()
	id, err := ParseID(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
