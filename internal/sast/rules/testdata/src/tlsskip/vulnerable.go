package tlsskip

import (
	"crypto/tls"
	"net/http"
)

func Client() *http.Client {
	cfg := &tls.Config{
		InsecureSkipVerify: true, // want "go-tls-insecure-skip-verify"
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}}
}

func Patch(t *http.Transport, insecure bool) {
	t.TLSClientConfig.InsecureSkipVerify = insecure // want "go-tls-insecure-skip-verify"
}
