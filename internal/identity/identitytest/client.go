package identitytest

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// ClientTLS is the client side of mTLS with a server that presents an X.509-SVID (a sidecar or
// the CA), which names a SPIFFE ID rather than a host: it presents cert (nil: no certificate)
// and accepts the server only if its chain verifies against roots and its leaf carries exactly
// one spiffe:// URI, which must be wantID unless wantID is "".
func ClientTLS(roots *x509.CertPool, cert *tls.Certificate, wantID string) *tls.Config {
	cfg := &tls.Config{
		MinVersion: tls.VersionTLS12,
		// Host-name verification cannot apply to an SVID; VerifyPeerCertificate replaces it and
		// still checks the chain, so the client never accepts an unverified server.
		InsecureSkipVerify: true,
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			return verifySVID(roots, raw, wantID)
		},
	}
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	return cfg
}

// Client is an HTTP client over ClientTLS, with a 5-second timeout and HTTP/2 when the server
// offers it.
func Client(roots *x509.CertPool, cert *tls.Certificate, wantID string) *http.Client {
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: ClientTLS(roots, cert, wantID), ForceAttemptHTTP2: true,
	}}
}

func verifySVID(roots *x509.CertPool, raw [][]byte, wantID string) error {
	if len(raw) == 0 {
		return errors.New("server presented no certificate")
	}
	certs := make([]*x509.Certificate, 0, len(raw))
	for _, der := range raw {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return fmt.Errorf("parse server certificate: %w", err)
		}
		certs = append(certs, c)
	}
	opts := x509.VerifyOptions{Roots: roots, Intermediates: x509.NewCertPool(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}
	for _, c := range certs[1:] {
		opts.Intermediates.AddCert(c)
	}
	if _, err := certs[0].Verify(opts); err != nil {
		return err
	}
	leaf := certs[0]
	if len(leaf.URIs) != 1 || leaf.URIs[0].Scheme != "spiffe" {
		return fmt.Errorf("server certificate is not an SVID: URIs %v", leaf.URIs)
	}
	if got := leaf.URIs[0].String(); wantID != "" && got != wantID {
		return fmt.Errorf("server is %s, want %s", got, wantID)
	}
	return nil
}
