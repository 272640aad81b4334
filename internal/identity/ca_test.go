package identity

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// newTestCSR returns a key and a CSR that asks for names the CA must ignore.
func newTestCSR(t *testing.T) (*ecdsa.PrivateKey, *x509.CertificateRequest) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{DNSNames: []string{"evil.example"}}, key)
	if err != nil {
		t.Fatal(err)
	}
	csr, err := x509.ParseCertificateRequest(der)
	if err != nil {
		t.Fatal(err)
	}
	return key, csr
}

func newTestCA(t *testing.T, td string) (*CA, string) {
	t.Helper()
	dir := t.TempDir()
	ca, err := Init(dir, InitOptions{TrustDomain: td, Passphrase: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	return ca, dir
}

func TestInitWritesPrivateKeysOwnerOnly(t *testing.T) {
	_, dir := newTestCA(t, "example.org")
	for _, name := range []string{fileRootKey, fileInterKey} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode = %v, want 0600", name, fi.Mode().Perm())
		}
	}
	if _, err := Init(dir, InitOptions{TrustDomain: "example.org"}); err == nil {
		t.Error("Init over an existing CA succeeded without Force")
	}
	if _, err := Load(dir, "wrong"); err == nil || !strings.Contains(err.Error(), "wrong passphrase") {
		t.Errorf("Load with a wrong passphrase: %v", err)
	}
	ca, err := Load(dir, "pw")
	if err != nil {
		t.Fatal(err)
	}
	if ca.TrustDomain() != "example.org" {
		t.Errorf("trust domain = %q", ca.TrustDomain())
	}
}

func TestIssueSVIDShape(t *testing.T) {
	ca, _ := newTestCA(t, "example.org")
	_, csr := newTestCSR(t)
	id, _ := ParseID("spiffe://example.org/ns/prod/sa/web")
	svid, err := ca.IssueSVID(csr, id, 0)
	if err != nil {
		t.Fatal(err)
	}
	leaf := svid.Chain[0]
	type shape struct {
		URIs     []string
		DNSNames []string
		IsCA     bool
		KeyUsage x509.KeyUsage
		EKU      []x509.ExtKeyUsage
		Lifetime time.Duration
	}
	var uris []string
	for _, u := range leaf.URIs {
		uris = append(uris, u.String())
	}
	got := shape{URIs: uris, DNSNames: leaf.DNSNames, IsCA: leaf.IsCA, KeyUsage: leaf.KeyUsage, EKU: leaf.ExtKeyUsage,
		Lifetime: time.Until(leaf.NotAfter).Round(time.Minute)}
	want := shape{URIs: []string{"spiffe://example.org/ns/prod/sa/web"}, KeyUsage: x509.KeyUsageDigitalSignature,
		EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}, Lifetime: time.Hour}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("SVID shape (-want +got):\n%s", d)
	}
}

func TestIssueSVIDRefuses(t *testing.T) {
	ca, _ := newTestCA(t, "example.org")
	_, csr := newTestCSR(t)
	tests := []struct {
		name string
		id   string
		ttl  time.Duration
	}{
		{name: "other trust domain", id: "spiffe://other.org/web"},
		{name: "no path", id: "spiffe://example.org"},
		{name: "lifetime above maximum", id: "spiffe://example.org/web", ttl: 48 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := ParseID(tt.id)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ca.IssueSVID(csr, id, tt.ttl); err == nil {
				t.Fatal("IssueSVID succeeded")
			}
		})
	}
	tampered := *csr
	tampered.Signature = append([]byte(nil), csr.Signature...)
	tampered.Signature[len(tampered.Signature)-1] ^= 1
	if _, err := ca.IssueSVID(&tampered, mustParse(t, "spiffe://example.org/web"), 0); err == nil {
		t.Error("IssueSVID accepted a CSR with a bad signature")
	}
}

func mustParse(t *testing.T, s string) ID {
	t.Helper()
	id, err := ParseID(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestVerifySVID(t *testing.T) {
	ca, _ := newTestCA(t, "example.org")
	other, _ := newTestCA(t, "other.org")
	impostor, _ := newTestCA(t, "example.org") // same name, different keys
	_, csr := newTestCSR(t)
	id := mustParse(t, "spiffe://example.org/web")
	good, err := ca.IssueSVID(csr, id, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := other.IssueSVID(csr, mustParse(t, "spiffe://other.org/web"), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	forged, err := impostor.IssueSVID(csr, id, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	tb, err := NewTrustBundle("example.org", ca.Bundle())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tests := []struct {
		name    string
		chain   []*x509.Certificate
		at      time.Time
		wantErr string
	}{
		{name: "valid", chain: good.Chain, at: now},
		{name: "expired", chain: good.Chain, at: now.Add(2 * time.Hour), wantErr: "expired"},
		{name: "other trust domain", chain: foreign.Chain, at: now, wantErr: "not in trust domain"},
		{name: "same name other keys", chain: forged.Chain, at: now, wantErr: "unknown authority"},
		{name: "intermediate as leaf", chain: []*x509.Certificate{ca.Intermediate()}, at: now, wantErr: "URI SANs"},
		{name: "empty", at: now, wantErr: "no certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tb.VerifySVID(tt.chain, tt.at)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != id {
				t.Errorf("id = %s, want %s", got, id)
			}
		})
	}
}

func TestRotateKeepsOldRootsUntilPruned(t *testing.T) {
	ca, dir := newTestCA(t, "example.org")
	_, csr := newTestCSR(t)
	id := mustParse(t, "spiffe://example.org/web")
	before, err := ca.IssueSVID(csr, id, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	rotated, err := Rotate(dir, InitOptions{Passphrase: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	after, err := rotated.IssueSVID(csr, id, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if len(rotated.Bundle()) != 2 {
		t.Fatalf("bundle after rotation has %d roots, want 2", len(rotated.Bundle()))
	}
	tb, err := LoadTrustBundle("example.org", filepath.Join(dir, fileBundle))
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]*SVID{"before": before, "after": after} {
		if _, err := tb.VerifySVID(s.Chain, time.Now()); err != nil {
			t.Errorf("SVID issued %s the rotation does not verify against the overlapping bundle: %v", name, err)
		}
	}
	if _, err := PruneBundle(dir, "pw"); err != nil {
		t.Fatal(err)
	}
	tb, err = LoadTrustBundle("example.org", filepath.Join(dir, fileBundle))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tb.VerifySVID(before.Chain, time.Now()); err == nil {
		t.Error("SVID from the retired root still verifies after pruning")
	}
	if _, err := tb.VerifySVID(after.Chain, time.Now()); err != nil {
		t.Errorf("current SVID no longer verifies after pruning: %v", err)
	}
}

// TestRotateCrossSigns checks the overlap aid: after a rotation the new intermediate, cross-signed
// by the previous root, travels with every SVID so that a relying party holding only the previous
// root accepts the new generation; pruning removes it, and without the previous root key there is
// none.
func TestRotateCrossSigns(t *testing.T) {
	_, dir := newTestCA(t, "example.org")
	old, err := LoadTrustBundle("example.org", filepath.Join(dir, fileBundle))
	if err != nil {
		t.Fatal(err)
	}
	_, csr := newTestCSR(t)
	id := mustParse(t, "spiffe://example.org/web")
	rotated, err := Rotate(dir, InitOptions{Passphrase: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	newOnly, _ := NewTrustBundle("example.org", rotated.Bundle()[:1])
	loaded, err := Load(dir, "pw")
	if err != nil {
		t.Fatal(err)
	}
	if len(loaded.CrossCertificates()) != 1 {
		t.Fatalf("loaded CA has %d cross certificates, want 1", len(loaded.CrossCertificates()))
	}
	svid, err := loaded.IssueSVID(csr, id, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if len(svid.Chain) != 3 {
		t.Fatalf("chain during overlap has %d certificates, want leaf, intermediate, cross", len(svid.Chain))
	}
	for name, tb := range map[string]*TrustBundle{"previous root only": old, "new root only": newOnly} {
		if _, err := tb.VerifySVID(svid.Chain, time.Now()); err != nil {
			t.Errorf("new-generation SVID against %s: %v", name, err)
		}
	}
	if _, err := old.VerifySVID(svid.Chain[:2], time.Now()); err == nil {
		t.Error("without the cross certificate a new-generation SVID verified against the previous root")
	}

	if _, err := PruneBundle(dir, "pw"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, fileCross)); !os.IsNotExist(err) {
		t.Errorf("cross certificate still on disk after pruning: %v", err)
	}
	pruned, err := Load(dir, "pw")
	if err != nil {
		t.Fatal(err)
	}
	if svid, _ := pruned.IssueSVID(csr, id, time.Hour); len(svid.Chain) != 2 {
		t.Errorf("chain after pruning has %d certificates, want 2", len(svid.Chain))
	}

	// The root key moved offline: the rotation still works, without a cross-signature.
	if err := os.Remove(filepath.Join(dir, fileRootKey)); err != nil {
		t.Fatal(err)
	}
	offline, err := Rotate(dir, InitOptions{Passphrase: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(offline.CrossCertificates()); n != 0 {
		t.Errorf("rotation without the previous root key produced %d cross certificates", n)
	}

	// A cross file that does not certify the current intermediate is refused at load.
	if err := os.WriteFile(filepath.Join(dir, fileCross), encodeCerts([]*x509.Certificate{pruned.Intermediate()}), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir, "pw"); err == nil || !strings.Contains(err.Error(), fileCross) {
		t.Errorf("Load with a foreign cross certificate: %v", err)
	}
}

// TestRotateAfterRootExpiry checks that rotating a CA whose root has already expired neither
// keeps the dead root in the bundle nor cross-signs with it, and leaves a directory that loads.
func TestRotateAfterRootExpiry(t *testing.T) {
	_, dir := newTestCA(t, "example.org")
	later := time.Now().Add(6 * 365 * 24 * time.Hour) // past the default five-year root
	rotated, err := Rotate(dir, InitOptions{Passphrase: "pw", Now: func() time.Time { return later }})
	if err != nil {
		t.Fatal(err)
	}
	if n, c := len(rotated.Bundle()), len(rotated.CrossCertificates()); n != 1 || c != 0 {
		t.Errorf("bundle of %d roots and %d cross certificates, want 1 and 0", n, c)
	}
	if _, err := Load(dir, "pw"); err != nil {
		t.Errorf("the rotated directory does not load: %v", err)
	}
}
