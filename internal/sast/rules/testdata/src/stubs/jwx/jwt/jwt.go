// Package jwt is a stub of github.com/lestrrat-go/jwx/v2/jwt, for the rules' twins.
package jwt

// Token is a parsed token.
type Token interface{ Subject() string }

// ParseOption configures Parse.
type ParseOption interface{ parse() }

// Parse parses a token.
func Parse(b []byte, opts ...ParseOption) (Token, error) { return nil, nil }

// ParseInsecure parses without verifying.
func ParseInsecure(b []byte, opts ...ParseOption) (Token, error) { return nil, nil }

// WithVerify turns verification on or off.
func WithVerify(v bool) ParseOption { return nil }

// WithKey verifies with a key.
func WithKey(alg string, key any) ParseOption { return nil }
