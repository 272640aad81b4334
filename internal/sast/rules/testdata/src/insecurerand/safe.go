package insecurerand

import (
	"crypto/rand"
	"encoding/hex"
	"math/big"
	mrand "math/rand"
	"time"
)

func NewSessionSafe() (Session, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return Session{}, err
	}
	return Session{ID: hex.EncodeToString(b)}, nil // ok "go-insecure-rand"
}

func NonceSafe() ([]byte, error) {
	nonce := make([]byte, 12)
	if _, err := rand.Read(nonce); err != nil { // ok "go-insecure-rand"
		return nil, err
	}
	return nonce, nil
}

func generateTokenSafe(n int) (string, error) {
	const letters = "abcdefghijklmnopqrstuvwxyz"
	b := make([]byte, n)
	for i := range b {
		j, err := rand.Int(rand.Reader, big.NewInt(int64(len(letters))))
		if err != nil {
			return "", err
		}
		b[i] = letters[j.Int64()] // ok "go-insecure-rand"
	}
	return string(b), nil
}

// Jitter is not a secret: math/rand is the right tool.
func Jitter(d time.Duration) time.Duration {
	jitter := time.Duration(mrand.Int63n(int64(d))) // ok "go-insecure-rand"
	return d + jitter
}

var _ = generateTokenSafe
