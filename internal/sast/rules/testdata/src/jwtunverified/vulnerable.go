package jwtunverified

import (
	"github.com/golang-jwt/jwt/v5"
	jwx "github.com/lestrrat-go/jwx/v2/jwt"
)

func Subject(s string) (jwt.MapClaims, error) {
	claims := jwt.MapClaims{}
	_, _, err := jwt.NewParser().ParseUnverified(s, claims) // want "go-jwt-unverified"
	return claims, err
}

func NoneKey(t *jwt.Token) (any, error) {
	return jwt.UnsafeAllowNoneSignatureType, nil // want "go-jwt-unverified"
}

func Lestrrat(b []byte) (jwx.Token, error) {
	return jwx.Parse(b, jwx.WithVerify(false)) // want "go-jwt-unverified"
}
