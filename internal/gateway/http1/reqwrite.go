package http1

import (
	"bufio"
	"fmt"
	"net/http"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// ExtraFields are the header fields the gateway adds to an upstream request: the forwarding
// fields, "Te: trailers", and the identity it asserts. They are kept beside the inbound
// request's header map, not added to it: the map was sized by the parser for the fields the
// client sent, and growing it for these was, with the sorted copy net/http's request writer
// makes, most of what writing a request head cost.
type ExtraFields struct {
	n        int
	kv       [maxExtraFields]struct{ k, v string }
	overflow bool // more than maxExtraFields were set: check refuses the request
}

const maxExtraFields = 8

// Reset removes every field, for the next request.
func (e *ExtraFields) Reset() { e.n, e.overflow = 0, false }

// Set adds a field (the key in canonical form); the caller removes any field of that name the
// client sent. The value is sent verbatim or the request refused (see check), never altered.
func (e *ExtraFields) Set(k, v string) {
	if e.n == len(e.kv) {
		e.overflow = true
		return
	}
	e.kv[e.n].k, e.kv[e.n].v = k, v
	e.n++
}

// check refuses a field the gateway cannot send verbatim: a control character, or space at
// either end, which a writer would replace or trim. The identity fields are what upstreams
// authorize by, so a changed value (a JWT subject "alice\n" sent as "alice") is refused, not
// sent.
func (e *ExtraFields) check() error {
	if e.overflow {
		return fmt.Errorf("more than %d header fields to add to an upstream request", maxExtraFields)
	}
	for i := 0; i < e.n; i++ {
		k, v := e.kv[i].k, e.kv[i].v
		if !httpguts.ValidHeaderFieldValue(v) || trimField(v) != v {
			return fmt.Errorf("the value of %s cannot be sent verbatim in a header field (control character or surrounding space)", k)
		}
	}
	return nil
}

// mergeInto sets the fields on h, for writers that only take a header map (net/http's request
// writer and transport). A header without User-Agent gets an empty one, which those writers
// read as "send none" rather than sending Go's default.
func (e *ExtraFields) mergeInto(h http.Header) {
	for i := 0; i < e.n; i++ {
		h[e.kv[i].k] = []string{e.kv[i].v}
	}
	if _, ok := h["User-Agent"]; !ok {
		h["User-Agent"] = []string{""}
	}
}

// writeUpstreamRequest writes req, with the extra fields, to w. A request without a body is
// written by writeHead; any other goes through net/http's request writer (its framing:
// Content-Length or chunked encoding, trailers, the body) with the extra fields merged into
// its header.
func writeUpstreamRequest(w *bufio.Writer, req *http.Request, extra *ExtraFields) error {
	if extra == nil {
		extra = &ExtraFields{}
	}
	if err := extra.check(); err != nil {
		return err
	}
	if err := checkOutbound(req); err != nil {
		return err
	}
	if writeHead(w, req, extra) {
		return nil
	}
	extra.mergeInto(req.Header)
	return req.Write(w)
}

// writeHead writes the head of a request without a body, as net/http's request writer would
// write it, and reports false (having written nothing) for a request it leaves to that writer:
// one with a body or framing of its own, CONNECT, a host that needs conversion (IDNA, an IPv6
// zone) or is invalid, or a target with a control character (net/http refuses those with its
// own errors). The one difference, which no server reads meaning into: fields are written in
// the map's order rather than sorted by name, with the extra fields last.
//
// What it keeps from net/http: the Host field from req.Host or the URL; only the first
// User-Agent value, none when it is empty or absent (the gateway never sends Go's default) and
// an empty field when it is only space; "Content-Length: 0" for an empty POST, PUT or PATCH;
// Host, User-Agent, Content-Length, Transfer-Encoding and Trailer from the map are not written
// (framing is the writer's), nor is a field with an invalid name; CR and LF inside a value
// become spaces and space at either end is trimmed. FuzzWriteHead holds it to that.
func writeHead(w *bufio.Writer, req *http.Request, extra *ExtraFields) bool {
	if req.Body != nil && req.Body != http.NoBody || req.ContentLength != 0 || len(req.TransferEncoding) > 0 ||
		len(req.Trailer) > 0 || req.Close || req.Method == http.MethodConnect || req.URL == nil {
		return false
	}
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	if !plainHost(host) {
		return false
	}
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	if !validMethod(method) {
		return false
	}
	uri := req.URL.RequestURI()
	if hasCTL(uri) {
		return false
	}
	w.WriteString(method)
	w.WriteByte(' ')
	w.WriteString(uri)
	w.WriteString(" HTTP/1.1\r\nHost: ")
	w.WriteString(host)
	w.WriteString("\r\n")
	if ua := req.Header["User-Agent"]; len(ua) > 0 && ua[0] != "" {
		writeField(w, "User-Agent", ua[0])
	}
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
		w.WriteString("Content-Length: 0\r\n")
	}
	for k, vv := range req.Header {
		switch k {
		case "Host", "User-Agent", "Content-Length", "Transfer-Encoding", "Trailer":
			continue
		}
		if !httpguts.ValidHeaderFieldName(k) {
			continue // dropped, as net/http's writer drops it
		}
		for _, v := range vv {
			writeField(w, k, v)
		}
	}
	for i := 0; i < extra.n; i++ {
		writeField(w, extra.kv[i].k, extra.kv[i].v)
	}
	w.WriteString("\r\n")
	return true
}

// writeField writes "k: v\r\n" with v trimmed of space at either end and CR or LF inside it
// written as a space (what net/http's header writer does).
func writeField(w *bufio.Writer, k, v string) {
	w.WriteString(k)
	w.WriteString(": ")
	v = trimField(v)
	for {
		i := strings.IndexAny(v, "\r\n")
		if i < 0 {
			break
		}
		w.WriteString(v[:i])
		w.WriteByte(' ')
		v = v[i+1:]
	}
	w.WriteString(v)
	w.WriteString("\r\n")
}

// trimField trims what textproto.TrimString trims: space, tab, CR and LF at either end.
func trimField(s string) string {
	for len(s) > 0 && isFieldSpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isFieldSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

func isFieldSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }

// plainHost: a valid Host value that net/http's writer would send unchanged (ASCII, no IPv6
// zone).
func plainHost(h string) bool {
	for i := 0; i < len(h); i++ {
		if h[i] >= 0x80 || h[i] == '%' {
			return false
		}
	}
	return h != "" && httpguts.ValidHostHeader(h)
}

// validMethod: a method is a token (RFC 9110 section 9.1).
func validMethod(m string) bool {
	for i := 0; i < len(m); i++ {
		if !httpguts.IsTokenRune(rune(m[i])) {
			return false
		}
	}
	return m != ""
}

func hasCTL(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] == 0x7f {
			return true
		}
	}
	return false
}
