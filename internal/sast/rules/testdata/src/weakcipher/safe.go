package weakcipher

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/tls"
)

func BlockSafe(key []byte) (cipher.Block, error) {
	return aes.NewCipher(key) // ok "go-weak-cipher"
}

func StreamSafe(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b) // ok "go-weak-cipher"
}

func SuitesSafe() *tls.Config {
	return &tls.Config{CipherSuites: []uint16{
		tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
		tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, // ok "go-weak-cipher"
	}}
}
