package secret

import (
	"hash/fnv"
	"strings"
)

// Character sets for synthetic examples.
const (
	csUpper      = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	csLower      = "abcdefghijklmnopqrstuvwxyz"
	csDigits     = "0123456789"
	csAlnum      = csUpper + csLower + csDigits
	csUpperAlnum = csUpper + csDigits
	csLowerAlnum = csLower + csDigits
	csHex        = "0123456789abcdef"
	csHexUpper   = "0123456789ABCDEF"
	csB64        = csAlnum + "+/"
	csB64URL     = csAlnum + "-_"
	csBase32     = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
)

// fake returns a deterministic pseudo-random string of n characters from charset, seeded by
// seed. Rule examples use it so they have the exact shape and entropy of real credentials
// without being one: nothing it produces was ever issued by a provider.
func fake(seed string, n int, charset string) string {
	h := fnv.New64a()
	h.Write([]byte(seed))
	x := h.Sum64() | 1
	var sb strings.Builder
	sb.Grow(n)
	for range n {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		sb.WriteByte(charset[x%uint64(len(charset))])
	}
	return sb.String()
}

// fakeUUID returns a deterministic synthetic UUID (lowercase, version-4 shaped).
func fakeUUID(seed string) string {
	s := fake(seed, 32, csHex)
	return s[:8] + "-" + s[8:12] + "-4" + s[13:16] + "-a" + s[17:20] + "-" + s[20:]
}
