package gateway

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLoadKeyPairNamesTheFileAtFault: a truncated key must be reported as the key file (it was
// reported as the certificate file), and a broken certificate as the certificate file.
func TestLoadKeyPairNamesTheFileAtFault(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "gw"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cert, good := write("tls.crt", certPEM), write("tls.key", keyPEM)
	if _, err := loadKeyPair(cert, good); err != nil {
		t.Fatalf("a good pair: %v", err)
	}
	for _, tc := range []struct {
		name, certFile, keyFile, want string
	}{
		{"truncated key", cert, write("short.key", keyPEM[:len(keyPEM)/2]), "load key " + filepath.Join(dir, "short.key")},
		{"truncated certificate", write("short.crt", certPEM[:len(certPEM)/2]), good, "load certificate " + filepath.Join(dir, "short.crt")},
		{"missing key", cert, filepath.Join(dir, "none.key"), "load key: open " + filepath.Join(dir, "none.key")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadKeyPair(tc.certFile, tc.keyFile)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to start %q", err, tc.want)
			}
		})
	}
}
