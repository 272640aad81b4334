package tlsskip

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
)

func ClientSafe(pool *x509.CertPool) *http.Client {
	cfg := &tls.Config{
		RootCAs: pool, // ok "go-tls-insecure-skip-verify"
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}}
}

func PatchSafe(t *http.Transport) {
	t.TLSClientConfig.InsecureSkipVerify = false // ok "go-tls-insecure-skip-verify"
}

// Pinned skips the default verification but verifies the peer itself.
func Pinned(verify func(tls.ConnectionState) error) *tls.Config {
	return &tls.Config{
		InsecureSkipVerify: true, // ok "go-tls-insecure-skip-verify"
		VerifyConnection:   verify,
	}
}
