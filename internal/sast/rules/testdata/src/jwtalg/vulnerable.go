package jwtalg

import "github.com/golang-jwt/jwt/v5"

func Verify(s string, key []byte) (*jwt.Token, error) {
	return jwt.Parse(s, func(t *jwt.Token) (any, error) { // want "go-jwt-alg-unchecked"
		return key, nil
	})
}

type Verifier struct{ key []byte }

func (v *Verifier) keyFor(t *jwt.Token) (any, error) { return v.key, nil }

func (v *Verifier) Verify(s string) (*jwt.Token, error) {
	return jwt.ParseWithClaims(s, jwt.MapClaims{}, v.keyFor) // want "go-jwt-alg-unchecked"
}
