package secretcompare

import (
	"crypto/hmac"
	"crypto/subtle"
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
