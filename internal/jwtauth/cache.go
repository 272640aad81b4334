package jwtauth

import (
	"sync"
)

// verifiedCache remembers tokens whose signature verified, so a client that sends the same token
// on every request costs one signature check, not one per request (ES256 verification dominates
// the gateway's CPU otherwise). An entry is only reused while the issuer's key set is the very set
// that verified it: a JWKS refresh (key rotated out, key compromised) empties the cache's meaning
// at once. The clock-dependent claims (exp, nbf, iat) are re-checked on every use, so caching
// never extends a token's life; the others (aud, lifetime, types) cannot change. Only successes
// are cached.
type verifiedCache struct {
	mu      sync.RWMutex
	entries map[string]cacheEntry
	max     int
}

type cacheEntry struct {
	set    *KeySet
	issuer *issuer
	claims *Claims // as checkClaims returned them; never modified after
}

func newVerifiedCache(max int) *verifiedCache {
	return &verifiedCache{entries: make(map[string]cacheEntry), max: max}
}

func (c *verifiedCache) get(tok string) (cacheEntry, bool) {
	c.mu.RLock()
	e, ok := c.entries[tok]
	c.mu.RUnlock()
	return e, ok
}

func (c *verifiedCache) put(tok string, e cacheEntry) {
	c.mu.Lock()
	if len(c.entries) >= c.max {
		// Drop an arbitrary half: bounded memory, no bookkeeping on the hot path; forged or
		// rarely-reused tokens are never added, so the cache holds only tokens that verified.
		n := 0
		for k := range c.entries {
			delete(c.entries, k)
			if n++; n >= c.max/2 {
				break
			}
		}
	}
	c.entries[tok] = e
	c.mu.Unlock()
}
