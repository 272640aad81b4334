package gateway

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/palisade-sec/palisade/internal/gateway/http1/http1test"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// The attack corpus: request shapes from the HTTP desync and path-confusion research (CL.TE,
// TE.CL, TE.TE with Transfer-Encoding obfuscations, CL.0, chunk syntax, obs-fold, NUL and bare
// CR, Host conflicts, Expect, pipelining, upgrades, HTTP/2 to HTTP/1 downgrade, path
// normalisation), each with what the gateway does — refuse with a status, close, or forward
// exactly one request whose path is inside an allowed route. The HTTP/1 cases are
// http1test.Desync (package http1's differential fuzzer reads them too); the HTTP/2 ones are
// here. The recording upstream behind the
// edge (edgeharness_test.go) tells what reached it; on every case it must never see a path
// outside /public/ or /ws/, nor more requests than the case says the client sent.

// caseHost is the host a case's requests name instead of shop.localhost (no route names a
// host), so what reaches the upstream is told apart by case through X-Forwarded-Host even
// when it arrives after the case ended.
// It is as long as shop.localhost, so the lengths of bodies that hold it stay right.
func caseHost(i int) string { return fmt.Sprintf("c%03d.localhost", i) }

// readStatuses parses the responses in out, in order, up to the first that does not parse.
func readStatuses(out string) []int {
	var statuses []int
	br := bufio.NewReader(strings.NewReader(out))
	for {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			return statuses
		}
		statuses = append(statuses, resp.StatusCode)
		if resp.StatusCode >= 200 {
			_, _ = bytes.NewBuffer(nil).ReadFrom(resp.Body)
		}
	}
}

// checkUpstream holds the corpus's invariant and the case's expectation on what reached the
// upstream.
func checkUpstream(t *testing.T, e *edge, mark string, want http1test.Outcome) {
	t.Helper()
	reqs, tunnel := e.up.seen()
	var got []string
	for _, r := range reqs {
		if !strings.HasPrefix(r.URI, "/public/") && !strings.HasPrefix(r.URI, "/ws/") {
			t.Errorf("a path outside every allowed route reached the upstream: %q", r.URI)
		}
		if r.Header.Get("X-Forwarded-Host") == mark {
			got = append(got, r.URI)
		}
	}
	if tunnel != "" {
		t.Errorf("bytes were tunnelled to the upstream: %q", tunnel)
	}
	if want.Maybe && len(got) <= len(want.Fwd) && slices.Equal(got, want.Fwd[:len(got)]) {
		return
	}
	if d := cmp.Diff(want.Fwd, got); d != "" {
		t.Errorf("what reached the upstream (-want +got):\n%s", d)
	}
}

// TestAttackCorpusHTTP1 runs the HTTP/1 corpus over TLS through the gateway's own HTTP/1
// server and net/http's.
func TestAttackCorpusHTTP1(t *testing.T) {
	for _, server := range []string{HTTP1Palisade, HTTP1NetHTTP} {
		t.Run(server, func(t *testing.T) {
			e := startEdge(t, server, "")
			corpus := http1test.Desync()
			defer recheck(t, e, corpus)
			for i, tc := range corpus {
				t.Run(tc.Name, func(t *testing.T) {
					want := tc.Want
					if server == HTTP1NetHTTP && tc.NetHTTP != nil {
						want = *tc.NetHTTP
					}
					mark := caseHost(i)
					c := e.dial(t, "http/1.1")
					if _, err := c.Write([]byte(strings.ReplaceAll(tc.Raw, "shop.localhost", mark))); err != nil {
						t.Fatal(err)
					}
					out := http1test.ReadAll(c, 3*time.Second)
					if got := readStatuses(out); !slices.Equal(got, want.Statuses) {
						t.Errorf("statuses %v, want %v; the gateway sent:\n%s", got, want.Statuses, out)
					}
					checkUpstream(t, e, mark, want)
				})
			}
		})
	}
}

// recheck runs the upstream checks of every case again once all have run, so a request that
// reached the upstream after its case ended is not missed.
func recheck(t *testing.T, e *edge, corpus []http1test.Case) {
	for i, tc := range corpus {
		want := tc.Want
		if tc.NetHTTP != nil && e.g.state.Load().cfg.HTTP1Server == HTTP1NetHTTP {
			want = *tc.NetHTTP
		}
		t.Run("again/"+tc.Name, func(t *testing.T) { checkUpstream(t, e, caseHost(i), want) })
	}
}

// h2Case is one HTTP/2 request written frame by frame, so it can carry what net/http's client
// refuses to send: its header fields in order (pseudo-fields first, as written), and the DATA
// of its body (none: the HEADERS frame ends the stream).
type h2Case struct {
	name   string
	fields [][2]string
	data   string
	want   http1test.Outcome
}

// h2Fields is a GET of path with the usual pseudo-fields, then extra.
func h2Fields(method, path string, extra ...[2]string) [][2]string {
	return append([][2]string{{":method", method}, {":scheme", "https"}, {":authority", "shop.localhost"}, {":path", path}}, extra...)
}

func h2Corpus() []h2Case {
	o, maybe := http1test.Want, http1test.MaybeWant
	pub := http1test.Paths("/public/a")
	f := func(k, v string) [2]string { return [2]string{k, v} }
	refused := func(status int) http1test.Outcome { return o(nil, status) }
	reset := o(nil, 0)
	return []h2Case{
		{name: "baseline", fields: h2Fields("GET", "/public/a"), want: o(pub, 200)},
		{name: "POST with a body", fields: h2Fields("POST", "/public/a", f("content-length", "3")), data: "abc", want: o(pub, 200)},
		// the downgrade: what HTTP/2 carries safely but an HTTP/1.1 head would split
		{name: ":method with a request line", fields: h2Fields("GET /admin HTTP/1.1", "/ws/a"), want: refused(400)},
		{name: ":method with a space", fields: h2Fields("GET /admin", "/ws/a"), want: refused(400)},
		{name: ":method with CRLF", fields: h2Fields("GET\r\nX: y", "/ws/a"), want: reset},
		{name: ":path with a space", fields: h2Fields("GET", "/public/a HTTP/1.1"), want: refused(400)},
		{name: ":path with CRLF", fields: h2Fields("GET", "/public/a\r\nHost: evil"), want: reset},
		{name: ":path relative", fields: h2Fields("GET", "public/a"), want: reset},
		{name: ":path asterisk for GET", fields: h2Fields("GET", "*"), want: refused(400)},
		{name: ":path absolute URI", fields: h2Fields("GET", "https://shop.localhost/admin"), want: refused(400)},
		{name: ":path with a fragment", fields: h2Fields("GET", "/public/a#x"), want: refused(400)},
		{name: ":authority with a space", fields: [][2]string{{":method", "GET"}, {":scheme", "https"}, {":authority", "a b"}, {":path", "/public/a"}}, want: refused(400)},
		{name: ":authority with CRLF", fields: [][2]string{{":method", "GET"}, {":scheme", "https"}, {":authority", "a\r\nX: y"}, {":path", "/public/a"}}, want: reset},
		{name: ":scheme missing", fields: [][2]string{{":method", "GET"}, {":authority", "shop.localhost"}, {":path", "/public/a"}}, want: reset},
		{name: "pseudo-field after a field", fields: [][2]string{{":method", "GET"}, {":scheme", "https"}, {"x-a", "b"}, {":authority", "shop.localhost"}, {":path", "/public/a"}}, want: reset},
		{name: "duplicate :path", fields: append(h2Fields("GET", "/public/a"), f(":path", "/admin")), want: reset},
		{name: "unknown pseudo-field", fields: h2Fields("GET", "/public/a", f(":protocol", "websocket")), want: reset},
		{name: "host beside :authority, different", fields: h2Fields("GET", "/public/a", f("host", "evil.test")), want: refused(400)},
		{name: "host beside :authority, same", fields: h2Fields("GET", "/public/a", f("host", "shop.localhost")), want: o(pub, 200)},
		{name: "value with CRLF", fields: h2Fields("GET", "/public/a", f("x-a", "b\r\nx-smuggled: 1")), want: reset},
		{name: "value with LF", fields: h2Fields("GET", "/public/a", f("x-a", "b\nGET /admin HTTP/1.1")), want: reset},
		{name: "value with NUL", fields: h2Fields("GET", "/public/a", f("x-a", "b\x00c")), want: reset},
		{name: "value with a leading space", fields: h2Fields("GET", "/public/a", f("x-a", " b")), want: refused(400)},
		{name: "value with a trailing tab", fields: h2Fields("GET", "/public/a", f("x-a", "b\t")), want: refused(400)},
		{name: "name with a colon", fields: h2Fields("GET", "/public/a", f("x-a:b", "c")), want: reset},
		{name: "name with a space", fields: h2Fields("GET", "/public/a", f("x-a b", "c")), want: reset},
		{name: "name upper case", fields: h2Fields("GET", "/public/a", f("X-A", "b")), want: reset},
		{name: "transfer-encoding", fields: h2Fields("POST", "/public/a", f("transfer-encoding", "chunked")), data: "0\r\n\r\n", want: refused(400)},
		{name: "connection", fields: h2Fields("GET", "/public/a", f("connection", "close")), want: refused(400)},
		{name: "keep-alive", fields: h2Fields("GET", "/public/a", f("keep-alive", "timeout=5")), want: refused(400)},
		{name: "upgrade", fields: h2Fields("GET", "/public/a", f("upgrade", "h2c")), want: refused(400)},
		{name: "proxy-connection", fields: h2Fields("GET", "/public/a", f("proxy-connection", "keep-alive")), want: refused(400)},
		{name: "te other than trailers", fields: h2Fields("GET", "/public/a", f("te", "gzip")), want: refused(400)},
		{name: "http2-settings", fields: h2Fields("GET", "/public/a", f("http2-settings", "AAMAAABkAARAAAAAAAIAAAAA")), want: o(pub, 200)},
		{name: "content-length above DATA", fields: h2Fields("POST", "/public/a", f("content-length", "10")), data: "abc", want: maybe(pub, 400)},
		{name: "content-length below DATA", fields: h2Fields("POST", "/public/a", f("content-length", "2")), data: "abc", want: maybe(pub, 0)},
		{name: "content-length twice, different", fields: h2Fields("POST", "/public/a", f("content-length", "3"), f("content-length", "4")), data: "abc", want: refused(400)},
		{name: "content-length not a number", fields: h2Fields("POST", "/public/a", f("content-length", "3x")), data: "abc", want: maybe(nil, 400)},
		// paths
		{name: "dot-dot", fields: h2Fields("GET", "/public/../admin"), want: refused(400)},
		{name: "encoded dot-dot", fields: h2Fields("GET", "/public/%2e%2e/admin"), want: refused(400)},
		{name: "double-encoded dot-dot", fields: h2Fields("GET", "/public/%252e%252e/admin"), want: refused(400)},
		{name: "dot-dot-semicolon", fields: h2Fields("GET", "/public/..;/admin"), want: refused(400)},
		{name: "backslash", fields: h2Fields("GET", "/public/..\\admin"), want: refused(400)},
		{name: "encoded slash", fields: h2Fields("GET", "/public/a%2Fb"), want: refused(400)},
		{name: "overlong UTF-8 dot", fields: h2Fields("GET", "/public/%c0%ae%c0%ae/admin"), want: refused(400)},
		{name: "double slash", fields: h2Fields("GET", "/public//a"), want: refused(400)},
		{name: "case", fields: h2Fields("GET", "/PUBLIC/a"), want: refused(404)},
		{name: "non-ASCII byte", fields: h2Fields("GET", "/public/\xc3\xa9"), want: refused(400)},
	}
}

// h2Exchange sends one request on a new HTTP/2 connection and returns the response status, or
// 0 when the server reset the stream or ended the connection instead.
func h2Exchange(t *testing.T, e *edge, fields [][2]string, data string) int {
	t.Helper()
	c := e.dial(t, "h2")
	if p := c.ConnectionState().NegotiatedProtocol; p != "h2" {
		t.Fatalf("negotiated %q, want h2", p)
	}
	var hb bytes.Buffer
	enc := hpack.NewEncoder(&hb)
	for _, f := range fields {
		_ = enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})
	}
	var out bytes.Buffer
	out.WriteString(http2.ClientPreface)
	fr := http2.NewFramer(&out, nil)
	_ = fr.WriteSettings()
	_ = fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: hb.Bytes(), EndStream: data == "", EndHeaders: true})
	if data != "" {
		_ = fr.WriteData(1, true, []byte(data))
	}
	if _, err := c.Write(out.Bytes()); err != nil {
		t.Fatal(err)
	}
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	rd := http2.NewFramer(c, c)
	rd.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	for {
		f, err := rd.ReadFrame()
		if err != nil {
			return 0
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if !f.IsAck() {
				_ = rd.WriteSettingsAck()
			}
		case *http2.MetaHeadersFrame:
			if f.StreamID == 1 {
				if s, err := strconv.Atoi(f.PseudoValue("status")); err == nil && s >= 200 {
					return s
				}
			}
		case *http2.RSTStreamFrame:
			if f.StreamID == 1 {
				return 0
			}
		case *http2.GoAwayFrame:
			return 0
		}
	}
}

// TestAttackCorpusHTTP2 runs the HTTP/2 corpus in raw frames over TLS.
func TestAttackCorpusHTTP2(t *testing.T) {
	e := startEdge(t, HTTP1Palisade, "")
	corpus := h2Corpus()
	for i, tc := range corpus {
		t.Run(tc.name, func(t *testing.T) {
			fields := slices.Clone(tc.fields)
			for j := range fields {
				fields[j][1] = strings.ReplaceAll(fields[j][1], "shop.localhost", caseHost(i))
			}
			// a case whose body fails may see its stream reset before or after the answer
			if got := h2Exchange(t, e, fields, tc.data); got != tc.want.Statuses[0] && !(tc.want.Maybe && got == 0) {
				t.Errorf("status %d, want %d (0: stream reset)", got, tc.want.Statuses[0])
			}
			checkUpstream(t, e, caseHost(i), tc.want)
		})
	}
	for i, tc := range corpus {
		t.Run("again/"+tc.name, func(t *testing.T) { checkUpstream(t, e, caseHost(i), tc.want) })
	}
}

// TestEncodedSlashIsARouteDecision: %2F is refused unless the matched route allows it; there
// it stays inside its segment for the match (and the rule) and reaches the upstream encoded,
// while a dot segment hidden behind encoded slashes is still refused.
func TestEncodedSlashIsARouteDecision(t *testing.T) {
	e := startEdge(t, HTTP1Palisade, `  - name: files
    path: /files/*
    allow: 'request.path == "/files/a%2Fb.txt"'
    allow_encoded_slash: true
    upstream: http://UPSTREAM
`)
	cases := []struct {
		path   string
		status int
		fwd    []string
	}{
		{"/files/a%2Fb.txt", 200, http1test.Paths("/files/a%2Fb.txt")},
		{"/files/a%2fb.txt", 200, http1test.Paths("/files/a%2fb.txt")}, // forwarded as sent
		{"/public/a%2Fb", 400, nil},
		{"/files/a%2F..%2Fb.txt", 400, nil},
		{"/files/a%252Fb.txt", 400, nil},
	}
	for i, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			c := e.dial(t, "http/1.1")
			mark := caseHost(i)
			_, _ = c.Write([]byte("GET " + tc.path + " HTTP/1.1\r\nHost: " + mark + "\r\nConnection: close\r\n\r\n"))
			out := http1test.ReadAll(c, 3*time.Second)
			if got := readStatuses(out); !slices.Equal(got, []int{tc.status}) {
				t.Errorf("statuses %v, want %d:\n%s", got, tc.status, out)
			}
			reqs, _ := e.up.seen()
			var got []string
			for _, r := range reqs {
				if r.Header.Get("X-Forwarded-Host") == mark {
					got = append(got, r.URI)
				}
			}
			if d := cmp.Diff(tc.fwd, got); d != "" {
				t.Errorf("what reached the upstream (-want +got):\n%s", d)
			}
		})
	}
}
