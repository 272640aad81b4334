package secretcompare

import (
	"bytes"
	"encoding/hex"
	"net/http"
)

type Client struct{ APIToken string }

func Authorized(r *http.Request, c Client) bool {
	return r.Header.Get("X-Api-Token") == c.APIToken // want "go-secret-compare"
}

func ValidMAC(expectedMAC, got []byte) bool {
	return bytes.Equal(expectedMAC, got) // want "go-secret-compare"
}

func ValidSignature(r *http.Request, sig []byte) bool {
	return hex.EncodeToString(sig) == r.Header.Get("X-Hub-Signature") // want "go-secret-compare"
}

// A hash the client sends is checked against the one derived from a secret.
func ValidHash(r *http.Request, expectedHash string) bool {
	return r.Header.Get("X-Body-Hash") == expectedHash // want "go-secret-compare"
}
