package weakcipher

import (
	"crypto/cipher"
	"crypto/des"
	"crypto/rc4"
)

func Block(key []byte) (cipher.Block, error) {
	return des.NewTripleDESCipher(key) // want "go-weak-cipher"
}

func Stream(key []byte) (*rc4.Cipher, error) {
	return rc4.NewCipher(key) // want "go-weak-cipher"
}
