package jwtauth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rsa"
	_ "crypto/sha256" // register the JWS hashes
	_ "crypto/sha512"
	"errors"
	"fmt"
	"math/big"
	"slices"
)

type family int

const (
	famHMAC family = iota + 1
	famRSA
	famPSS
	famECDSA
	famEdDSA
)

type algSpec struct {
	family family
	hash   crypto.Hash
	curve  elliptic.Curve
}

// algorithms are the JWS algorithms Palisade can verify. "none" is absent on purpose.
var algorithms = map[string]algSpec{
	"HS256": {famHMAC, crypto.SHA256, nil},
	"HS384": {famHMAC, crypto.SHA384, nil},
	"HS512": {famHMAC, crypto.SHA512, nil},
	"RS256": {famRSA, crypto.SHA256, nil},
	"RS384": {famRSA, crypto.SHA384, nil},
	"RS512": {famRSA, crypto.SHA512, nil},
	"PS256": {famPSS, crypto.SHA256, nil},
	"PS384": {famPSS, crypto.SHA384, nil},
	"PS512": {famPSS, crypto.SHA512, nil},
	"ES256": {famECDSA, crypto.SHA256, elliptic.P256()},
	"ES384": {famECDSA, crypto.SHA384, elliptic.P384()},
	"ES512": {famECDSA, crypto.SHA512, elliptic.P521()},
	"EdDSA": {famEdDSA, 0, nil},
}

// ValidAlgorithm reports whether alg is a JWS algorithm this package verifies ("none" never is).
func ValidAlgorithm(alg string) bool { _, ok := algorithms[alg]; return ok }

// ErrUnknownKey is returned when no key in the set has the token's kid; the caller may refresh the
// set (rate-limited) and try again.
var ErrUnknownKey = errors.New("no key with the token's kid")

// Verify checks the signature of j with the key set: alg must be in allowed, a key with the
// token's kid must exist and be compatible with alg, and the signature must verify.
func Verify(j *JWS, set *KeySet, allowed []string) error {
	alg := j.Header.Alg
	if alg == "none" || !slices.Contains(allowed, alg) {
		return fmt.Errorf("verify jws: algorithm %q is not allowed", alg)
	}
	spec, ok := algorithms[alg]
	if !ok {
		return fmt.Errorf("verify jws: algorithm %q is not supported", alg)
	}
	key, ok := set.lookup(j.Header.Kid)
	if !ok {
		return fmt.Errorf("verify jws: kid %q: %w", j.Header.Kid, ErrUnknownKey)
	}
	if err := key.compatible(alg); err != nil {
		return fmt.Errorf("verify jws: kid %q: %w", key.Kid, err)
	}
	if err := verifySig(spec, key.pub, []byte(j.SigningInput), j.Signature); err != nil {
		return fmt.Errorf("verify jws: %w", err)
	}
	return nil
}

var errBadSignature = errors.New("signature does not verify")

func verifySig(spec algSpec, pub any, input, sig []byte) error {
	var digest []byte
	if spec.hash != 0 {
		h := spec.hash.New()
		h.Write(input)
		digest = h.Sum(nil)
	}
	switch spec.family {
	case famHMAC:
		m := hmac.New(spec.hash.New, pub.([]byte))
		m.Write(input)
		if !hmac.Equal(m.Sum(nil), sig) {
			return errBadSignature
		}
	case famRSA:
		if rsa.VerifyPKCS1v15(pub.(*rsa.PublicKey), spec.hash, digest, sig) != nil {
			return errBadSignature
		}
	case famPSS:
		// RFC 7518 3.5: the salt is as long as the hash; any other salt length is refused.
		if rsa.VerifyPSS(pub.(*rsa.PublicKey), spec.hash, digest, sig, &rsa.PSSOptions{SaltLength: spec.hash.Size()}) != nil {
			return errBadSignature
		}
	case famECDSA:
		k := pub.(*ecdsa.PublicKey)
		size := (k.Curve.Params().BitSize + 7) / 8
		// RFC 7518 3.4: R || S, each exactly the curve size; DER or other lengths are refused.
		if len(sig) != 2*size {
			return fmt.Errorf("ecdsa signature is %d bytes, want %d", len(sig), 2*size)
		}
		r := new(big.Int).SetBytes(sig[:size])
		s := new(big.Int).SetBytes(sig[size:])
		if !ecdsa.Verify(k, digest, r, s) {
			return errBadSignature
		}
	case famEdDSA:
		if len(sig) != ed25519.SignatureSize || !ed25519.Verify(pub.(ed25519.PublicKey), input, sig) {
			return errBadSignature
		}
	default:
		return errors.New("unsupported algorithm family")
	}
	return nil
}
