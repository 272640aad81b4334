package uncheckederror

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"

	"golang.org/x/crypto/bcrypt"
)

func KeySafe() ([]byte, error) {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil { // ok "go-unchecked-security-error"
		return nil, err
	}
	return k, nil
}

func LoginSafe(hash, password []byte) bool {
	return bcrypt.CompareHashAndPassword(hash, password) == nil // ok "go-unchecked-security-error"
}

func PeerSafe(c *tls.Conn, cert *x509.Certificate, opts x509.VerifyOptions) error {
	if err := c.Handshake(); err != nil { // ok "go-unchecked-security-error"
		return err
	}
	_, err := cert.Verify(opts) // ok "go-unchecked-security-error"
	return err
}

func MACSafe(a, b []byte) bool {
	return hmac.Equal(a, b) // ok "go-unchecked-security-error"
}
