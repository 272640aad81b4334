package uncheckederror

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"

	"golang.org/x/crypto/bcrypt"
)

func Key() []byte {
	k := make([]byte, 32)
	rand.Read(k) // want "go-unchecked-security-error"
	return k
}

func Login(hash, password []byte) bool {
	_ = bcrypt.CompareHashAndPassword(hash, password) // want "go-unchecked-security-error"
	return true
}

func Peer(c *tls.Conn, cert *x509.Certificate, opts x509.VerifyOptions) {
	c.Handshake()                  // want "go-unchecked-security-error"
	chains, _ := cert.Verify(opts) // want "go-unchecked-security-error"
	_ = chains
}

func MAC(a, b []byte) {
	hmac.Equal(a, b) // want "go-unchecked-security-error"
}

// Known miss: the handshake's error is overwritten before anyone reads it.
func Overwritten(c *tls.Conn, cert *x509.Certificate, opts x509.VerifyOptions) error {
	err := c.Handshake() // miss "go-unchecked-security-error"
	_, err = cert.Verify(opts)
	return err
}
