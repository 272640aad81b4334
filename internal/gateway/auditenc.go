package gateway

import (
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// appendRecord appends r as one JSON object, byte for byte what encoding/json produces for a
// Record (the same keys, omitempty rules, escaping and number formats), without reflection or
// per-field allocations: audit encoding ran on every request and was the gateway's largest
// allocation of its own. TestAppendRecordMatchesJSON and FuzzAppendRecord hold it to that.
func appendRecord(b []byte, r *Record) []byte {
	b = append(b, `{"time":`...)
	if t, ok := appendTime(b, r.Time); ok {
		b = t
	} else {
		// a year outside [0,9999] cannot come from the clock (encoding/json refuses it);
		// write null rather than drop the record
		b = append(b, "null"...)
	}
	b = appendField(b, "request_id", r.RequestID)
	b = appendField(b, "direction", r.Direction)
	b = appendField(b, "source_addr", r.SourceAddr)
	b = appendOptional(b, "spiffe_id", r.SPIFFEID)
	b = appendOptional(b, "jwt_sub", r.JWTSubject)
	b = appendOptional(b, "jwt_iss", r.JWTIssuer)
	b = appendOptional(b, "jwt_jti", r.JWTID)
	b = appendField(b, "method", r.Method)
	b = appendField(b, "host", r.Host)
	b = appendField(b, "path", r.Path)
	b = appendField(b, "protocol", r.Protocol)
	b = appendOptional(b, "upgrade", r.Upgrade)
	b = appendOptional(b, "route", r.Route)
	b = appendField(b, "decision", r.Decision)
	b = appendField(b, "reason", r.Reason)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(r.Status), 10)
	if r.UpstreamStatus != 0 {
		b = append(b, `,"upstream_status":`...)
		b = strconv.AppendInt(b, int64(r.UpstreamStatus), 10)
	}
	b = append(b, `,"bytes_in":`...)
	b = strconv.AppendInt(b, r.BytesIn, 10)
	b = append(b, `,"bytes_out":`...)
	b = strconv.AppendInt(b, r.BytesOut, 10)
	b = append(b, `,"latency_ms":`...)
	b = appendFloat(b, r.LatencyMS)
	return append(b, '}')
}

func appendTime(b []byte, t time.Time) ([]byte, bool) {
	if y := t.Year(); y < 0 || y > 9999 {
		return b, false
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), true
}

func appendField(b []byte, key, val string) []byte {
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	return appendString(b, val)
}

func appendOptional(b []byte, key, val string) []byte {
	if val == "" {
		return b
	}
	return appendField(b, key, val)
}

// appendFloat formats like encoding/json: shortest representation, exponent form outside
// [1e-6, 1e21). NaN and infinities cannot be encoded as JSON; they are written as 0.
func appendFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, '0')
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9, as encoding/json does
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string with encoding/json's escaping: quotes, backslashes and
// control characters escaped, <, > and & as \u escapes, U+2028/U+2029 escaped, and invalid UTF-8
// replaced by U+FFFD, so a hostile path can never break a record or the line it is on.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
