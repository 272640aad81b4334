package jwtalg

import (
	"errors"

	"github.com/golang-jwt/jwt/v5"
)

func VerifySafe(s string, key []byte) (*jwt.Token, error) {
	return jwt.Parse(s, func(t *jwt.Token) (any, error) { // ok "go-jwt-alg-unchecked"
		if _, ok := t.Method.(*jwt.SigningMethodHMAC); !ok {
			return nil, errors.New("unexpected signing method")
		}
		return key, nil
	})
}

func (v *Verifier) VerifySafe(s string) (*jwt.Token, error) {
	return jwt.ParseWithClaims(s, jwt.MapClaims{}, v.keyFor, jwt.WithValidMethods([]string{"HS256"})) // ok "go-jwt-alg-unchecked"
}
