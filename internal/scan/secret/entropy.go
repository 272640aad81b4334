package secret

import "math"

// shannon returns the Shannon entropy of b in bits per byte. Random tokens score high (a base62
// token of 32 characters is about 4.5–5); words and placeholders score low.
func shannon(b []byte) float64 {
	if len(b) == 0 {
		return 0
	}
	var counts [256]int
	for _, c := range b {
		counts[c]++
	}
	n := float64(len(b))
	var h float64
	for _, c := range counts {
		if c == 0 {
			continue
		}
		p := float64(c) / n
		h -= p * math.Log2(p)
	}
	return h
}
