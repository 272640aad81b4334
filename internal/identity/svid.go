package identity

import (
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"time"
)

// TrustBundle is the set of roots a relying party trusts for one trust domain.
type TrustBundle struct {
	trustDomain string
	roots       []*x509.Certificate
	pool        *x509.CertPool
}

// NewTrustBundle builds a bundle for trust domain td from roots.
func NewTrustBundle(td string, roots []*x509.Certificate) (*TrustBundle, error) {
	if err := ValidateTrustDomain(td); err != nil {
		return nil, fmt.Errorf("trust bundle: %w", err)
	}
	if len(roots) == 0 {
		return nil, errors.New("trust bundle: no roots")
	}
	pool := x509.NewCertPool()
	for _, r := range roots {
		if !r.IsCA {
			return nil, fmt.Errorf("trust bundle: %q is not a CA certificate", r.Subject)
		}
		pool.AddCert(r)
	}
	return &TrustBundle{trustDomain: td, roots: roots, pool: pool}, nil
}

// LoadTrustBundle reads a PEM bundle file for trust domain td.
func LoadTrustBundle(td, path string) (*TrustBundle, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load trust bundle: %w", err)
	}
	roots, err := ParseCertificates(b)
	if err != nil {
		return nil, fmt.Errorf("load trust bundle %s: %w", path, err)
	}
	return NewTrustBundle(td, roots)
}

// TrustDomain is the domain whose members this bundle authenticates.
func (b *TrustBundle) TrustDomain() string { return b.trustDomain }

// Pool returns the roots as a pool for crypto/tls.
func (b *TrustBundle) Pool() *x509.CertPool { return b.pool }

// Roots returns the bundle's roots.
func (b *TrustBundle) Roots() []*x509.Certificate {
	return append([]*x509.Certificate(nil), b.roots...)
}

// VerifySVID checks a presented chain (leaf first) as an X.509-SVID of this bundle's trust domain
// at time now and returns its SPIFFE ID. The leaf must carry exactly one URI SAN that is a valid
// SPIFFE ID in the trust domain, must not be a CA, must allow digitalSignature and not certificate
// or CRL signing, and must chain to a root of the bundle within its validity.
func (b *TrustBundle) VerifySVID(chain []*x509.Certificate, now time.Time) (ID, error) {
	if len(chain) == 0 {
		return ID{}, errors.New("verify svid: no certificate")
	}
	leaf := chain[0]
	id, err := svidID(leaf)
	if err != nil {
		return ID{}, fmt.Errorf("verify svid: %w", err)
	}
	if !id.MemberOf(b.trustDomain) {
		return ID{}, fmt.Errorf("verify svid: %s is not in trust domain %q", id, b.trustDomain)
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	_, err = leaf.Verify(x509.VerifyOptions{
		Roots:         b.pool,
		Intermediates: inter,
		CurrentTime:   now,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil {
		return ID{}, fmt.Errorf("verify svid %s: %w", id, err)
	}
	return id, nil
}

// svidID applies the X.509-SVID leaf rules and returns the ID in the URI SAN.
func svidID(leaf *x509.Certificate) (ID, error) {
	if len(leaf.URIs) != 1 {
		return ID{}, fmt.Errorf("leaf has %d URI SANs, an SVID has exactly one", len(leaf.URIs))
	}
	if leaf.IsCA {
		return ID{}, errors.New("leaf is a CA certificate")
	}
	if leaf.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		return ID{}, errors.New("leaf key usage lacks digitalSignature")
	}
	if leaf.KeyUsage&(x509.KeyUsageCertSign|x509.KeyUsageCRLSign) != 0 {
		return ID{}, errors.New("leaf key usage allows keyCertSign or cRLSign")
	}
	return ParseID(leaf.URIs[0].String())
}

// IDFromCertificate returns the SPIFFE ID of an SVID leaf without verifying its chain (for display
// and for certificates already verified by crypto/tls).
func IDFromCertificate(leaf *x509.Certificate) (ID, error) { return svidID(leaf) }
