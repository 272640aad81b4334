package gateway

import (
	"net/http"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// This file holds the route's decision on a protocol switch and the framing guard in front of
// net/http's HTTP/1 server. The field checks every request passes before it is routed are
// http1.Unforwardable.

// upgradeDecision is the route's decision on a request's protocol switch: the protocol to ask
// the upstream for ("" when the request asks for none), or the audit reason it is refused for.
// A switch is asked for by "Connection: upgrade" with one Upgrade field naming one protocol; it
// is allowed only when allowed names that protocol (config validation keeps h2c out of it).
// Upgrade fields without "Connection: upgrade" are not a request to switch; they are removed
// with the other hop-by-hop fields.
func upgradeDecision(h http.Header, allowed []string) (proto, reason string) {
	conn := h["Connection"]
	if conn == nil || !httpguts.HeaderValuesContainsToken(conn, "upgrade") {
		return "", ""
	}
	up := h["Upgrade"]
	switch {
	case len(up) == 0:
		return "", "" // nothing to switch to; Connection goes with the hop-by-hop fields
	case len(up) > 1 || strings.ContainsAny(up[0], ", \t") || up[0] == "":
		return "", "upgrade_not_allowed"
	}
	for _, a := range allowed {
		if strings.EqualFold(a, up[0]) && !strings.EqualFold(up[0], "h2c") {
			return a, ""
		}
	}
	return "", "upgrade_not_allowed"
}

// netHTTPFraming guards net/http's HTTP/1 server (http1_server: net/http), which cannot be
// told to refuse what the gateway's own server refuses: it drops Content-Length beside
// Transfer-Encoding and reads on, ignores Transfer-Encoding in HTTP/1.0 and accepts folded
// fields, so the handler cannot see that a request came with either. The connection is closed
// after the response to every chunked request and every HTTP/1.0 request, so nothing after
// such a request on the connection is ever read as another request (RFC 9112 section 6.1:
// treat as chunked, then close). HTTP/2 requests pass unchanged.
func netHTTPFraming(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor == 1 && (len(r.TransferEncoding) > 0 || r.ProtoMinor == 0) {
			w.Header().Set("Connection", "close")
		}
		h.ServeHTTP(w, r)
	})
}
