// Package identity is Palisade's service-identity authority: a small CA that issues short-lived
// SPIFFE X.509-SVIDs to workloads that prove who they are (a one-time join token or a Kubernetes
// service-account token), rotates its roots with an overlapping trust bundle, and verifies SVIDs
// presented by peers. Its invariants: every issued leaf carries exactly one spiffe:// URI SAN in the
// CA's trust domain and can never act as a CA; private keys are written 0600 and may be sealed with a
// passphrase; a join token is stored only as a hash and is accepted at most once before it expires.
package identity

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// maxIDLength is the longest SPIFFE ID accepted, as the SPIFFE ID specification (section 2.3) bounds
// URIs to 2048 bytes.
const maxIDLength = 2048

// ID is a parsed, valid SPIFFE ID: spiffe://<trust domain><path>. Its zero value is not valid.
type ID struct {
	trustDomain string
	path        string
}

// TrustDomain returns the trust-domain part of the ID, e.g. "example.org".
func (id ID) TrustDomain() string { return id.trustDomain }

// Path returns the path part of the ID with its leading slash, or "" for a trust-domain ID.
func (id ID) Path() string { return id.path }

// IsZero reports whether id is the zero value (not a parsed ID).
func (id ID) IsZero() bool { return id.trustDomain == "" }

// String returns the canonical URI form.
func (id ID) String() string {
	if id.IsZero() {
		return ""
	}
	return "spiffe://" + id.trustDomain + id.path
}

// MemberOf reports whether the ID belongs to the trust domain td.
func (id ID) MemberOf(td string) bool { return !id.IsZero() && id.trustDomain == td }

// ParseID parses s as a SPIFFE ID following the SPIFFE ID specification strictly: scheme "spiffe"
// in lower case, a lower-case trust domain of [a-z0-9.-_], a path of segments of [a-zA-Z0-9.-_]
// with no empty, "." or ".." segment and no trailing slash, and no port, user info, query or
// fragment. Anything else is an error saying what was wrong.
func ParseID(s string) (ID, error) {
	if s == "" {
		return ID{}, errors.New("parse spiffe id: empty")
	}
	if len(s) > maxIDLength {
		return ID{}, fmt.Errorf("parse spiffe id: longer than %d bytes", maxIDLength)
	}
	const scheme = "spiffe://"
	if !strings.HasPrefix(s, scheme) {
		return ID{}, fmt.Errorf("parse spiffe id %q: scheme must be spiffe://", s)
	}
	rest := s[len(scheme):]
	td, path := rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		td, path = rest[:i], rest[i:]
	}
	if err := ValidateTrustDomain(td); err != nil {
		return ID{}, fmt.Errorf("parse spiffe id %q: %w", s, err)
	}
	if err := validatePath(path); err != nil {
		return ID{}, fmt.Errorf("parse spiffe id %q: %w", s, err)
	}
	return ID{trustDomain: td, path: path}, nil
}

// IDFromPath builds an ID in trust domain td from a path such as "/ns/prod/sa/web".
func IDFromPath(td, path string) (ID, error) {
	return ParseID("spiffe://" + td + path)
}

// ValidateTrustDomain checks a trust-domain name: non-empty, only [a-z0-9.-_].
func ValidateTrustDomain(td string) error {
	if td == "" {
		return errors.New("trust domain is empty")
	}
	for i := 0; i < len(td); i++ {
		c := td[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '.', c == '-', c == '_':
		case c >= 'A' && c <= 'Z':
			return fmt.Errorf("trust domain %q: upper-case letters are not allowed", td)
		case c == ':':
			return fmt.Errorf("trust domain %q: a port is not allowed", td)
		case c == '@':
			return fmt.Errorf("trust domain %q: user info is not allowed", td)
		default:
			return fmt.Errorf("trust domain %q: character %q is not allowed", td, c)
		}
	}
	return nil
}

func validatePath(p string) error {
	if p == "" {
		return nil
	}
	if strings.ContainsAny(p, "?#") {
		return errors.New("query and fragment are not allowed")
	}
	segs := strings.Split(p[1:], "/")
	for i, seg := range segs {
		switch seg {
		case "":
			if i == len(segs)-1 {
				return errors.New("path must not end with a slash")
			}
			return errors.New("path has an empty segment")
		case ".", "..":
			return fmt.Errorf("path segment %q is not allowed", seg)
		}
		for j := 0; j < len(seg); j++ {
			c := seg[j]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
				return fmt.Errorf("path character %q is not allowed", c)
			}
		}
	}
	return nil
}

func urlOf(id ID) *url.URL {
	return &url.URL{Scheme: "spiffe", Host: id.trustDomain, Path: id.path}
}
