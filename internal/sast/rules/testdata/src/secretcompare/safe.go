package secretcompare

import (
	"bytes"
	"crypto/hmac"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
)

func AuthorizedSafe(r *http.Request, c Client) bool {
	got := r.Header.Get("X-Api-Token")
	if got == "" { // ok "go-secret-compare"
		return false
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(c.APIToken)) == 1 // ok "go-secret-compare"
}

func ValidMACSafe(expectedMAC, got []byte) bool {
	return hmac.Equal(expectedMAC, got) // ok "go-secret-compare"
}

func ValidSignatureSafe(r *http.Request, sig []byte) bool {
	got, err := hex.DecodeString(r.Header.Get("X-Hub-Signature"))
	return err == nil && hmac.Equal(sig, got) // ok "go-secret-compare"
}

type Commit struct{ ID string }

func commitHash(c *Commit) string { return c.ID }

// SameCommit orders two commits by their hashes: nobody guesses a value here.
func SameCommit(a, b *Commit) bool {
	return commitHash(a) == commitHash(b) // ok "go-secret-compare"
}

type engine struct{ token string }

// Known false positive: an opaque marker matched against the one this engine made, not a secret.
func (e *engine) leave(token string) bool {
	return token == e.token // fp "go-secret-compare"
}

// Content hashes compared to see whether a file changed: nothing here is a secret.
func Changed(certFileHash, certHash []byte) bool {
	return !bytes.Equal(certFileHash, certHash) // ok "go-secret-compare"
}
