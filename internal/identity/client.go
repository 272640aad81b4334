package identity

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/palisade-sec/palisade/internal/atomicfile"
)

// Client obtains SVIDs and the trust bundle from a Palisade CA's issuance API.
type Client struct {
	// URL is the API base, e.g. https://127.0.0.1:8600.
	URL string
	// Bundle, when set, is what this workload trusts now: the API's certificate must chain to
	// it and be an SVID of its trust domain, and a bundle received from the API must be for
	// that trust domain. A bundle is only ever accepted over a channel verified this way.
	Bundle *TrustBundle
	// Roots verify the API's certificate when Bundle is nil (the root, for a first contact).
	Roots *x509.CertPool
	// DialContext opens the connections to the API (nil: the operating system's network). It
	// carries bytes only: TLS, and every check above, stays the Client's. Tests give an
	// in-memory network here to run enrolment on a synctest bubble's virtual clock.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Issued is the CA's answer to an SVID request: the SVID and, from the same answer, the CA's
// trust bundle — or why that bundle was refused (the SVID is still good then).
type Issued struct {
	Cert      *tls.Certificate
	Bundle    *TrustBundle
	BundleErr error
}

// httpClient returns a client whose TLS verifies the API as described on Client and presents
// current (when non-nil) as the client certificate.
func (c *Client) httpClient(current *tls.Certificate) *http.Client {
	tcfg := &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: c.Roots}
	if c.Bundle != nil {
		tb := c.Bundle
		tcfg.RootCAs = tb.Pool()
		tcfg.VerifyConnection = func(cs tls.ConnectionState) error {
			if _, err := tb.VerifySVID(cs.PeerCertificates, time.Now()); err != nil {
				return fmt.Errorf("ca api certificate: %w", err)
			}
			return nil
		}
	}
	if current != nil {
		tcfg.Certificates = []tls.Certificate{*current}
	}
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{Proxy: nil, TLSClientConfig: tcfg, DialContext: c.DialContext}}
}

// Fetch generates a fresh P-256 key, sends a CSR with attestation a, and returns the issued SVID
// as a tls.Certificate (Leaf set) plus the trust bundle in the answer, checked by ParseBundle and
// required to be for the expected trust domain and to trust both the issued SVID and the API's
// own certificate. When a.Type is AttestSVID, current is presented as the client certificate.
func (c *Client) Fetch(ctx context.Context, a Attestation, current *tls.Certificate) (*Issued, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("fetch svid: %w", err)
	}
	csrDER, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{}, key)
	if err != nil {
		return nil, fmt.Errorf("fetch svid: %w", err)
	}
	body, _ := json.Marshal(IssueRequest{
		CSR:         string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: csrDER})),
		Attestation: a,
	})
	hc := c.httpClient(current)
	defer hc.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(c.URL, "/")+"/v1/svid", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("fetch svid: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch svid: %w", err)
	}
	defer resp.Body.Close()
	rb, err := io.ReadAll(io.LimitReader(resp.Body, maxBundleBytes+64<<10))
	if err != nil {
		return nil, fmt.Errorf("fetch svid: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct{ Error string }
		_ = json.Unmarshal(rb, &e)
		return nil, fmt.Errorf("fetch svid: ca answered %s: %s", resp.Status, e.Error)
	}
	var out IssueResponse
	if err := json.Unmarshal(rb, &out); err != nil {
		return nil, fmt.Errorf("fetch svid: decode answer: %w", err)
	}
	chain, err := ParseCertificates([]byte(out.CertificateChain))
	if err != nil {
		return nil, fmt.Errorf("fetch svid: certificate chain: %w", err)
	}
	if !publicKeysEqual(key.Public(), chain[0].PublicKey) {
		return nil, errors.New("fetch svid: the issued certificate is not for our key")
	}
	is := &Issued{Cert: TLSCertificate(chain, key)}
	is.Bundle, is.BundleErr = c.checkBundle(out.TrustDomain, []byte(out.TrustBundle), map[string][]*x509.Certificate{
		"the svid issued with it":  chain,
		"the ca api's certificate": resp.TLS.PeerCertificates,
	})
	return is, nil
}

// FetchBundle asks the API for its current trust bundle (GET /v1/bundle) over a channel verified
// against c.Bundle, and returns it once ParseBundle accepts it, it is declared for c.Bundle's
// trust domain and it trusts the API's own certificate.
func (c *Client) FetchBundle(ctx context.Context) (*TrustBundle, error) {
	if c.Bundle == nil {
		return nil, errors.New("fetch bundle: the client has no trust bundle to verify the ca with")
	}
	hc := c.httpClient(nil)
	defer hc.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(c.URL, "/")+"/v1/bundle", nil)
	if err != nil {
		return nil, fmt.Errorf("fetch bundle: %w", err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch bundle: %w", err)
	}
	defer resp.Body.Close()
	rb, err := io.ReadAll(io.LimitReader(resp.Body, maxBundleBytes+1))
	if err != nil {
		return nil, fmt.Errorf("fetch bundle: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch bundle: ca answered %s", resp.Status)
	}
	tb, err := c.checkBundle(resp.Header.Get(TrustDomainHeader), rb,
		map[string][]*x509.Certificate{"the ca api's certificate": resp.TLS.PeerCertificates})
	if err != nil {
		return nil, fmt.Errorf("fetch bundle: %w", err)
	}
	return tb, nil
}

// checkBundle applies the rules for a bundle received from the API: declared for the expected
// trust domain, well-formed (ParseBundle), and trusting the chains that came with it.
func (c *Client) checkBundle(declared string, data []byte, chains map[string][]*x509.Certificate) (*TrustBundle, error) {
	td := declared
	if c.Bundle != nil {
		td = c.Bundle.TrustDomain()
		if declared != td {
			return nil, fmt.Errorf("bundle declared for trust domain %q, want %q", declared, td)
		}
	}
	if td == "" {
		return nil, errNoBundleTrustDomain
	}
	now := time.Now()
	tb, err := ParseBundle(td, data, now)
	if err != nil {
		return nil, err
	}
	if err := checkBundleVouches(tb, now, chains); err != nil {
		return nil, err
	}
	return tb, nil
}

// TLSCertificate assembles a tls.Certificate from a chain and its key.
func TLSCertificate(chain []*x509.Certificate, key any) *tls.Certificate {
	tc := &tls.Certificate{PrivateKey: key, Leaf: chain[0]}
	for _, c := range chain {
		tc.Certificate = append(tc.Certificate, c.Raw)
	}
	return tc
}

// WriteSVIDFiles stores a certificate chain and key (0600) as PEM files.
func WriteSVIDFiles(certPath, keyPath string, cert *tls.Certificate) error {
	var b bytes.Buffer
	for _, der := range cert.Certificate {
		_ = pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: der})
	}
	der, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		return fmt.Errorf("write svid: %w", err)
	}
	if err := atomicfile.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: plainKeyType, Bytes: der}), 0o600); err != nil {
		return err
	}
	return atomicfile.WriteFile(certPath, b.Bytes(), 0o644)
}
