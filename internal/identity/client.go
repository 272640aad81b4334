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
	"net/http"
	"strings"
	"time"
)

// Client obtains SVIDs from a Palisade CA's issuance API.
type Client struct {
	// URL is the API base, e.g. https://127.0.0.1:8600.
	URL string
	// Roots verify the API's certificate (the trust bundle, or the root for the first contact).
	Roots *x509.CertPool
}

// Fetch generates a fresh P-256 key, sends a CSR with attestation a, and returns the issued SVID as
// a tls.Certificate (Leaf set) plus the trust bundle in the answer. When a.Type is AttestSVID,
// current is presented as the client certificate.
func (c *Client) Fetch(ctx context.Context, a Attestation, current *tls.Certificate) (*tls.Certificate, []*x509.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("fetch svid: %w", err)
	}
	csrDER, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{}, key)
	if err != nil {
		return nil, nil, fmt.Errorf("fetch svid: %w", err)
	}
	body, _ := json.Marshal(IssueRequest{
		CSR:         string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: csrDER})),
		Attestation: a,
	})
	tcfg := &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: c.Roots}
	if current != nil {
		tcfg.Certificates = []tls.Certificate{*current}
	}
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: tcfg}}
	defer hc.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(c.URL, "/")+"/v1/svid", bytes.NewReader(body))
	if err != nil {
		return nil, nil, fmt.Errorf("fetch svid: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("fetch svid: %w", err)
	}
	defer resp.Body.Close()
	rb, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, nil, fmt.Errorf("fetch svid: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct{ Error string }
		_ = json.Unmarshal(rb, &e)
		return nil, nil, fmt.Errorf("fetch svid: ca answered %s: %s", resp.Status, e.Error)
	}
	var out IssueResponse
	if err := json.Unmarshal(rb, &out); err != nil {
		return nil, nil, fmt.Errorf("fetch svid: decode answer: %w", err)
	}
	chain, err := ParseCertificates([]byte(out.CertificateChain))
	if err != nil {
		return nil, nil, fmt.Errorf("fetch svid: certificate chain: %w", err)
	}
	bundle, err := ParseCertificates([]byte(out.TrustBundle))
	if err != nil {
		return nil, nil, fmt.Errorf("fetch svid: trust bundle: %w", err)
	}
	if !publicKeysEqual(key.Public(), chain[0].PublicKey) {
		return nil, nil, errors.New("fetch svid: the issued certificate is not for our key")
	}
	return TLSCertificate(chain, key), bundle, nil
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
	if err := writeFileAtomic(keyPath, pem.EncodeToMemory(&pem.Block{Type: plainKeyType, Bytes: der}), 0o600); err != nil {
		return err
	}
	return writeFileAtomic(certPath, b.Bytes(), 0o644)
}
