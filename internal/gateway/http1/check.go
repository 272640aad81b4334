package http1

import (
	"net/http"
	"strconv"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// The checks in this file exist because the gateway forwards over HTTP/1.1: a field that is
// harmless to the parser that read it (an HTTP/2 :method with spaces, a value with a leading
// space) could be read as something else once written into an HTTP/1.1 request head, so the
// gateway would authorize one request and the upstream serve another. Unforwardable runs on
// every request before it is routed, whichever server parsed it (this package's, net/http's
// HTTP/1 server or its HTTP/2 server); checkOutbound is the request writer's last line.

// Unforwardable refuses a request whose method, target, host or header fields could not be
// written to the upstream exactly as they were read (RFC 9110 sections 5.5 and 9.1, RFC 9112
// section 3.2, RFC 9113 sections 8.2 and 8.3): a method that is not a token, a target that is
// not origin-form (or "*" for OPTIONS), with a control character, space, non-ASCII byte or
// fragment, a Host that is not a valid host (or, over HTTP/2, a Host field that disagrees with
// :authority), a field name that is not a token, a field value with CR, LF, NUL or another
// control character, or with space at either end. It returns "" when the request may be
// routed, else the audit reason of the 400.
func Unforwardable(r *http.Request) string {
	if !validMethod(r.Method) {
		return "invalid_method"
	}
	if !validTarget(r.RequestURI, r.Method) {
		return "invalid_target"
	}
	if r.Host == "" && (r.ProtoMajor != 1 || r.ProtoMinor != 0) || !httpguts.ValidHostHeader(r.Host) {
		return "invalid_host" // only HTTP/1.0 may leave the host out
	}
	for k, vv := range r.Header {
		if !httpguts.ValidHeaderFieldName(k) {
			return "invalid_header"
		}
		for _, v := range vv {
			if !httpguts.ValidHeaderFieldValue(v) || v != "" && (isFieldSpace(v[0]) || isFieldSpace(v[len(v)-1])) {
				return "invalid_header"
			}
		}
	}
	if r.ProtoMajor == 2 {
		return checkHTTP2(r)
	}
	return ""
}

// checkHTTP2 adds what only HTTP/2 needs (RFC 9113 section 8.3.1): :path in origin form (or
// "*"), one Host reading, and a content-length net/http's server could parse (it takes an
// unparsable or repeated one for an unknown length and reads the body to its end).
func checkHTTP2(r *http.Request) string {
	if r.RequestURI != "*" && r.RequestURI[0] != '/' {
		return "invalid_target"
	}
	// net/http's HTTP/2 server takes :authority and leaves a Host field in the map; a
	// second reading of the host must not differ from the one routed by
	if hv := r.Header["Host"]; len(hv) > 1 || len(hv) == 1 && !strings.EqualFold(hv[0], r.Host) {
		return "host_conflict"
	}
	if cl := r.Header["Content-Length"]; cl != nil {
		if len(cl) != 1 || r.ContentLength < 0 || strconv.FormatInt(r.ContentLength, 10) != cl[0] {
			return "invalid_content_length"
		}
	}
	return ""
}

// validTarget: an origin-form request target (RFC 9112 section 3.2.1) — or, in absolute form,
// which HTTP/1 allows, one whose path part is — or "*" for OPTIONS, of visible ASCII only.
func validTarget(uri, method string) bool {
	if uri == "*" {
		return method == http.MethodOptions
	}
	if !visibleASCII(uri) || strings.IndexByte(uri, '#') >= 0 {
		return false // a fragment is never part of a request target
	}
	if uri != "" && uri[0] == '/' {
		return true
	}
	// absolute form (HTTP/1 only): scheme://authority/path
	_, rest, ok := strings.Cut(uri, "://")
	if !ok {
		return false
	}
	i := strings.IndexByte(rest, '/')
	return i > 0 || i < 0 && rest != "" && !strings.ContainsAny(rest, "?#")
}

// visibleASCII: non-empty and only bytes from '!' to '~' (no space, control or non-ASCII byte).
func visibleASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return s != ""
}

// checkOutbound is the upstream request writer's last line of defence: it refuses a request
// whose method, target or header fields an HTTP/1.1 reader could split or read differently,
// whatever let them through. The fields the gateway adds are checked by ExtraFields.check.
func checkOutbound(req *http.Request) error {
	if !validMethod(req.Method) && req.Method != "" {
		return errUnsafeField("method")
	}
	if req.URL != nil && (hasUnsafeTargetByte(req.URL.RawQuery) || hasUnsafeTargetByte(req.URL.Opaque)) {
		return errUnsafeField("request target")
	}
	if !plainHostOrEmpty(req.Host) {
		return errUnsafeField("host")
	}
	for k, vv := range req.Header {
		if !httpguts.ValidHeaderFieldName(k) {
			return errUnsafeField("header field name")
		}
		for _, v := range vv {
			if !httpguts.ValidHeaderFieldValue(v) {
				return errUnsafeField("value of " + k)
			}
		}
	}
	return nil
}

// errUnsafeField is a request the writer refuses to send.
type errUnsafeField string

func (e errUnsafeField) Error() string {
	return "refusing to write an upstream request: its " + string(e) + " could be read differently by the upstream"
}

func hasUnsafeTargetByte(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f || s[i] == '#' {
			return true
		}
	}
	return false
}

func plainHostOrEmpty(h string) bool { return h == "" || httpguts.ValidHostHeader(h) }
