package jwtunverified

import (
	"errors"

	"github.com/golang-jwt/jwt/v5"
	jwx "github.com/lestrrat-go/jwx/v2/jwt"
)

func SubjectSafe(s string, key []byte) (jwt.MapClaims, error) {
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(s, claims, func(t *jwt.Token) (any, error) { return key, nil }, jwt.WithValidMethods([]string{"HS256"})) // ok "go-jwt-unverified"
	return claims, err
}

func NoneKeySafe(t *jwt.Token) (any, error) {
	return nil, errors.New("no key") // ok "go-jwt-unverified"
}

func LestrratSafe(b []byte, key any) (jwx.Token, error) {
	return jwx.Parse(b, jwx.WithKey("RS256", key), jwx.WithVerify(true)) // ok "go-jwt-unverified"
}
