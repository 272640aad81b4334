package weakhash

import (
	"crypto"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"hash"
)

func FingerprintSafe(b []byte) [32]byte {
	return sha256.Sum256(b) // ok "go-weak-hash"
}

func SignerSafe(key []byte) hash.Hash {
	return hmac.New(sha256.New, key) // ok "go-weak-hash"
}

func SignSafe(k *rsa.PrivateKey, digest []byte) ([]byte, error) {
	return rsa.SignPKCS1v15(nil, k, crypto.SHA256, digest) // ok "go-weak-hash"
}

// md5 is a local function that merely shares the name: resolved by type, never by text.
func md5Sum(b []byte) int { return len(b) }

func Local(b []byte) int {
	return md5Sum(b) // ok "go-weak-hash"
}

// Known false positive: git names objects by SHA-1; no attacker chooses what is hashed here.
func GitObjectID(blob []byte) [20]byte {
	return sha1.Sum(append([]byte("blob "), blob...)) // fp "go-weak-hash"
}
