package identity

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/palisade-sec/palisade/internal/atomicfile"
)

// TrustDomainHeader names the trust domain of the bundle served at GET /v1/bundle, so a relying
// party can refuse a bundle meant for another domain before looking at its certificates.
const TrustDomainHeader = "Palisade-Trust-Domain"

// MaxBundleRoots bounds a bundle received from the network: a CA in overlap holds two or three
// roots, and verification cost grows with every root a relying party must try.
const MaxBundleRoots = 32

// maxBundleBytes bounds the bundle document read from the network.
const maxBundleBytes = 1 << 20

// ParseBundle checks a trust bundle received from a CA for trust domain td at time now: PEM
// CERTIFICATE blocks only (anything else is an error, never skipped), at least one and at most
// MaxBundleRoots, each a self-signed CA certificate, no duplicates, and at least one root valid
// at now. It does not decide whether the sender may speak for td: callers accept a bundle only
// over a channel verified against the bundle they already trust (see Client.FetchBundle).
func ParseBundle(td string, data []byte, now time.Time) (*TrustBundle, error) {
	if err := ValidateTrustDomain(td); err != nil {
		return nil, fmt.Errorf("parse bundle: %w", err)
	}
	if len(data) > maxBundleBytes {
		return nil, fmt.Errorf("parse bundle: %d bytes exceeds the %d-byte limit", len(data), maxBundleBytes)
	}
	roots, err := ParseCertificates(data)
	if err != nil {
		return nil, fmt.Errorf("parse bundle: %w", err)
	}
	if len(roots) > MaxBundleRoots {
		return nil, fmt.Errorf("parse bundle: %d roots exceeds the limit of %d", len(roots), MaxBundleRoots)
	}
	current := false
	for i, r := range roots {
		if !r.BasicConstraintsValid || !r.IsCA {
			return nil, fmt.Errorf("parse bundle: certificate %d (%s) is not a CA certificate", i+1, r.Subject)
		}
		if !bytes.Equal(r.RawSubject, r.RawIssuer) || r.CheckSignatureFrom(r) != nil {
			return nil, fmt.Errorf("parse bundle: certificate %d (%s) is not a self-signed root", i+1, r.Subject)
		}
		for _, prev := range roots[:i] {
			if prev.Equal(r) {
				return nil, fmt.Errorf("parse bundle: certificate %d (%s) is a duplicate", i+1, r.Subject)
			}
		}
		if !now.Before(r.NotBefore) && !now.After(r.NotAfter) {
			current = true
		}
	}
	if !current {
		return nil, fmt.Errorf("parse bundle: none of its %d roots is valid at %s", len(roots), now.UTC().Format(time.RFC3339))
	}
	return NewTrustBundle(td, roots)
}

// Equal reports whether two bundles are for the same trust domain and hold the same roots, in
// any order.
func (b *TrustBundle) Equal(o *TrustBundle) bool {
	if b == nil || o == nil {
		return b == o
	}
	if b.trustDomain != o.trustDomain || len(b.roots) != len(o.roots) {
		return false
	}
	for _, r := range b.roots {
		found := false
		for _, q := range o.roots {
			if r.Equal(q) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// PEM returns the roots as concatenated PEM certificates, the format of bundle files.
func (b *TrustBundle) PEM() []byte { return encodeCerts(b.roots) }

// FirstExpiry returns when the first of the bundle's roots expires.
func (b *TrustBundle) FirstExpiry() time.Time {
	var t time.Time
	for _, r := range b.roots {
		if t.IsZero() || r.NotAfter.Before(t) {
			t = r.NotAfter
		}
	}
	return t
}

// WriteFile stores the bundle at path (mode 0644) through a temporary file and a rename, so a
// reader — another process, or this one after a restart — never sees half a bundle.
func (b *TrustBundle) WriteFile(path string) error {
	if err := atomicfile.WriteFile(path, b.PEM(), 0o644); err != nil {
		return fmt.Errorf("write trust bundle: %w", err)
	}
	return nil
}

// checkBundleVouches verifies that tb, a bundle received from a CA, trusts the chains that came
// with it (the API's own certificate, the SVID just issued): a CA handing out a bundle that does
// not cover itself is misconfigured or serving another trust domain's bundle.
func checkBundleVouches(tb *TrustBundle, now time.Time, chains map[string][]*x509.Certificate) error {
	for what, chain := range chains {
		if len(chain) == 0 {
			continue
		}
		if _, err := tb.VerifySVID(chain, now); err != nil {
			return fmt.Errorf("the bundle does not trust %s: %w", what, err)
		}
	}
	return nil
}

// errNoBundleTrustDomain is returned when a client has neither a bundle nor a declared trust
// domain to check a received bundle against.
var errNoBundleTrustDomain = errors.New("no trust domain to check the bundle against")
