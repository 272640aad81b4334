package identity

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// selfSigned makes a root-shaped certificate valid from nb to na (isCA false makes a leaf).
func selfSigned(t *testing.T, isCA bool, nb, na time.Time) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{Subject: pkix.Name{CommonName: "test root"}, NotBefore: nb, NotAfter: na,
		BasicConstraintsValid: true, IsCA: isCA, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	c, err := createCert(tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestParseBundle(t *testing.T) {
	ca, _ := newTestCA(t, "example.org")
	now := time.Now()
	root := ca.Bundle()[0]
	expired := selfSigned(t, true, now.Add(-2*time.Hour), now.Add(-time.Hour))
	leafish := selfSigned(t, false, now.Add(-time.Hour), now.Add(time.Hour))
	many := bytes.Repeat(encodeCerts([]*x509.Certificate{root}), 1)
	for range MaxBundleRoots {
		many = append(many, encodeCerts([]*x509.Certificate{selfSigned(t, true, now.Add(-time.Hour), now.Add(time.Hour))})...)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1, 2, 3}})
	tests := []struct {
		name    string
		td      string
		data    []byte
		wantErr string
		roots   int
	}{
		{name: "current root", td: "example.org", data: ca.BundlePEM(), roots: 1},
		{name: "current and expired root", td: "example.org", data: encodeCerts([]*x509.Certificate{root, expired}), roots: 2},
		{name: "empty", td: "example.org", data: nil, wantErr: "no certificates"},
		{name: "garbage", td: "example.org", data: []byte("<html>502 bad gateway</html>"), wantErr: "not PEM"},
		{name: "trailing garbage", td: "example.org", data: append(ca.BundlePEM(), "junk"...), wantErr: "pem block 2"},
		{name: "private key block", td: "example.org", data: append(ca.BundlePEM(), keyPEM...), wantErr: `type "PRIVATE KEY"`},
		{name: "not a ca", td: "example.org", data: encodeCerts([]*x509.Certificate{leafish}), wantErr: "not a CA certificate"},
		{name: "intermediate, not a root", td: "example.org", data: encodeCerts([]*x509.Certificate{ca.Intermediate()}), wantErr: "not a self-signed root"},
		{name: "duplicate", td: "example.org", data: encodeCerts([]*x509.Certificate{root, root}), wantErr: "duplicate"},
		{name: "only expired", td: "example.org", data: encodeCerts([]*x509.Certificate{expired}), wantErr: "none of its 1 roots is valid"},
		{name: "too many roots", td: "example.org", data: many, wantErr: "exceeds the limit"},
		{name: "too large", td: "example.org", data: make([]byte, maxBundleBytes+1), wantErr: "byte limit"},
		{name: "bad trust domain", td: "Example.org/x", data: ca.BundlePEM(), wantErr: "trust domain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb, err := ParseBundle(tt.td, tt.data, now)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				if !strings.HasPrefix(err.Error(), "parse bundle: ") {
					t.Errorf("error does not name the operation: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(tb.Roots()) != tt.roots || tb.TrustDomain() != tt.td {
				t.Errorf("got %d roots for %s", len(tb.Roots()), tb.TrustDomain())
			}
		})
	}
}

func TestTrustBundleEqualWriteFileExpiry(t *testing.T) {
	now := time.Now()
	a := selfSigned(t, true, now.Add(-time.Hour), now.Add(time.Hour))
	b := selfSigned(t, true, now.Add(-time.Hour), now.Add(2*time.Hour))
	ab, _ := NewTrustBundle("example.org", []*x509.Certificate{a, b})
	ba, _ := NewTrustBundle("example.org", []*x509.Certificate{b, a})
	other, _ := NewTrustBundle("other.org", []*x509.Certificate{a, b})
	onlyA, _ := NewTrustBundle("example.org", []*x509.Certificate{a})
	for _, tt := range []struct {
		name string
		x, y *TrustBundle
		want bool
	}{
		{"same roots, other order", ab, ba, true},
		{"other trust domain", ab, other, false},
		{"fewer roots", ab, onlyA, false},
		{"nil and non-nil", ab, nil, false},
	} {
		if got := tt.x.Equal(tt.y); got != tt.want {
			t.Errorf("%s: Equal = %v, want %v", tt.name, got, tt.want)
		}
	}
	if got := ab.FirstExpiry(); !got.Equal(a.NotAfter) {
		t.Errorf("FirstExpiry = %s, want %s", got, a.NotAfter)
	}
	path := filepath.Join(t.TempDir(), "bundle.pem")
	if err := ab.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	back, err := LoadTrustBundle("example.org", path)
	if err != nil || !back.Equal(ab) {
		t.Fatalf("written bundle reads back as %v, %v", back, err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Errorf("bundle file mode %v, want 0644", fi.Mode().Perm())
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*tmp*"))
	if len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

// TestFetchBundle fetches the bundle over TLS from the real API and from impostor handlers that
// present a certificate the client trusts but serve something it must refuse.
func TestFetchBundle(t *testing.T) {
	ca, _ := newTestCA(t, "example.org")
	foreign, _ := newTestCA(t, "other.org")
	tb, _ := NewTrustBundle("example.org", ca.Bundle())
	real, _ := startCA(t, ca, NewServer(ca, nil, nil, 0))
	serve := func(td string, body []byte) string {
		srv := NewServer(ca, nil, nil, 0)
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if td != "" {
				w.Header().Set(TrustDomainHeader, td)
			}
			w.Write(body)
		})
		hs, _ := startAPI(t, srv, h)
		return hs.URL
	}
	tests := []struct {
		name    string
		url     string
		bundle  *TrustBundle
		wantErr string
	}{
		{name: "real api", url: real.URL, bundle: tb},
		{name: "other trust domain declared", url: serve("other.org", foreign.BundlePEM()), bundle: tb, wantErr: `declared for trust domain "other.org"`},
		{name: "no trust domain declared", url: serve("", ca.BundlePEM()), bundle: tb, wantErr: `declared for trust domain ""`},
		{name: "another domain's roots under our name", url: serve("example.org", foreign.BundlePEM()), bundle: tb, wantErr: "does not trust the ca api's certificate"},
		{name: "garbage", url: serve("example.org", []byte("garbage")), bundle: tb, wantErr: "not PEM"},
		{name: "empty", url: serve("example.org", nil), bundle: tb, wantErr: "no certificates"},
		{name: "api not trusted", url: real.URL, bundle: mustBundle(t, foreign), wantErr: "unknown authority"},
		{name: "no bundle to verify with", url: real.URL, wantErr: "no trust bundle"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := (&Client{URL: tt.url, Bundle: tt.bundle}).FetchBundle(context.Background())
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(tb) {
				t.Error("fetched bundle differs from the CA's")
			}
		})
	}
}

func mustBundle(t *testing.T, ca *CA) *TrustBundle {
	t.Helper()
	tb, err := NewTrustBundle(ca.TrustDomain(), ca.Bundle())
	if err != nil {
		t.Fatal(err)
	}
	return tb
}
