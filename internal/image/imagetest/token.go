package imagetest

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TokenServer is a registry token service (the Docker token flow) on loopback over TLS: it
// checks basic credentials and issues ES256 JWTs, signed by the CA's key with the CA certificate
// in x5c, that docker-registry configured with TokenAuth accepts.
type TokenServer struct {
	URL                string
	Service, Issuer    string
	User, Password     string
	Requests, Refusals atomic.Int64
}

// StartTokenServer starts a token server whose TLS certificate comes from ca.
func StartTokenServer(t testing.TB, ca *CA) *TokenServer {
	t.Helper()
	ts := &TokenServer{Service: "palisade-test-registry", Issuer: "palisade-test-issuer", User: "tok", Password: "tok-s3cret"}
	srv := ca.StartTLSServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ts.Requests.Add(1)
		u, p, ok := r.BasicAuth()
		if !ok || u != ts.User || p != ts.Password {
			ts.Refusals.Add(1)
			http.Error(w, "bad credentials", http.StatusUnauthorized)
			return
		}
		var access []map[string]any
		for _, scope := range r.URL.Query()["scope"] {
			parts := strings.Split(scope, ":")
			if len(parts) != 3 {
				continue
			}
			access = append(access, map[string]any{"type": parts[0], "name": parts[1], "actions": strings.Split(parts[2], ",")})
		}
		tok, err := ts.sign(ca, u, access)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"token": tok, "access_token": tok, "expires_in": 300})
	}))
	// The realm names localhost, not 127.0.0.1: the registry client refuses a token realm on a
	// loopback or private IP literal (a registry could otherwise aim it at internal services).
	ts.URL = strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) + "/token"
	return ts
}

func (ts *TokenServer) sign(ca *CA, sub string, access []map[string]any) (string, error) {
	now := time.Now()
	jti := make([]byte, 8)
	rand.Read(jti)
	header := map[string]any{"alg": "ES256", "typ": "JWT", "x5c": []string{base64.StdEncoding.EncodeToString(ca.Cert.Raw)}}
	claims := map[string]any{
		"iss": ts.Issuer, "sub": sub, "aud": ts.Service, "jti": fmt.Sprintf("%x", jti),
		"iat": now.Unix(), "nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		"access": access,
	}
	enc := func(v any) (string, error) {
		b, err := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b), err
	}
	h, err := enc(header)
	if err != nil {
		return "", err
	}
	c, err := enc(claims)
	if err != nil {
		return "", err
	}
	digest := sha256.Sum256([]byte(h + "." + c))
	r, s, err := ecdsa.Sign(rand.Reader, ca.Key, digest[:])
	if err != nil {
		return "", err
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return h + "." + c + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}
