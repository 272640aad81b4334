package weakhash

import (
	"crypto"
	"crypto/hmac"
	"crypto/md5"
	hashing "crypto/md5"
	"crypto/rsa"
	"crypto/sha1"
	"hash"
)

func Fingerprint(b []byte) [16]byte {
	return md5.Sum(b) // want "go-weak-hash"
}

func Signer(key []byte) hash.Hash {
	return hmac.New(sha1.New, key) // want "go-weak-hash"
}

func Sign(k *rsa.PrivateKey, digest []byte) ([]byte, error) {
	return rsa.SignPKCS1v15(nil, k, crypto.SHA1, digest) // want "go-weak-hash"
}

// An aliased import is still crypto/md5.
func Aliased(b []byte) [16]byte {
	return hashing.Sum(b) // want "go-weak-hash"
}
