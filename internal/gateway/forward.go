package gateway

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/palisade-sec/palisade/internal/gateway/http1"
	"golang.org/x/net/http/httpguts"
)

// forwarder relays an authorized request to one upstream and the upstream's response back. It
// applies the rules of httputil.ReverseProxy with a Rewrite function (hop-by-hop headers removed
// in both directions, including those a Connection header lists; caller-sent Forwarded and
// X-Forwarded-* replaced; unparsable query parameters dropped; "Te: trailers" kept; protocol
// upgrades relayed; a response that fails midway aborted rather than ended cleanly) while
// reusing the inbound request's header map instead of cloning the request, which was a tenth of
// the gateway's CPU. The identity headers are asserted last, after hop-by-hop removal, so a
// caller cannot drop them by naming them in Connection.
type forwarder struct {
	upstream  string // as configured, for logs
	target    *url.URL
	transport *http1.Transport
	buffers   *bufferPool
	log       *slog.Logger
}

// hopHeaders are removed from requests and responses in transit (RFC 9110 section 7.6.1, plus
// the non-standard ones proxies have always removed).
var hopHeaders = [...]string{"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
	// HTTP2-Settings only means something beside "Upgrade: h2c", which is never forwarded
	"Http2-Settings"}

// forward sends in upstream on behalf of exchange x and writes the response to w.
func (f *forwarder) forward(w http.ResponseWriter, in *http.Request, x *exchange) {
	// the route decided the switch (exchange.allowUpgrade); Upgrade and Connection sent
	// without its leave are removed with the other hop-by-hop fields
	upType := x.upgrade
	out := f.outbound(in, upType, x)
	resp, err := f.transport.Forward(out, &x.extra, x.gone)
	if err != nil {
		f.fail(w, x, err)
		return
	}
	if resp.StatusCode == http.StatusSwitchingProtocols {
		if upType == "" {
			_ = resp.Body.Close()
			f.fail(w, x, errors.New("upstream switched protocols without an allowed upgrade request"))
			return
		}
		f.upgrade(w, resp, upType, x)
		return
	}
	removeHopByHop(resp.Header)
	h := w.Header()
	for k, vv := range resp.Header {
		if h[k] == nil {
			h[k] = vv // the response is ours: share its slices rather than copy them
		} else {
			h[k] = append(h[k], vv...)
		}
	}
	if len(resp.Trailer) > 0 {
		keys := make([]string, 0, len(resp.Trailer))
		for k := range resp.Trailer {
			keys = append(keys, k)
		}
		h.Add("Trailer", strings.Join(keys, ", "))
	}
	w.WriteHeader(resp.StatusCode)
	stream := resp.ContentLength < 0 || isEventStream(resp.Header.Get("Content-Type"))
	if clientSide, err := f.copyBody(w, resp.Body, stream); err != nil {
		_ = resp.Body.Close()
		x.failed(err, clientSide)
		f.log.Warn("response aborted midway", "upstream", f.upstream, "reason", x.failReason, "err", err)
		// The status line is out: only aborting the connection (or the HTTP/2 stream) tells
		// the client the body is incomplete. Both HTTP servers recover this value.
		panic(http.ErrAbortHandler)
	}
	_ = resp.Body.Close() // now resp.Trailer holds the trailer values
	if len(resp.Trailer) > 0 {
		_ = http.NewResponseController(w).Flush() // a trailer needs chunked framing
		for k, vv := range resp.Trailer {
			h[k] = append(h[k], vv...)
		}
	}
}

// outbound turns the inbound request into the upstream request, in place where it can.
func (f *forwarder) outbound(in *http.Request, upType string, x *exchange) *http.Request {
	out := new(http.Request)
	*out = *in
	u := *f.target
	u.Path, u.RawPath = joinPath(f.target, in.URL)
	u.RawQuery = cleanQuery(in.URL.RawQuery)
	if f.target.RawQuery != "" && u.RawQuery != "" {
		u.RawQuery = f.target.RawQuery + "&" + u.RawQuery
	} else if f.target.RawQuery != "" {
		u.RawQuery = f.target.RawQuery
	}
	out.URL = &u
	out.Host = "" // the upstream's own host name, from the URL
	out.RequestURI = ""
	out.Close = false
	out.Proto, out.ProtoMajor, out.ProtoMinor = "HTTP/1.1", 1, 1
	if in.ContentLength == 0 {
		out.Body = nil
	} else if in.Body != nil {
		// the transport closes the body it was given; the inbound body is the server's to close
		// (closing it could wait for a client upload nobody needs any more)
		out.Body = noCloseBody{in.Body}
	}

	h := in.Header
	trailers := httpguts.HeaderValuesContainsToken(h["Te"], "trailers")
	removeHopByHop(h)
	if upType != "" {
		h["Connection"] = []string{"Upgrade"}
		h["Upgrade"] = []string{upType}
	}
	// The fields the gateway sets travel beside the header map (see http1.ExtraFields); any the
	// caller sent under those names go.
	for _, k := range [...]string{"Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Request-Id"} {
		delete(h, k)
	}
	e := &x.extra
	e.Reset()
	if trailers {
		e.Set("Te", "trailers")
	}
	if ip, _, err := net.SplitHostPort(in.RemoteAddr); err == nil {
		e.Set("X-Forwarded-For", ip)
	}
	e.Set("X-Forwarded-Host", in.Host)
	if in.TLS != nil {
		e.Set("X-Forwarded-Proto", "https")
	} else {
		e.Set("X-Forwarded-Proto", "http")
	}
	x.assertIdentity(e)
	out.Header = h
	return out
}

// upgrade relays a 101 Switching Protocols answer and then bytes both ways until either side
// closes.
func (f *forwarder) upgrade(w http.ResponseWriter, resp *http.Response, reqType string, x *exchange) {
	respType := upgradeType(resp.Header)
	back, ok := resp.Body.(io.ReadWriteCloser)
	switch {
	case !printableASCII(respType):
		f.fail(w, x, fmt.Errorf("upstream switched to an invalid protocol %q", respType))
		return
	case !strings.EqualFold(reqType, respType):
		f.fail(w, x, fmt.Errorf("upstream switched to protocol %q when %q was asked for", respType, reqType))
		return
	case !ok:
		f.fail(w, x, errors.New("upstream switched protocols without a writable connection"))
		return
	}
	defer back.Close()
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		f.fail(w, x, fmt.Errorf("hijack the client connection for %q: %w", reqType, err))
		return
	}
	defer conn.Close()
	x.sw.status = http.StatusSwitchingProtocols
	resp.Body = nil
	if err := resp.Write(brw); err != nil {
		return
	}
	if err := brw.Flush(); err != nil {
		return
	}
	// The tunnel is one exchange: its record is written when both directions have ended,
	// with the bytes relayed each way and, as its latency, how long it lasted.
	done := make(chan struct{}, 2)
	go func() { x.tunnelUp, _ = io.Copy(back, brw.Reader); done <- struct{}{} }()
	go func() { x.tunnelDown, _ = io.Copy(conn, back); done <- struct{}{} }()
	<-done // one direction ended: close both, which ends the other
	_ = conn.Close()
	_ = back.Close()
	<-done
}

// copyBody copies the response body, flushing after every read when the response streams. On
// failure it says whether writing to the client (rather than reading the upstream) failed.
func (f *forwarder) copyBody(w http.ResponseWriter, body io.Reader, stream bool) (clientSide bool, err error) {
	buf := f.buffers.Get()
	defer f.buffers.Put(buf)
	var rc *http.ResponseController
	if stream {
		rc = http.NewResponseController(w)
	}
	for {
		n, rerr := body.Read(buf)
		if n > 0 {
			if _, err := w.Write(buf[:n]); err != nil {
				return true, err
			}
			if rc != nil {
				if err := rc.Flush(); err != nil {
					return true, err
				}
			}
		}
		if rerr == io.EOF {
			return false, nil
		}
		if rerr != nil {
			return false, rerr
		}
	}
}

// fail answers an exchange that could not be proxied, with the status failed chooses.
func (f *forwarder) fail(w http.ResponseWriter, x *exchange, err error) {
	status := x.failed(err, false)
	f.log.Warn("upstream error", "upstream", f.upstream, "reason", x.failReason, "err", err)
	http.Error(w, strings.ToLower(http.StatusText(status)), status)
}

// failed records why proxying x failed (its audit reason) and returns the status the client
// gets if the response has not started: the client went away (nobody reads the answer; the
// upstream learnt it from its connection closing); its body passed the limit (413, a deny: the
// gateway's refusal, not the upstream's fault), stalled (408) or failed to parse (400); writing to it failed
// (clientSide: it stopped reading, or broke off); the upstream stayed silent past the read
// timeout or could not be reached in time (504); anything else the upstream did wrong (502).
func (x *exchange) failed(err error, clientSide bool) (status int) {
	status, x.failReason = http.StatusBadGateway, "upstream_error"
	switch {
	case x.gone != nil && x.gone.Gone():
		x.failReason = "client_gone"
	case x.body.tooLarge:
		status, x.failReason = http.StatusRequestEntityTooLarge, "body_too_large"
		x.rec.Decision, x.rec.Reason = decisionDeny, x.failReason
	case x.body.timedOut:
		status, x.failReason = http.StatusRequestTimeout, "client_timeout"
	case x.body.broken:
		// the client's body failed, not the upstream: a chunk that does not parse, or a
		// connection that broke off mid-body
		status, x.failReason = http.StatusBadRequest, "client_body_error"
	case clientSide && http1.IsTimeout(err):
		x.failReason = "client_timeout"
	case clientSide:
		x.failReason = "client_error"
	case http1.IsTimeout(err):
		status, x.failReason = http.StatusGatewayTimeout, "upstream_timeout"
	}
	return status
}

// noCloseBody keeps the transport from closing the inbound request body.
type noCloseBody struct{ io.Reader }

func (noCloseBody) Close() error { return nil }

func removeHopByHop(h http.Header) {
	for _, v := range h["Connection"] {
		for name := range strings.SplitSeq(v, ",") {
			if name = strings.TrimSpace(name); name != "" {
				delete(h, http.CanonicalHeaderKey(name))
			}
		}
	}
	for _, k := range hopHeaders {
		delete(h, k)
	}
}

// upgradeType is the protocol a message asks to switch to ("" when it does not).
func upgradeType(h http.Header) string {
	if !httpguts.HeaderValuesContainsToken(h["Connection"], "Upgrade") {
		return ""
	}
	return h.Get("Upgrade")
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// isEventStream reports a text/event-stream media type (server-sent events flush at once).
func isEventStream(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	return strings.EqualFold(strings.TrimSpace(mt), "text/event-stream")
}

// joinPath appends the request's path to the upstream URL's base path with exactly one slash
// between them, keeping the escaped form when either has one.
func joinPath(base, req *url.URL) (path, rawPath string) {
	if base.Path == "" || base.Path == "/" && strings.HasPrefix(req.Path, "/") {
		return req.Path, req.RawPath
	}
	join := func(a, b string) string {
		switch {
		case strings.HasSuffix(a, "/") && strings.HasPrefix(b, "/"):
			return a + b[1:]
		case !strings.HasSuffix(a, "/") && !strings.HasPrefix(b, "/"):
			return a + "/" + b
		}
		return a + b
	}
	if base.RawPath == "" && req.RawPath == "" {
		return join(base.Path, req.Path), ""
	}
	return join(base.Path, req.Path), join(base.EscapedPath(), req.EscapedPath())
}

// maxQueryParams matches net/url's limit on parsed query parameters.
const maxQueryParams = 10000

// cleanQuery drops query parameters the upstream could read differently from the gateway:
// those with a semicolon (Go reads it as text, many servers as a separator) or a broken percent
// escape. A clean query is returned unchanged.
func cleanQuery(q string) string {
	reencode := func() string {
		v, _ := url.ParseQuery(q)
		return v.Encode()
	}
	if strings.Count(q, "&")+1 > maxQueryParams {
		return reencode()
	}
	for i := 0; i < len(q); i++ {
		switch q[i] {
		case ';':
			return reencode()
		case '%':
			if i+2 >= len(q) || !isHex(q[i+1]) || !isHex(q[i+2]) {
				return reencode()
			}
			i += 2
		}
	}
	return q
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
