package jwtauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults for IssuerConfig fields left zero.
const (
	DefaultSkew        = 30 * time.Second
	DefaultMaxLifetime = 24 * time.Hour
	DefaultCacheTTL    = 5 * time.Minute
	DefaultMinRefetch  = 30 * time.Second
)

// IssuerConfig is what the gateway trusts about one token issuer.
type IssuerConfig struct {
	// Issuer must equal the token's "iss" exactly.
	Issuer string
	// JWKSURL serves the issuer's public keys (https, or http only to a loopback address).
	JWKSURL string
	// Algorithms is the explicit allow-list; there is no default.
	Algorithms []string
	// Audiences: the token's "aud" must contain one of them. Required unless
	// AudienceOptionalUnsafe is set.
	Audiences []string
	// AudienceOptionalUnsafe accepts tokens without a matching audience: tokens minted for another
	// service can then be replayed here.
	AudienceOptionalUnsafe bool
	Skew                   time.Duration
	MaxLifetime            time.Duration
	CacheTTL               time.Duration
	// MinRefetch is the least time between two JWKS fetches caused by unknown kids, so a flood of
	// forged kids cannot turn the gateway into a load generator against the issuer.
	MinRefetch time.Duration
}

// Claims are the validated claims of a token.
type Claims struct {
	Issuer    string
	Subject   string
	Audience  []string
	ID        string
	Expiry    time.Time
	NotBefore time.Time
	IssuedAt  time.Time
	// Scopes come from "scope" (space separated) or "scp" (array).
	Scopes []string
	// Raw holds every claim as decoded JSON (numbers as float64).
	Raw map[string]any
}

// Error is a rejected token: Reason is a short stable code for audit records and metrics.
type Error struct {
	Reason string
	Err    error
}

func (e *Error) Error() string { return "jwt " + e.Reason + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

func reject(reason string, format string, args ...any) error {
	return &Error{Reason: reason, Err: fmt.Errorf(format, args...)}
}

// Validator validates tokens against a fixed set of issuers. It is safe for concurrent use.
type Validator struct {
	issuers map[string]*issuer
	now     func() time.Time
	cache   *verifiedCache
}

// cacheSize bounds the verified-token cache (entries, each one token string and its claims).
const cacheSize = 10000

type issuer struct {
	cfg  IssuerConfig
	keys *remoteKeys
}

// NewValidator checks the configuration and prepares a key cache per issuer; client fetches the
// JWKS documents (nil for a default client with TLS 1.2+ and a 10 s timeout).
func NewValidator(cfgs []IssuerConfig, client *http.Client) (*Validator, error) {
	if client == nil {
		client = DefaultHTTPClient()
	}
	v := &Validator{issuers: map[string]*issuer{}, now: time.Now, cache: newVerifiedCache(cacheSize)}
	for i, c := range cfgs {
		if c.Issuer == "" {
			return nil, fmt.Errorf("jwt issuer %d: issuer is required", i)
		}
		if _, dup := v.issuers[c.Issuer]; dup {
			return nil, fmt.Errorf("jwt issuer %q: listed twice", c.Issuer)
		}
		if err := checkJWKSURL(c.JWKSURL); err != nil {
			return nil, fmt.Errorf("jwt issuer %q: %w", c.Issuer, err)
		}
		if len(c.Algorithms) == 0 {
			return nil, fmt.Errorf("jwt issuer %q: algorithms: an explicit allow-list is required", c.Issuer)
		}
		for _, a := range c.Algorithms {
			if !ValidAlgorithm(a) {
				return nil, fmt.Errorf("jwt issuer %q: algorithms: %q is not supported", c.Issuer, a)
			}
			if strings.HasPrefix(a, "HS") {
				return nil, fmt.Errorf("jwt issuer %q: algorithms: %s needs a shared secret, which a JWKS URL must not publish", c.Issuer, a)
			}
		}
		if len(c.Audiences) == 0 && !c.AudienceOptionalUnsafe {
			return nil, fmt.Errorf("jwt issuer %q: audiences: at least one is required (or set the unsafe opt-out)", c.Issuer)
		}
		c.Skew = or(c.Skew, DefaultSkew)
		c.MaxLifetime = or(c.MaxLifetime, DefaultMaxLifetime)
		c.CacheTTL = or(c.CacheTTL, DefaultCacheTTL)
		c.MinRefetch = or(c.MinRefetch, DefaultMinRefetch)
		v.issuers[c.Issuer] = &issuer{cfg: c, keys: &remoteKeys{url: c.JWKSURL, client: client, ttl: c.CacheTTL, minRefetch: c.MinRefetch}}
	}
	return v, nil
}

func or(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

func checkJWKSURL(u string) error {
	switch {
	case strings.HasPrefix(u, "https://"):
		return nil
	case strings.HasPrefix(u, "http://127.0.0.1"), strings.HasPrefix(u, "http://[::1]"), strings.HasPrefix(u, "http://localhost"):
		return nil
	case u == "":
		return errors.New("jwks_url is required")
	}
	return fmt.Errorf("jwks_url %q: must be https (plain http only to loopback)", u)
}

// DefaultHTTPClient is the JWKS client used when none is given: TLS 1.2+, 10 s timeout.
func DefaultHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig.MinVersion = 0x0303 // tls.VersionTLS12
	return &http.Client{Timeout: 10 * time.Second, Transport: t}
}

// Validate parses, verifies and checks a token, returning its claims or an *Error. The claims
// of a token seen before are shared with every other caller that presented it: read them, never
// modify them.
func (v *Validator) Validate(ctx context.Context, tok string) (*Claims, error) {
	if v.cache != nil {
		if e, ok := v.cache.get(tok); ok && e.issuer.keys.set.Load() == e.set {
			// Everything but the clock was checked when the entry was made; the claims are
			// shared read-only by every request that presents this token.
			if err := e.issuer.checkTimes(e.claims, v.now()); err != nil {
				return nil, err
			}
			return e.claims, nil
		}
	}
	j, err := ParseCompact(tok)
	if err != nil {
		return nil, &Error{Reason: "malformed", Err: err}
	}
	raw, err := decodeClaims(j.Payload)
	if err != nil {
		return nil, &Error{Reason: "malformed", Err: err}
	}
	iss, _ := raw["iss"].(string)
	if iss == "" {
		return nil, reject("missing_claim", "iss is required")
	}
	is, ok := v.issuers[iss]
	if !ok {
		return nil, reject("unknown_issuer", "issuer %q is not trusted", iss)
	}
	set, err := is.verify(ctx, j, v.now())
	if err != nil {
		return nil, err
	}
	c, err := is.checkClaims(raw, v.now())
	if err == nil && v.cache != nil {
		v.cache.put(tok, cacheEntry{set: set, issuer: is, claims: c})
	}
	return c, err
}

// verify checks the signature and returns the key set that verified it.
func (is *issuer) verify(ctx context.Context, j *JWS, now time.Time) (*KeySet, error) {
	if !slices.Contains(is.cfg.Algorithms, j.Header.Alg) {
		return nil, reject("alg_not_allowed", "algorithm %q is not allowed for %s", j.Header.Alg, is.cfg.Issuer)
	}
	set, err := is.keys.get(ctx, j.Header.Kid, now)
	if err != nil {
		return nil, &Error{Reason: "jwks_unavailable", Err: err}
	}
	err = Verify(j, set, is.cfg.Algorithms)
	if errors.Is(err, ErrUnknownKey) {
		if set, err = is.keys.refetchForUnknownKid(ctx, j.Header.Kid, now); err != nil {
			return nil, &Error{Reason: "unknown_kid", Err: err}
		}
		err = Verify(j, set, is.cfg.Algorithms)
	}
	switch {
	case err == nil:
		return set, nil
	case errors.Is(err, ErrUnknownKey):
		return nil, &Error{Reason: "unknown_kid", Err: err}
	default:
		return nil, &Error{Reason: "bad_signature", Err: err}
	}
}

func decodeClaims(payload []byte) (map[string]any, error) {
	if _, err := objectMembers(payload); err != nil {
		return nil, fmt.Errorf("claims: %w", err)
	}
	var raw map[string]any
	if err := json.Unmarshal(payload, &raw); err != nil {
		return nil, fmt.Errorf("claims: %w", err)
	}
	return raw, nil
}

func (is *issuer) checkClaims(raw map[string]any, now time.Time) (*Claims, error) {
	c := &Claims{Issuer: is.cfg.Issuer, Raw: raw}
	var err error
	if c.Subject, err = optString(raw, "sub"); err != nil {
		return nil, err
	}
	if c.ID, err = optString(raw, "jti"); err != nil {
		return nil, err
	}
	exp, ok, err := numericDate(raw, "exp")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, reject("missing_claim", "exp is required")
	}
	c.Expiry = exp
	if c.NotBefore, _, err = numericDate(raw, "nbf"); err != nil {
		return nil, err
	}
	if c.IssuedAt, _, err = numericDate(raw, "iat"); err != nil {
		return nil, err
	}
	if err := is.checkTimes(c, now); err != nil {
		return nil, err
	}
	start := now
	switch {
	case !c.IssuedAt.IsZero():
		start = c.IssuedAt
	case !c.NotBefore.IsZero():
		start = c.NotBefore
	}
	if exp.Sub(start) > is.cfg.MaxLifetime {
		return nil, reject("lifetime_too_long", "lifetime %s exceeds the maximum %s", exp.Sub(start).Round(time.Second), is.cfg.MaxLifetime)
	}
	if c.Audience, err = audience(raw); err != nil {
		return nil, err
	}
	if !is.cfg.AudienceOptionalUnsafe || len(is.cfg.Audiences) > 0 {
		if !slices.ContainsFunc(c.Audience, func(a string) bool { return slices.Contains(is.cfg.Audiences, a) }) {
			return nil, reject("audience", "audience %q does not include any of %q", c.Audience, is.cfg.Audiences)
		}
	}
	c.Scopes = scopes(raw)
	return c, nil
}

// checkTimes checks the claims that depend on the clock (exp, nbf, iat, each with the configured
// skew): checkClaims calls it, and a cached token's claims are held to it again on every use.
func (is *issuer) checkTimes(c *Claims, now time.Time) error {
	skew := is.cfg.Skew
	switch {
	case !now.Before(c.Expiry.Add(skew)):
		return reject("expired", "expired at %s", c.Expiry.UTC().Format(time.RFC3339))
	case !c.NotBefore.IsZero() && now.Add(skew).Before(c.NotBefore):
		return reject("not_yet_valid", "not valid before %s", c.NotBefore.UTC().Format(time.RFC3339))
	case !c.IssuedAt.IsZero() && now.Add(skew).Before(c.IssuedAt):
		return reject("issued_in_future", "issued at %s, in the future", c.IssuedAt.UTC().Format(time.RFC3339))
	}
	return nil
}

func optString(raw map[string]any, name string) (string, error) {
	v, ok := raw[name]
	if !ok {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", reject("malformed", "%s must be a string", name)
	}
	return s, nil
}

func numericDate(raw map[string]any, name string) (time.Time, bool, error) {
	v, ok := raw[name]
	if !ok {
		return time.Time{}, false, nil
	}
	f, ok := v.(float64)
	if !ok || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1e11 {
		return time.Time{}, false, reject("malformed", "%s must be a NumericDate", name)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), true, nil
}

func audience(raw map[string]any) ([]string, error) {
	switch a := raw["aud"].(type) {
	case nil:
		return nil, nil
	case string:
		return []string{a}, nil
	case []any:
		out := make([]string, 0, len(a))
		for _, x := range a {
			s, ok := x.(string)
			if !ok {
				return nil, reject("malformed", "aud must hold strings")
			}
			out = append(out, s)
		}
		return out, nil
	default:
		return nil, reject("malformed", "aud must be a string or an array of strings")
	}
}

func scopes(raw map[string]any) []string {
	var out []string
	if s, ok := raw["scope"].(string); ok {
		out = append(out, strings.Fields(s)...)
	}
	if a, ok := raw["scp"].([]any); ok {
		for _, x := range a {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

// remoteKeys caches one issuer's JWKS. Reads are lock-free; fetches are serialized, happen when
// the cache is older than ttl, and — for unknown kids — at most once per minRefetch.
type remoteKeys struct {
	url        string
	client     *http.Client
	ttl        time.Duration
	minRefetch time.Duration

	set         atomic.Pointer[KeySet]
	fetchedAt   atomic.Int64 // unix nanoseconds of the last successful fetch
	mu          sync.Mutex
	lastAttempt time.Time // any fetch
	lastKidPull time.Time // fetches caused by unknown kids, rate-limited by minRefetch
	problems    atomic.Pointer[[]error]
}

func (r *remoteKeys) get(ctx context.Context, kid string, now time.Time) (*KeySet, error) {
	set := r.set.Load()
	if set != nil && now.Sub(time.Unix(0, r.fetchedAt.Load())) < r.ttl {
		return set, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if set = r.set.Load(); set != nil && now.Sub(time.Unix(0, r.fetchedAt.Load())) < r.ttl {
		return set, nil
	}
	if set != nil && now.Sub(r.lastAttempt) < r.minRefetch {
		return set, nil // stale but the last refresh failed recently: keep serving the old keys
	}
	if err := r.fetch(ctx, now); err != nil {
		if set != nil {
			return set, nil
		}
		return nil, err
	}
	return r.set.Load(), nil
}

func (r *remoteKeys) refetchForUnknownKid(ctx context.Context, kid string, now time.Time) (*KeySet, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if set := r.set.Load(); set != nil {
		if _, ok := set.lookup(kid); ok {
			return set, nil // another request already refreshed the set
		}
	}
	if !r.lastKidPull.IsZero() && now.Sub(r.lastKidPull) < r.minRefetch {
		return nil, fmt.Errorf("kid %q unknown; key set refreshed for an unknown kid less than %s ago", kid, r.minRefetch)
	}
	r.lastKidPull = now
	if err := r.fetch(ctx, now); err != nil {
		return nil, err
	}
	return r.set.Load(), nil
}

// fetch must be called with mu held.
func (r *remoteKeys) fetch(ctx context.Context, now time.Time) error {
	r.lastAttempt = now
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.url, nil)
	if err != nil {
		return fmt.Errorf("fetch jwks %s: %w", r.url, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := r.client.Do(req)
	if err != nil {
		return fmt.Errorf("fetch jwks %s: %w", r.url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("fetch jwks %s: %s", r.url, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20+1))
	if err != nil {
		return fmt.Errorf("fetch jwks %s: %w", r.url, err)
	}
	if len(b) > 1<<20 {
		return fmt.Errorf("fetch jwks %s: larger than 1 MiB", r.url)
	}
	set, problems := ParseJWKSLenient(bytes.TrimSpace(b), false)
	r.problems.Store(&problems)
	if len(set.keys) == 0 {
		return fmt.Errorf("fetch jwks %s: no usable keys: %w", r.url, errors.Join(problems...))
	}
	r.set.Store(set)
	r.fetchedAt.Store(now.UnixNano())
	return nil
}

// KeyProblems returns, per issuer, the keys the last JWKS fetch had to leave out and why, so an
// operator can see them (they are never silently dropped).
func (v *Validator) KeyProblems() map[string][]error {
	out := map[string][]error{}
	for name, is := range v.issuers {
		if p := is.keys.problems.Load(); p != nil && len(*p) > 0 {
			out[name] = *p
		}
	}
	return out
}
