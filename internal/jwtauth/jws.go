// Package jwtauth verifies JSON Web Tokens for the gateway: compact JWS (RFC 7515) over the
// standard library's crypto, keys from JWK sets (RFC 7517) fetched from issuers' JWKS URLs, and
// the claim rules of RFC 7519. Its invariants: "none" is never accepted; an algorithm must be on
// the issuer's explicit allow-list AND match the key's type, curve and declared alg, so HMAC/RSA
// confusion cannot happen; keys marked for encryption, weak keys (RSA < 2048 bits, exponent 1,
// ROCA-generated moduli, short HMAC secrets) and ambiguous key sets are refused; exp is required,
// iss is required, aud is required unless an issuer opts out, and token lifetime is bounded.
package jwtauth

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// MaxTokenSize bounds the compact token accepted (before any decoding).
const MaxTokenSize = 16 << 10

// Header is the decoded JOSE header of a JWS.
type Header struct {
	Alg string `json:"alg"`
	Kid string `json:"kid,omitempty"`
	Typ string `json:"typ,omitempty"`
}

// JWS is a parsed, not yet verified, compact JWS.
type JWS struct {
	Header       Header
	Payload      []byte
	Signature    []byte
	SigningInput string // base64url(header) "." base64url(payload), exactly as received
}

var b64 = base64.RawURLEncoding.Strict()

// ParseCompact splits and decodes a compact JWS strictly: exactly three parts of unpadded
// base64url with no stray characters or non-zero padding bits, a JSON-object header without
// duplicate members, a string "alg", and no "crit" or "b64" extension (none is understood, so
// by RFC 7515 4.1.11 the token must be refused). The JSON serialization is not accepted.
func ParseCompact(tok string) (*JWS, error) {
	if len(tok) > MaxTokenSize {
		return nil, fmt.Errorf("parse jws: longer than %d bytes", MaxTokenSize)
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("parse jws: %d parts, want 3 (compact serialization)", len(parts))
	}
	hb, err := b64.DecodeString(parts[0])
	if err != nil {
		return nil, fmt.Errorf("parse jws: header: %w", err)
	}
	payload, err := b64.DecodeString(parts[1])
	if err != nil {
		return nil, fmt.Errorf("parse jws: payload: %w", err)
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil {
		return nil, fmt.Errorf("parse jws: signature: %w", err)
	}
	if len(sig) == 0 {
		return nil, errors.New("parse jws: empty signature")
	}
	members, err := objectMembers(hb)
	if err != nil {
		return nil, fmt.Errorf("parse jws: header: %w", err)
	}
	for _, m := range []string{"crit", "b64", "jwk", "jku", "x5u", "x5c"} {
		if _, ok := members[m]; ok {
			return nil, fmt.Errorf("parse jws: header member %q is not accepted", m)
		}
	}
	var h Header
	if err := json.Unmarshal(hb, &h); err != nil {
		return nil, fmt.Errorf("parse jws: header: %w", err)
	}
	if h.Alg == "" {
		return nil, errors.New("parse jws: header has no alg")
	}
	return &JWS{Header: h, Payload: payload, Signature: sig, SigningInput: parts[0] + "." + parts[1]}, nil
}

// objectMembers decodes a JSON object's top-level members, refusing duplicates (two "alg"
// members would let different parsers see different algorithms).
func objectMembers(b []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := t.(json.Delim); !ok || d != '{' {
		return nil, errors.New("not a JSON object")
	}
	out := map[string]json.RawMessage{}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, err
		}
		k, _ := kt.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("duplicate member %q", k)
		}
		out[k] = v
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data after the object")
	}
	if _, err := dec.Token(); err == nil {
		return nil, errors.New("trailing data after the object")
	}
	return out, nil
}
