package jwtauth

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
)

// Key is one verified-sane public (or HMAC) key from a JWK.
type Key struct {
	Kid string
	Alg string // the JWK's "alg", when it declares one: the only algorithm the key may verify
	kty string
	pub any // *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey or []byte (oct)
}

// Symmetric reports whether the key is an HMAC secret.
func (k *Key) Symmetric() bool { return k.kty == "oct" }

type rawJWK struct {
	Kty    string   `json:"kty"`
	Kid    string   `json:"kid"`
	Alg    string   `json:"alg"`
	Use    string   `json:"use"`
	KeyOps []string `json:"key_ops"`
	Crv    string   `json:"crv"`
	X      string   `json:"x"`
	Y      string   `json:"y"`
	N      string   `json:"n"`
	E      string   `json:"e"`
	K      string   `json:"k"`
}

// ParseJWK decodes one JWK for signature verification. Private members are ignored (only the
// public part is kept). A key is refused when its "use" is not "sig", its "key_ops" do not allow
// "verify", its "alg" is not a JWS algorithm of its type and curve, or the key itself is weak or
// malformed.
func ParseJWK(b []byte) (*Key, error) {
	var r rawJWK
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("parse jwk: %w", err)
	}
	k := &Key{Kid: r.Kid, Alg: r.Alg, kty: r.Kty}
	if r.Use != "" && r.Use != "sig" {
		return nil, fmt.Errorf("parse jwk %q: use %q is not sig", r.Kid, r.Use)
	}
	if r.KeyOps != nil && !slices.Contains(r.KeyOps, "verify") {
		return nil, fmt.Errorf("parse jwk %q: key_ops %q do not include verify", r.Kid, r.KeyOps)
	}
	var err error
	switch r.Kty {
	case "RSA":
		k.pub, err = parseRSA(r)
	case "EC":
		k.pub, err = parseEC(r)
	case "OKP":
		k.pub, err = parseOKP(r)
	case "oct":
		var sec []byte
		sec, err = b64.DecodeString(r.K)
		if err == nil && len(sec) < 32 {
			err = fmt.Errorf("hmac secret of %d bytes is too short (32 minimum)", len(sec))
		}
		k.pub = sec
	case "":
		err = errors.New("missing kty")
	default:
		err = fmt.Errorf("unsupported kty %q", r.Kty)
	}
	if err != nil {
		return nil, fmt.Errorf("parse jwk %q: %w", r.Kid, err)
	}
	if k.Alg != "" {
		if err := k.compatible(k.Alg); err != nil {
			return nil, fmt.Errorf("parse jwk %q: declared alg: %w", r.Kid, err)
		}
	}
	return k, nil
}

func parseRSA(r rawJWK) (*rsa.PublicKey, error) {
	nb, err := b64.DecodeString(r.N)
	if err != nil || len(nb) == 0 {
		return nil, errors.New("rsa modulus n: missing or not base64url")
	}
	eb, err := b64.DecodeString(r.E)
	if err != nil || len(eb) == 0 || len(eb) > 4 {
		return nil, errors.New("rsa exponent e: missing, not base64url or too large")
	}
	n := new(big.Int).SetBytes(nb)
	e := int(new(big.Int).SetBytes(eb).Int64())
	if n.BitLen() < 2048 {
		return nil, fmt.Errorf("rsa modulus of %d bits is too small (2048 minimum)", n.BitLen())
	}
	if e < 3 || e%2 == 0 {
		return nil, fmt.Errorf("rsa public exponent %d is not acceptable", e)
	}
	if rocaFingerprint(n) {
		return nil, errors.New("rsa modulus has the ROCA fingerprint (CVE-2017-15361): the private key is recoverable")
	}
	return &rsa.PublicKey{N: n, E: e}, nil
}

func parseEC(r rawJWK) (*ecdsa.PublicKey, error) {
	var c elliptic.Curve
	switch r.Crv {
	case "P-256":
		c = elliptic.P256()
	case "P-384":
		c = elliptic.P384()
	case "P-521":
		c = elliptic.P521()
	default:
		return nil, fmt.Errorf("unsupported EC curve %q", r.Crv)
	}
	size := (c.Params().BitSize + 7) / 8
	x, errX := b64.DecodeString(r.X)
	y, errY := b64.DecodeString(r.Y)
	if errX != nil || errY != nil || len(x) != size || len(y) != size {
		return nil, fmt.Errorf("ec coordinates must be %d bytes of base64url each", size)
	}
	pt := append(append([]byte{4}, x...), y...)
	pub, err := ecdsa.ParseUncompressedPublicKey(c, pt)
	if err != nil {
		return nil, fmt.Errorf("ec point: %w", err)
	}
	return pub, nil
}

func parseOKP(r rawJWK) (ed25519.PublicKey, error) {
	if r.Crv != "Ed25519" {
		return nil, fmt.Errorf("unsupported OKP curve %q", r.Crv)
	}
	x, err := b64.DecodeString(r.X)
	if err != nil || len(x) != ed25519.PublicKeySize {
		return nil, errors.New("ed25519 key x must be 32 bytes of base64url")
	}
	return ed25519.PublicKey(x), nil
}

// compatible checks that alg may be verified with this key: the key type and curve must be the
// algorithm's, HMAC secrets must be at least the hash size, and a key that declares an alg
// verifies only that one.
func (k *Key) compatible(alg string) error {
	spec, ok := algorithms[alg]
	if !ok {
		return fmt.Errorf("%q is not a supported JWS algorithm", alg)
	}
	if k.Alg != "" && k.Alg != alg {
		return fmt.Errorf("key is for %s, token uses %s", k.Alg, alg)
	}
	switch p := k.pub.(type) {
	case []byte:
		if spec.family != famHMAC {
			return fmt.Errorf("%s needs an asymmetric key, not an HMAC secret", alg)
		}
		if len(p) < spec.hash.Size() {
			return fmt.Errorf("%s needs a secret of at least %d bytes", alg, spec.hash.Size())
		}
	case *rsa.PublicKey:
		if spec.family != famRSA && spec.family != famPSS {
			return fmt.Errorf("%s cannot be verified with an RSA key", alg)
		}
	case *ecdsa.PublicKey:
		if spec.family != famECDSA || spec.curve != p.Curve {
			return fmt.Errorf("%s cannot be verified with an EC key on %s", alg, p.Curve.Params().Name)
		}
	case ed25519.PublicKey:
		if spec.family != famEdDSA {
			return fmt.Errorf("%s cannot be verified with an Ed25519 key", alg)
		}
	default:
		return errors.New("key has no usable material")
	}
	return nil
}

// KeySet is a JWK set indexed by kid.
type KeySet struct {
	keys []*Key
}

// Keys returns the set's keys.
func (s *KeySet) Keys() []*Key { return s.keys }

// ParseJWKSLenient decodes a JWK set as served by an identity provider: a key that cannot be used
// is left out and reported in problems rather than failing the others; keys sharing a kid are all
// left out (ambiguous). HMAC secrets are refused unless allowSymmetric, and never mixed with
// public keys.
func ParseJWKSLenient(b []byte, allowSymmetric bool) (*KeySet, []error) {
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return &KeySet{}, []error{fmt.Errorf("parse jwks: %w", err)}
	}
	if doc.Keys == nil {
		return &KeySet{}, []error{errors.New("parse jwks: no \"keys\" member")}
	}
	var problems []error
	var keys []*Key
	seen := map[string]int{}
	for i, raw := range doc.Keys {
		k, err := ParseJWK(raw)
		if err != nil {
			problems = append(problems, fmt.Errorf("parse jwks: key %d: %w", i, err))
			continue
		}
		if k.Symmetric() && !allowSymmetric {
			problems = append(problems, fmt.Errorf("parse jwks: key %d (%q): HMAC secrets are not accepted from a key set URL", i, k.Kid))
			continue
		}
		seen[k.Kid]++
		keys = append(keys, k)
	}
	var out []*Key
	sym, asym := 0, 0
	for _, k := range keys {
		if seen[k.Kid] > 1 {
			problems = append(problems, fmt.Errorf("parse jwks: kid %q is used by %d keys: ambiguous, all refused", k.Kid, seen[k.Kid]))
			seen[k.Kid] = -1 // report once
			continue
		}
		if seen[k.Kid] < 0 {
			continue
		}
		if k.Symmetric() {
			sym++
		} else {
			asym++
		}
		out = append(out, k)
	}
	if sym > 0 && asym > 0 {
		return &KeySet{}, append(problems, errors.New("parse jwks: the set mixes HMAC secrets and public keys"))
	}
	return &KeySet{keys: out}, problems
}

// lookup finds the key for a token's kid. A token without kid is matched only when the set holds
// exactly one key.
func (s *KeySet) lookup(kid string) (*Key, bool) {
	if kid == "" {
		if len(s.keys) == 1 {
			return s.keys[0], true
		}
		return nil, false
	}
	for _, k := range s.keys {
		if k.Kid == kid {
			return k, true
		}
	}
	return nil, false
}

// rocaPrimes and the test below implement the public ROCA fingerprint (Nemec et al., CCS 2017):
// moduli from the vulnerable Infineon generator are, modulo each small prime p, a power of 65537.
var rocaPrimes = []int64{3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167}

func rocaFingerprint(n *big.Int) bool {
	for _, p := range rocaPrimes {
		r := new(big.Int).Mod(n, big.NewInt(p)).Int64()
		if r == 0 {
			return false
		}
		g := int64(65537) % p
		x, found := int64(1), false
		for i := int64(0); i < p; i++ {
			if x == r {
				found = true
				break
			}
			x = x * g % p
		}
		if !found {
			return false
		}
	}
	return true
}
