// Package identitytest is a certificate authority for tests, the way net/http/httptest is a
// server: a real identity.CA in a temporary directory that issues SVIDs and server certificates,
// in memory or as PEM files a gateway configuration can name.
package identitytest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"path/filepath"
	"testing"
	"time"

	"github.com/palisade-sec/palisade/internal/identity"
)

// CA is an identity.CA initialised in Dir (unencrypted keys, bundle.pem beside them).
type CA struct {
	*identity.CA
	Dir string
	t   testing.TB
}

// NewCA initialises a CA for trustDomain in a new t.TempDir().
func NewCA(t testing.TB, trustDomain string) *CA {
	t.Helper()
	dir := t.TempDir()
	ca, err := identity.Init(dir, identity.InitOptions{TrustDomain: trustDomain})
	if err != nil {
		t.Fatal(err)
	}
	return &CA{CA: ca, Dir: dir, t: t}
}

// BundleFile is the path of the CA's trust bundle.
func (c *CA) BundleFile() string { return filepath.Join(c.Dir, "bundle.pem") }

// Issue returns an SVID for the SPIFFE ID id, valid for ttl, with a fresh P-256 key.
func (c *CA) Issue(id string, ttl time.Duration) *tls.Certificate {
	c.t.Helper()
	key := newKey(c.t)
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{}, key)
	if err != nil {
		c.t.Fatal(err)
	}
	csr, err := x509.ParseCertificateRequest(der)
	if err != nil {
		c.t.Fatal(err)
	}
	s, err := c.IssueSVID(csr, c.parseID(id), ttl)
	if err != nil {
		c.t.Fatal(err)
	}
	return identity.TLSCertificate(s.Chain, key)
}

// IssueFiles issues an SVID for id valid for an hour and writes it to Dir as name.pem and
// name.key, whose paths it returns.
func (c *CA) IssueFiles(id, name string) (certFile, keyFile string) {
	c.t.Helper()
	return c.writeFiles(name, c.Issue(id, time.Hour))
}

// IssueServerFiles issues a TLS server certificate for dnsNames (under the SPIFFE ID id), valid
// for an hour, as a public CA would, and writes it to Dir as name.pem and name.key.
func (c *CA) IssueServerFiles(id string, dnsNames []string, name string) (certFile, keyFile string) {
	c.t.Helper()
	key := newKey(c.t)
	s, err := c.IssueServerCertificate(key.Public(), c.parseID(id), dnsNames, nil, time.Hour)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.writeFiles(name, identity.TLSCertificate(s.Chain, key))
}

func (c *CA) writeFiles(name string, cert *tls.Certificate) (certFile, keyFile string) {
	c.t.Helper()
	certFile, keyFile = filepath.Join(c.Dir, name+".pem"), filepath.Join(c.Dir, name+".key")
	if err := identity.WriteSVIDFiles(certFile, keyFile, cert); err != nil {
		c.t.Fatal(err)
	}
	return certFile, keyFile
}

func (c *CA) parseID(id string) identity.ID {
	c.t.Helper()
	sid, err := identity.ParseID(id)
	if err != nil {
		c.t.Fatal(err)
	}
	return sid
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}
