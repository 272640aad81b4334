package secretcompare

import (
	"bytes"
	"net/http"
)

type Client struct{ APIToken string }

func Authorized(r *http.Request, c Client) bool {
	return r.Header.Get("X-Api-Token") == c.APIToken // want "go-secret-compare"
}

func ValidMAC(expectedMAC, got []byte) bool {
	return bytes.Equal(expectedMAC, got) // want "go-secret-compare"
}
