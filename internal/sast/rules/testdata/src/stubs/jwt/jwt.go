// Package jwt is a stub of github.com/golang-jwt/jwt/v5, for the rules' twins.
package jwt

// SigningMethod signs and verifies.
type SigningMethod interface{ Alg() string }

// SigningMethodHMAC is the HMAC family.
type SigningMethodHMAC struct{ Name string }

// Alg names the algorithm.
func (m *SigningMethodHMAC) Alg() string { return m.Name }

// Claims are a token's claims.
type Claims interface{}

// MapClaims are claims in a map.
type MapClaims map[string]any

// Token is a parsed token.
type Token struct {
	Raw    string
	Method SigningMethod
	Header map[string]any
	Claims Claims
	Valid  bool
}

// SignedString signs the token.
func (t *Token) SignedString(key any) (string, error) { return "", nil }

// Keyfunc returns the key that verifies a token.
type Keyfunc func(*Token) (any, error)

// ParserOption configures a Parser.
type ParserOption func(*Parser)

// Parser parses tokens.
type Parser struct{}

// UnsafeAllowNoneSignatureType is the key that accepts alg none.
const UnsafeAllowNoneSignatureType = "none signing method allowed"

// NewParser returns a Parser.
func NewParser(opts ...ParserOption) *Parser { return &Parser{} }

// WithValidMethods restricts the accepted algorithms.
func WithValidMethods(methods []string) ParserOption { return nil }

// Parse parses and verifies.
func Parse(s string, kf Keyfunc, opts ...ParserOption) (*Token, error) { return nil, nil }

// ParseWithClaims parses and verifies into claims.
func ParseWithClaims(s string, c Claims, kf Keyfunc, opts ...ParserOption) (*Token, error) {
	return nil, nil
}

// Parse parses and verifies.
func (p *Parser) Parse(s string, kf Keyfunc) (*Token, error) { return nil, nil }

// ParseUnverified parses without verifying.
func (p *Parser) ParseUnverified(s string, c Claims) (*Token, []string, error) { return nil, nil, nil }
