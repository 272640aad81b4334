package weakcipher

import (
	"crypto/aes"
	"crypto/cipher"
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
