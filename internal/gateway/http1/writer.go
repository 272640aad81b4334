package http1

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// h1writer is the http.ResponseWriter of Server. The status line and header block are
// written when the first body byte, a flush or the end of the handler arrives; then the framing
// is chosen the way net/http chooses it: the handler's Content-Length, else Content-Length: 0 for
// a handler that wrote nothing, else chunked (HTTP/1.1) or close-delimited (HTTP/1.0). Header
// names are validated and values sanitized by http.Header.WriteSubset, as in net/http.
type h1writer struct {
	conn   net.Conn
	br     *bufio.Reader
	bw     *bufio.Writer
	wprog  *Progress // the write timeout bw's writes keep
	hc     *h1conn
	lim    *limitedReader // the connection's reader under br
	date   *dateCache
	req    *http.Request
	cont   *continueReader
	body   *h1body // nil for a request without a body
	header http.Header
	// drainWait bounds the time spent reading a request body the handler left unread
	drainWait time.Duration

	status        int
	wroteHeader   bool // the handler chose the final status (WriteHeader or first Write)
	headerSent    bool // the header block is in bw
	bodyAllowed   bool
	chunked       bool
	closeAfter    bool
	hijacked      bool
	contentLength int64 // declared, or -1
	written       int64
	err           error // sticky write error
	// pending holds the start of a body whose length is not declared, so a short response that
	// ends with the handler still gets a Content-Length instead of chunking (as net/http does).
	pending []byte
}

// maxPending bounds pending: beyond it (or on a flush) the response is sent chunked.
const maxPending = 2048

var (
	_ http.ResponseWriter = (*h1writer)(nil)
	_ http.Flusher        = (*h1writer)(nil)
	_ http.Hijacker       = (*h1writer)(nil)
)

// reset prepares the writer for the next request on the connection.
func (w *h1writer) reset(req *http.Request, cont *continueReader, body *h1body) {
	clear(w.header)
	*w = h1writer{conn: w.conn, br: w.br, bw: w.bw, wprog: w.wprog, hc: w.hc, lim: w.lim, date: w.date, header: w.header, drainWait: w.drainWait, req: req, cont: cont, body: body, contentLength: -1,
		pending: w.pending[:0]}
}

func (w *h1writer) Header() http.Header { return w.header }

// ClientGoneOf returns the signal through which the disconnect of w's client aborts the
// request's upstream exchange (see watch.go), or nil when w is not this server's writer (net/http
// cancels the request's context instead). Passing it to Transport.Forward stops an upstream from
// working on for a client that has gone.
func ClientGoneOf(w http.ResponseWriter) *ClientGone {
	if hw, ok := w.(*h1writer); ok {
		return &hw.hc.watch.gone
	}
	return nil
}

func (w *h1writer) WriteHeader(code int) {
	if w.hijacked || w.wroteHeader {
		return
	}
	if code < 100 || code > 999 {
		code = http.StatusInternalServerError
	}
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		w.writeInterim(code)
		return
	}
	w.status, w.wroteHeader = code, true
}

// writeInterim sends a 1xx response (103 Early Hints, …) at once with the current header.
func (w *h1writer) writeInterim(code int) {
	if w.err != nil {
		return
	}
	w.writeStatusLine(code)
	_ = w.header.WriteSubset(w.bw, nil)
	_, _ = w.bw.WriteString("\r\n")
	w.err = w.bw.Flush()
}

func (w *h1writer) writeStatusLine(code int) {
	text := http.StatusText(code)
	if text == "" {
		text = "status code " + strconv.Itoa(code)
	}
	_, _ = w.bw.WriteString("HTTP/1.1 ")
	_, _ = w.bw.WriteString(strconv.Itoa(code))
	_ = w.bw.WriteByte(' ')
	_, _ = w.bw.WriteString(text)
	_, _ = w.bw.WriteString("\r\n")
}

// sendHeader writes the status line and header block. done is true when the handler has
// returned without writing a body, so an unknown length is zero.
func (w *h1writer) sendHeader(done bool) {
	w.headerSent = true
	h, req, code := w.header, w.req, w.status
	w.bodyAllowed = req.Method != http.MethodHead && code != http.StatusNoContent && code != http.StatusNotModified &&
		code != http.StatusSwitchingProtocols
	delete(h, "Transfer-Encoding") // framing is this writer's decision
	if v := h["Content-Length"]; len(v) > 0 {
		n, err := strconv.ParseInt(v[0], 10, 64)
		if err != nil || n < 0 || len(v) > 1 {
			delete(h, "Content-Length")
		} else {
			w.contentLength = n
		}
	}
	if code == http.StatusNoContent || code < 200 {
		delete(h, "Content-Length")
		w.contentLength = -1
	}
	trailers := w.hasTrailers()
	if w.bodyAllowed && w.contentLength < 0 {
		switch {
		case done && (!trailers || !req.ProtoAtLeast(1, 1)):
			w.contentLength = int64(len(w.pending))
			h["Content-Length"] = []string{strconv.Itoa(len(w.pending))}
		case req.ProtoAtLeast(1, 1):
			w.chunked = true // also for a short body with trailers: only chunking carries them
			h["Transfer-Encoding"] = []string{"chunked"}
		default:
			w.closeAfter = true // HTTP/1.0: the body ends when the connection does
		}
	}
	if done && req.Method == http.MethodHead && len(w.pending) > 0 && w.contentLength < 0 && !trailers &&
		code != http.StatusNoContent && code != http.StatusNotModified && code >= 200 {
		// the length the GET would have had, as net/http declares it
		h["Content-Length"] = []string{strconv.Itoa(len(w.pending))}
	}
	if req.Close || !req.ProtoAtLeast(1, 1) || hasToken(h.Get("Connection"), "close") ||
		(w.cont != nil && !w.cont.sent) {
		w.closeAfter = true
	}
	// Settle the request body before answering, as net/http does: read what the handler
	// left (up to maxDrain) so a client that sends its whole request before reading cannot
	// deadlock, and announce the close when the body failed or is too long to drain.
	if !w.closeAfter && w.body != nil && !w.body.settle(w.conn, w.drainWait) {
		w.closeAfter = true
	}
	if w.closeAfter {
		h["Connection"] = []string{"close"}
	}
	if _, ok := h["Date"]; !ok {
		h["Date"] = w.date.get(time.Now())
	}
	w.writeStatusLine(code)
	var exclude map[string]bool
	for k := range h {
		if k == "Trailer" || strings.HasPrefix(k, http.TrailerPrefix) {
			if exclude == nil {
				exclude = map[string]bool{}
			}
			exclude[k] = true
		}
	}
	if trailers {
		// a declared trailer field is sent at the end, never promoted into the header block
		// (a value the handler set after its body — ReverseProxy copying the upstream's
		// trailers — would otherwise become a header of a short response)
		for _, list := range h["Trailer"] {
			for k := range strings.SplitSeq(list, ",") {
				exclude[http.CanonicalHeaderKey(strings.TrimSpace(k))] = true
			}
		}
		exclude["Trailer"] = !w.chunked // announced trailers go out with a chunked body only
	}
	_ = h.WriteSubset(w.bw, exclude)
	_, _ = w.bw.WriteString("\r\n")
}

func (w *h1writer) Write(p []byte) (int, error) {
	if w.hijacked {
		return 0, http.ErrHijacked
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !w.headerSent {
		if w.header["Content-Length"] == nil && len(w.pending)+len(p) <= maxPending {
			w.pending = append(w.pending, p...)
			return len(p), nil
		}
		w.sendHeader(false)
		if err := w.writePending(); err != nil {
			return 0, err
		}
	}
	if w.err != nil {
		return 0, w.err
	}
	if !w.bodyAllowed {
		if w.req.Method == http.MethodHead {
			return len(p), nil
		}
		return 0, http.ErrBodyNotAllowed
	}
	if w.contentLength >= 0 && w.written+int64(len(p)) > w.contentLength {
		return 0, http.ErrContentLength
	}
	if len(p) == 0 {
		return 0, nil
	}
	return w.writeBody(p)
}

// writePending sends the body bytes held back before the framing was chosen.
func (w *h1writer) writePending() error {
	if len(w.pending) == 0 {
		return nil
	}
	p := w.pending
	w.pending = w.pending[:0]
	_, err := w.writeBody(p)
	return err
}

// writeBody frames and buffers p once the header block is out.
func (w *h1writer) writeBody(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if !w.bodyAllowed {
		if w.req.Method == http.MethodHead {
			return len(p), nil
		}
		return 0, http.ErrBodyNotAllowed
	}
	if w.chunked {
		_, _ = w.bw.WriteString(strconv.FormatInt(int64(len(p)), 16))
		_, _ = w.bw.WriteString("\r\n")
	}
	n, err := w.bw.Write(p)
	if err == nil && w.chunked {
		_, err = w.bw.WriteString("\r\n")
	}
	w.written += int64(n)
	if err != nil {
		w.err = err
	}
	return n, err
}

// Flush sends what is buffered (the header block first, if not yet sent).
func (w *h1writer) Flush() { _ = w.FlushError() }

// FlushError is Flush reporting the write error; http.ResponseController prefers it.
func (w *h1writer) FlushError() error {
	if w.hijacked {
		return http.ErrHijacked
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !w.headerSent {
		w.sendHeader(false)
		_ = w.writePending()
	}
	if w.err == nil {
		w.err = w.bw.Flush()
	}
	return w.err
}

// Hijack hands the connection to the handler (protocol upgrades). Bytes the client already
// sent stay readable through the returned reader.
func (w *h1writer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if w.hijacked {
		return nil, nil, http.ErrHijacked
	}
	if w.headerSent {
		return nil, nil, errors.New("hijack after the response header was sent")
	}
	w.hijacked = true
	w.hc.stopHandling(w.lim) // what the watcher read stays readable through the returned reader
	// The connection is the handler's now, deadlines included: a protocol such as WebSocket
	// may rightly sit idle longer than any of the HTTP timeouts.
	w.wprog.timeout = 0
	_ = w.conn.SetDeadline(time.Time{})
	return w.conn, bufio.NewReadWriter(w.br, w.bw), nil
}

// finish completes the response after the handler returned and flushes it.
func (w *h1writer) finish() error {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !w.headerSent {
		w.sendHeader(true)
		_ = w.writePending()
	}
	if w.chunked {
		_, _ = w.bw.WriteString("0\r\n")
		w.writeTrailers()
		_, _ = w.bw.WriteString("\r\n")
	}
	if w.bodyAllowed && w.contentLength >= 0 && w.written < w.contentLength {
		w.closeAfter = true // the body came up short: only closing tells the client
	}
	if w.err == nil {
		w.err = w.bw.Flush()
	}
	return w.err
}

// hasTrailers reports whether the handler declared or set trailer fields.
func (w *h1writer) hasTrailers() bool {
	if w.header["Trailer"] != nil {
		return true
	}
	for k := range w.header {
		if strings.HasPrefix(k, http.TrailerPrefix) {
			return true
		}
	}
	return false
}

// writeTrailers writes the trailer fields a handler announced in "Trailer" or set with
// http.TrailerPrefix.
func (w *h1writer) writeTrailers() {
	t := http.Header{}
	for _, list := range w.header["Trailer"] {
		for _, k := range strings.Split(list, ",") {
			k = http.CanonicalHeaderKey(strings.TrimSpace(k))
			if vv, ok := w.header[k]; ok && k != "" {
				t[k] = vv
			}
		}
	}
	for k, vv := range w.header {
		if name, ok := strings.CutPrefix(k, http.TrailerPrefix); ok && name != "" {
			t[http.CanonicalHeaderKey(name)] = vv
		}
	}
	if len(t) > 0 {
		_ = t.WriteSubset(w.bw, nil)
	}
}

// hasToken reports whether a comma-separated header value lists token (case-insensitively).
func hasToken(v, token string) bool {
	for part := range strings.SplitSeq(v, ",") {
		if strings.EqualFold(strings.TrimSpace(part), token) {
			return true
		}
	}
	return false
}
