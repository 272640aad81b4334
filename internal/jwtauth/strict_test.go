package jwtauth

import (
	"errors"
)

// ParseJWKS decodes a JWK set strictly: any unusable key, a kid used twice, or a mix of HMAC
// secrets and public keys (which invites algorithm confusion) makes the whole set an error.
func ParseJWKS(b []byte) (*KeySet, error) {
	set, problems := ParseJWKSLenient(b, true)
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	return set, nil
}
