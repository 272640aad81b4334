package secret

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
)

// Thresholds for encoded runs worth decoding.
const (
	minBase64Run = 20 // 15 decoded bytes: shorter runs are identifiers, not hidden tokens
	minHexRun    = 32
	// minPrintable is the share of printable ASCII a decoded run needs to be scanned as text;
	// binary (a DER key, a hash) is not text and holds no keyword-anchored secret.
	minPrintable = 0.9
)

const (
	clsB64 = 1 << iota // standard or URL-safe base64 alphabet
	clsHex
)

// byteClasses builds the lookup table encodedRuns scans with; the detector holds its copy.
func byteClasses() (t [256]uint8) {
	for c := '0'; c <= '9'; c++ {
		t[c] |= clsB64 | clsHex
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] |= clsB64
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] |= clsB64
	}
	for _, c := range "abcdefABCDEF" {
		t[c] |= clsHex
	}
	for _, c := range "+/-_" {
		t[c] |= clsB64
	}
	return t
}

// encodedRun is a run of content that decodes to text.
type encodedRun struct {
	start, end int
	kind       string
	text       []byte
}

// decodeAndDetect finds encoded runs in content, decodes those that yield text, and scans the
// text one level deeper. Findings inside decoded text are reported at the encoded run, marked with
// the encoding. budget is the number of decoded bytes the whole file may still scan; it is set to
// -1 when an encoded run did not fit, so the caller can say that some content went unscanned.
func (d *detector) decodeAndDetect(ctx context.Context, content []byte, depth int, budget *int) ([]match, error) {
	var out []match
	var err error
	visit := func(r encodedRun) bool {
		if len(r.text) > *budget {
			*budget = -1
			return false
		}
		*budget -= len(r.text)
		var sub []match
		sub, err = d.detectDepth(ctx, r.text, depth+1, budget, false)
		if err != nil {
			return false
		}
		for _, m := range sub {
			kind := r.kind
			if m.decoded != "" {
				kind += "/" + m.decoded
			}
			out = append(out, match{rule: m.rule, start: r.start, end: r.end, at: r.start, to: r.end, secret: m.secret, decoded: kind})
		}
		return *budget > 0
	}
	if !encodedRuns(content, &d.classes, visit) {
		return out, err
	}
	percentRuns(content, visit)
	return out, err
}

// encodedRuns calls visit for each base64 or hex run in b that decodes to text, until visit
// returns false; it reports whether it ran to the end.
//
// Runs shorter than minBase64Run are never candidates, so the scan skips like Boyer-Moore: it
// looks at the last byte of a minBase64Run window first, and only when that byte could belong to a
// run does it walk back to see whether the whole window does. Source code, where identifiers are
// short, is mostly skipped a window at a time.
func encodedRuns(b []byte, byteClass *[256]uint8, visit func(encodedRun) bool) bool {
	const L = minBase64Run
	n := len(b)
	i := 0 // invariant: i == 0 or b[i-1] is not a base64 byte
	for i+L <= n {
		j := i + L - 1
		if byteClass[b[j]]&clsB64 == 0 {
			i = j + 1
			continue
		}
		k := j - 1
		for k >= i && byteClass[b[k]]&clsB64 != 0 {
			k--
		}
		if k >= i {
			i = k + 1
			continue
		}
		start, end := i, j+1
		for end < n && byteClass[b[end]]&clsB64 != 0 {
			end++
		}
		stop := end
		for stop < n && b[stop] == '=' && stop-end < 2 {
			stop++
		}
		i = stop + 1
		if r, ok := decodeRun(b, byteClass, start, end, stop); ok && !visit(r) {
			return false
		}
	}
	return true
}

// decodeRun decodes the run b[start:end] (with '=' padding up to stop) as hex when it is all hex
// digits and long enough, else as base64; ok is false when it does not decode to text.
func decodeRun(b []byte, byteClass *[256]uint8, start, end, stop int) (encodedRun, bool) {
	allHex := true
	for _, c := range b[start:end] {
		if byteClass[c]&clsHex == 0 {
			allHex = false
			break
		}
	}
	var r encodedRun
	if allHex && end-start >= minHexRun {
		r = encodedRun{start: start, end: end, kind: "hex", text: decodeHex(b[start:end])}
	} else {
		r = encodedRun{start: start, end: stop, kind: "base64", text: decodeBase64(b[start:stop])}
	}
	return r, r.text != nil
}

func decodeHex(s []byte) []byte {
	s = s[:len(s)&^1]
	out := make([]byte, len(s)/2)
	if _, err := hex.Decode(out, s); err != nil || !printable(out) {
		return nil
	}
	return out
}

// decodeBase64 decodes standard or URL-safe base64, padded or not; nil when s is not base64 of
// text.
func decodeBase64(s []byte) []byte {
	trimmed := bytes.TrimRight(s, "=")
	enc := base64.RawStdEncoding
	if bytes.ContainsAny(trimmed, "-_") {
		if bytes.ContainsAny(trimmed, "+/") {
			return nil
		}
		enc = base64.RawURLEncoding
	}
	// A length of 1 mod 4 cannot be base64; drop the stray byte rather than the run.
	if len(trimmed)%4 == 1 {
		trimmed = trimmed[:len(trimmed)-1]
	}
	out := make([]byte, enc.DecodedLen(len(trimmed)))
	n, err := enc.Decode(out, trimmed)
	if err != nil || !printable(out[:n]) {
		return nil
	}
	return out[:n]
}

// percentRuns calls visit for each run of non-space bytes holding %XX escapes, decoded.
func percentRuns(b []byte, visit func(encodedRun) bool) bool {
	i := 0
	for {
		j := bytes.IndexByte(b[i:], '%')
		if j < 0 {
			return true
		}
		p := i + j
		if p+2 >= len(b) || !isHex(b[p+1]) || !isHex(b[p+2]) {
			i = p + 1
			continue
		}
		start := p
		for start > 0 && urlByte(b[start-1]) {
			start--
		}
		end := p
		for end < len(b) && urlByte(b[end]) {
			end++
		}
		i = end
		text := percentDecode(b[start:end])
		if text == nil {
			continue
		}
		if !visit(encodedRun{start: start, end: end, kind: "percent", text: text}) {
			return false
		}
	}
}

func urlByte(c byte) bool {
	return c > ' ' && c < 0x7f && c != '"' && c != '\'' && c != '`' && c != '<' && c != '>'
}

// percentDecode decodes %XX escapes (and '+' as space is left alone: it is also a base64 and
// password byte); nil when nothing was escaped or the result is not text.
func percentDecode(s []byte) []byte {
	out := make([]byte, 0, len(s))
	changed := false
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			out = append(out, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			changed = true
			continue
		}
		out = append(out, s[i])
	}
	if !changed || !printable(out) {
		return nil
	}
	return out
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// printable reports whether b looks like text: long enough and mostly printable ASCII.
func printable(b []byte) bool {
	if len(b) < 8 {
		return false
	}
	n := 0
	for _, c := range b {
		if (c >= 0x20 && c < 0x7f) || c == '\n' || c == '\r' || c == '\t' {
			n++
		}
	}
	return float64(n) >= minPrintable*float64(len(b))
}
