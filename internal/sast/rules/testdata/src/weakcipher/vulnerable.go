package weakcipher

import (
	"crypto/cipher"
	"crypto/des"
	"crypto/rc4"
	"crypto/tls"
)

func Block(key []byte) (cipher.Block, error) {
	return des.NewTripleDESCipher(key) // want "go-weak-cipher"
}

func Stream(key []byte) (*rc4.Cipher, error) {
	return rc4.NewCipher(key) // want "go-weak-cipher"
}

func Suites() *tls.Config {
	return &tls.Config{CipherSuites: []uint16{
		tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
		tls.TLS_RSA_WITH_RC4_128_SHA, // want "go-weak-cipher"
	}}
}
