package gateway

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"github.com/palisade-sec/palisade/internal/identity"
)

// certSource supplies this gateway's SVID to TLS on every handshake, so a renewed certificate is
// used by the next connection while open ones continue.
type certSource interface {
	GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error)
	GetClientCertificate(*tls.CertificateRequestInfo) (*tls.Certificate, error)
	Current() *tls.Certificate
	Run(ctx context.Context) error
}

// fileSource serves a certificate and key from files, re-reading them when they change (another
// agent renews them). A changed but unusable pair is reported and the old one kept.
type fileSource struct {
	certFile, keyFile string
	cur               atomic.Pointer[tls.Certificate]
	stamp             string
	onChange          func(*tls.Certificate, error)
}

func newFileSource(certFile, keyFile string, onChange func(*tls.Certificate, error)) (*fileSource, error) {
	s := &fileSource{certFile: certFile, keyFile: keyFile, onChange: onChange}
	c, err := loadKeyPair(certFile, keyFile)
	if err != nil {
		return nil, err
	}
	s.stamp = fileStamp(certFile) + fileStamp(keyFile)
	s.cur.Store(c)
	return s, nil
}

// loadKeyPair loads a certificate chain and its key, naming the file at fault: a truncated key
// used to be reported as the certificate file, which sent operators to the wrong file.
func loadKeyPair(certFile, keyFile string) (*tls.Certificate, error) {
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return nil, fmt.Errorf("load certificate: %w", err)
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("load key: %w", err)
	}
	c, err := tls.X509KeyPair(certPEM, keyPEM)
	if err == nil {
		return &c, nil
	}
	if !holdsCertificate(certPEM) {
		return nil, fmt.Errorf("load certificate %s: no PEM certificate that parses", certFile)
	}
	return nil, fmt.Errorf("load key %s (for the certificate in %s): %w", keyFile, certFile, err)
}

// holdsCertificate reports whether data has a first PEM CERTIFICATE block that parses.
func holdsCertificate(data []byte) bool {
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return false
		}
		if b.Type == "CERTIFICATE" {
			_, err := x509.ParseCertificate(b.Bytes)
			return err == nil
		}
	}
}

func fileStamp(path string) string {
	fi, err := os.Stat(path)
	if err != nil {
		return "missing"
	}
	return fmt.Sprintf("%d/%d;", fi.ModTime().UnixNano(), fi.Size())
}

func (s *fileSource) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return s.cur.Load(), nil
}

func (s *fileSource) GetClientCertificate(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
	return s.cur.Load(), nil
}

func (s *fileSource) Current() *tls.Certificate { return s.cur.Load() }

func (s *fileSource) Run(ctx context.Context) error {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		stamp := fileStamp(s.certFile) + fileStamp(s.keyFile)
		if stamp == s.stamp {
			continue
		}
		c, err := loadKeyPair(s.certFile, s.keyFile)
		if err == nil {
			s.stamp = stamp
			s.cur.Store(c)
		}
		if s.onChange != nil {
			s.onChange(c, err)
		}
	}
}

// inboundTLS builds the listener's TLS configuration: TLS 1.2+, the server certificate from
// serverCert, and client certificates verified as SVIDs of the current trust bundle (required in
// "require" mode; in "optional" mode absent is allowed but invalid is still refused).
func (g *Gateway) inboundTLS(cfg *Config, serverCert func(*tls.ClientHelloInfo) (*tls.Certificate, error)) *tls.Config {
	auth := tls.RequireAnyClientCert
	if cfg.Inbound.ClientCerts == "optional" {
		auth = tls.RequestClientCert
	}
	return &tls.Config{
		MinVersion:     tls.VersionTLS12,
		GetCertificate: serverCert,
		ClientAuth:     auth,
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			if len(raw) == 0 {
				return nil // only reachable in optional mode
			}
			certs, err := parseRaw(raw)
			if err != nil {
				return err
			}
			_, err = g.bundle.Load().VerifySVID(certs, g.now())
			return err
		},
	}
}

// upstreamTLS originates mTLS with this gateway's SVID and accepts only a server whose SVID
// chains to the trust bundle and names exactly want. Hostname verification is replaced (not
// skipped) by this SPIFFE ID check, as SPIFFE's X.509-SVID specification prescribes.
func (g *Gateway) upstreamTLS(want identity.ID) *tls.Config {
	return &tls.Config{
		MinVersion:           tls.VersionTLS12,
		GetClientCertificate: g.svid.GetClientCertificate,
		InsecureSkipVerify:   true, // verification is VerifyPeerCertificate below
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			certs, err := parseRaw(raw)
			if err != nil {
				return err
			}
			id, err := g.bundle.Load().VerifySVID(certs, g.now())
			if err != nil {
				return err
			}
			if id != want {
				return fmt.Errorf("upstream presented %s, want %s", id, want)
			}
			return nil
		},
	}
}

func parseRaw(raw [][]byte) ([]*x509.Certificate, error) {
	if len(raw) == 0 {
		return nil, errors.New("no certificate presented")
	}
	certs := make([]*x509.Certificate, 0, len(raw))
	for _, der := range raw {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("parse peer certificate: %w", err)
		}
		certs = append(certs, c)
	}
	return certs, nil
}
