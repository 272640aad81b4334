package http1test

import "strconv"

// The attack corpus: request shapes from the HTTP desync and path-confusion research (CL.TE,
// TE.CL, TE.TE with Transfer-Encoding obfuscations, CL.0, chunk syntax, obs-fold, NUL and bare
// CR, Host conflicts, Expect, pipelining, upgrades, path normalisation), each with what the
// gateway does — refuse with a status, close, or forward exactly one request whose path is
// inside an allowed route. The gateway's tests run it end to end against a recording upstream;
// package http1's differential fuzzer takes its byte streams as seeds.

// Outcome is what one case must produce: the statuses of the responses the client reads, in
// order, until the gateway closes (0 for a stream the HTTP/2 server resets), and the request
// targets that reach the upstream. When Maybe is set the upstream may also have seen fewer
// (a body that fails midway may or may not have left the gateway's buffers).
type Outcome struct {
	Statuses []int
	Fwd      []string
	Maybe    bool
}

// Case is a raw HTTP/1 exchange. NetHTTP, when set, is the outcome with http1_server:
// net/http where it differs (it reads some framings the gateway's own server refuses; it then
// closes after the response instead).
type Case struct {
	Name    string
	Raw     string
	Want    Outcome
	NetHTTP *Outcome
}

const host = "Host: shop.localhost\r\n"

// tailReq is sent after a case's request: served only if the connection is still trusted. It
// asks the gateway to close after it, so each exchange ends without waiting for a timeout.
const tailReq = "GET /public/after HTTP/1.1\r\n" + host + "Connection: close\r\n\r\n"

// Want is the outcome of a case that answers with statuses and forwards fwd.
func Want(fwd []string, statuses ...int) Outcome { return Outcome{Statuses: statuses, Fwd: fwd} }

// MaybeWant is Want where the upstream may also have seen only a prefix of fwd.
func MaybeWant(fwd []string, statuses ...int) Outcome {
	return Outcome{Statuses: statuses, Fwd: fwd, Maybe: true}
}

// Paths lists request targets that reach the upstream.
func Paths(p ...string) []string { return p }

func post(path, fields, body string) string {
	return "POST " + path + " HTTP/1.1\r\n" + host + fields + "\r\n" + body
}

func cl(body string) string { return "Content-Length: " + strconv.Itoa(len(body)) + "\r\n" }

// smuggled is a complete request hidden in a body: a reader that takes the body for its end
// serves it as a second request.
const smuggled = "GET /public/smuggled HTTP/1.1\r\n" + host + "\r\n"

// Desync is the HTTP/1 attack corpus: request shapes from the HTTP desync and path-confusion
// research, each with what the gateway in front of a recording upstream does with it. Every
// request names the host shop.localhost and asks for paths under /public/ or /ws/ only when a
// route should let it through.
func Desync() []Case {
	// smuggled as the one chunk of a chunked body
	smuggledChunk := strconv.FormatInt(int64(len(smuggled)), 16) + "\r\n" + smuggled + "\r\n0\r\n\r\n"
	chunkedOK := "3\r\nabc\r\n0\r\n\r\n"
	te := func(v string) string { return "Transfer-Encoding: " + v + "\r\n" }
	pub, after := "/public/a", "/public/after"
	served := Want(Paths(pub, after), 200, 200)
	refused := func(status int) Outcome { return Want(nil, status) }
	onlyFirst := Want(Paths(pub), 200) // net/http: served, then the connection closed
	return []Case{
		{Name: "baseline", Raw: "GET /public/a HTTP/1.1\r\n" + host + "\r\n" + tailReq, Want: served},
		{Name: "pipelined three", Raw: "GET /public/a HTTP/1.1\r\n" + host + "\r\nGET /public/b HTTP/1.1\r\n" + host + "\r\n" + tailReq,
			Want: Want(Paths(pub, "/public/b", after), 200, 200, 200)},
		{Name: "chunked", Raw: post(pub, te("chunked"), chunkedOK) + tailReq, Want: served, NetHTTP: &onlyFirst},

		// CL.TE and TE.CL: the one reading is chunked-then-close, or a refusal
		{Name: "CL.TE", Raw: post(pub, cl("0\r\n\r\n"+smuggled)+te("chunked"), "0\r\n\r\n"+smuggled) + tailReq, Want: refused(400), NetHTTP: &onlyFirst},
		{Name: "TE.CL", Raw: post(pub, te("chunked")+"Content-Length: 4\r\n", smuggledChunk) + tailReq, Want: refused(400), NetHTTP: &onlyFirst},
		{Name: "CL.TE with 0 length", Raw: post(pub, "Content-Length: 0\r\n"+te("chunked"), "0\r\n\r\n") + tailReq, Want: refused(400), NetHTTP: &onlyFirst},

		// TE.TE: obfuscated Transfer-Encoding
		{Name: "TE chunked with trailing space", Raw: post(pub, te("chunked "), chunkedOK) + tailReq, Want: served, NetHTTP: &onlyFirst},
		{Name: "TE tab before chunked", Raw: post(pub, "Transfer-Encoding:\tchunked\r\n", chunkedOK) + tailReq, Want: served, NetHTTP: &onlyFirst},
		{Name: "TE Chunked", Raw: post(pub, te("Chunked"), chunkedOK) + tailReq, Want: refused(501), NetHTTP: &onlyFirst},
		{Name: "TE x, chunked", Raw: post(pub, te("x, chunked"), chunkedOK) + tailReq, Want: refused(501)},
		{Name: "TE chunked, identity", Raw: post(pub, te("chunked, identity"), chunkedOK) + tailReq, Want: refused(501)},
		{Name: "TE xchunked", Raw: post(pub, te("xchunked"), chunkedOK) + tailReq, Want: refused(501)},
		{Name: "TE duplicated", Raw: post(pub, te("chunked")+te("chunked"), chunkedOK) + tailReq, Want: refused(501)},
		{Name: "TE chunked and identity fields", Raw: post(pub, te("chunked")+te("identity"), chunkedOK) + tailReq, Want: refused(501)},
		{Name: "TE obs-fold", Raw: post(pub, "Transfer-Encoding:\r\n chunked\r\n", chunkedOK) + tailReq, Want: refused(400), NetHTTP: &onlyFirst},
		{Name: "TE obs-fold beside CL", Raw: post(pub, "Content-Length: 3\r\nTransfer-Encoding:\r\n chunked\r\n", chunkedOK) + tailReq, Want: refused(400), NetHTTP: &onlyFirst},
		{Name: "TE space before colon", Raw: post(pub, "Transfer-Encoding : chunked\r\n", chunkedOK) + tailReq, Want: refused(400)},
		{Name: "TE in HTTP/1.0", Raw: "POST /public/a HTTP/1.0\r\n" + host + te("chunked") + "\r\n" + smuggledChunk,
			Want: refused(400), NetHTTP: &onlyFirst},

		// CL.0 and 0.CL: a body where a reader might expect none, or none where one is declared
		{Name: "CL.0 GET with a body", Raw: "GET /public/a HTTP/1.1\r\n" + host + cl(smuggled) + "\r\n" + smuggled + tailReq, Want: served},
		{Name: "0.CL", Raw: post(pub, "Content-Length: 0\r\n", "") + smuggled + tailReq, Want: Want(Paths(pub, "/public/smuggled", after), 200, 200, 200)},
		{Name: "CL duplicated equal", Raw: post(pub, "Content-Length: 3\r\nContent-Length: 3\r\n", "abc") + tailReq, Want: served},
		{Name: "CL duplicated different", Raw: post(pub, "Content-Length: 3\r\nContent-Length: 4\r\n", "abcd") + tailReq, Want: refused(400)},
		{Name: "CL comma list", Raw: post(pub, "Content-Length: 3, 3\r\n", "abc") + tailReq, Want: refused(400)},
		{Name: "CL with sign", Raw: post(pub, "Content-Length: +3\r\n", "abc") + tailReq, Want: refused(400)},
		{Name: "CL hex", Raw: post(pub, "Content-Length: 0x3\r\n", "abc") + tailReq, Want: refused(400)},

		// chunk syntax
		{Name: "chunk size overflow", Raw: post(pub, te("chunked"), "10000000000000001\r\na\r\n0\r\n\r\n") + tailReq, Want: MaybeWant(Paths(pub), 400)},
		{Name: "chunk size negative", Raw: post(pub, te("chunked"), "-3\r\nabc\r\n0\r\n\r\n") + tailReq, Want: MaybeWant(Paths(pub), 400)},
		{Name: "chunk size 0x", Raw: post(pub, te("chunked"), "0x3\r\nabc\r\n0\r\n\r\n") + tailReq, Want: MaybeWant(Paths(pub), 400)},
		{Name: "chunk extension", Raw: post(pub, te("chunked"), "3;name=value\r\nabc\r\n0\r\n\r\n") + tailReq, Want: served, NetHTTP: &onlyFirst},
		{Name: "chunk bare LF", Raw: post(pub, te("chunked"), "3\nabc\n0\n\n") + tailReq, Want: MaybeWant(Paths(pub), 400)},
		{Name: "chunk trailer", Raw: post(pub, te("chunked"), "3\r\nabc\r\n0\r\nX-Trailer: 1\r\n\r\n") + tailReq, Want: served, NetHTTP: &onlyFirst},
		{Name: "chunk data longer than its size", Raw: post(pub, te("chunked"), "3\r\nabcdef\r\n0\r\n\r\n") + tailReq, Want: MaybeWant(Paths(pub), 400)},

		// fields
		{Name: "obs-fold", Raw: "GET /public/a HTTP/1.1\r\n" + host + "X-A: a\r\n b\r\n\r\n" + tailReq, Want: refused(400), NetHTTP: &served},
		{Name: "NUL in a value", Raw: "GET /public/a HTTP/1.1\r\n" + host + "X-A: a\x00b\r\n\r\n" + tailReq, Want: refused(400)},
		{Name: "bare CR in a value", Raw: "GET /public/a HTTP/1.1\r\n" + host + "X-A: a\rX-B: b\r\n\r\n" + tailReq, Want: refused(400)},
		{Name: "bare LF line ends", Raw: "GET /public/a HTTP/1.1\n" + "Host: shop.localhost\n\n" + tailReq, Want: served},
		{Name: "space in the target", Raw: "GET /public/a /admin HTTP/1.1\r\n" + host + "\r\n" + tailReq, Want: refused(400)},

		// hosts
		{Name: "Host duplicated", Raw: "GET /public/a HTTP/1.1\r\n" + host + "Host: evil.test\r\n\r\n" + tailReq, Want: refused(400)},
		{Name: "Host missing", Raw: "GET /public/a HTTP/1.1\r\n\r\n" + tailReq, Want: refused(400)},
		{Name: "absolute-form beside Host", Raw: "GET http://shop.localhost/public/a HTTP/1.1\r\nHost: evil.test\r\n\r\n" + tailReq, Want: served},
		{Name: "absolute-form outside the routes", Raw: "GET http://shop.localhost/admin HTTP/1.1\r\n" + host + "\r\n" + tailReq, Want: Want(Paths(after), 404, 200)},

		// Expect
		{Name: "Expect 100-continue", Raw: post(pub, "Expect: 100-continue\r\nContent-Length: 3\r\n", "abc") + tailReq, Want: Want(Paths(pub, after), 100, 200, 200)},
		{Name: "Expect other", Raw: post(pub, "Expect: magic\r\nContent-Length: 3\r\n", "abc") + tailReq, Want: refused(417)},

		// upgrades
		{Name: "h2c upgrade", Raw: "GET /public/a HTTP/1.1\r\n" + host + "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n" + tailReq, Want: refused(403)},
		{Name: "h2c upgrade on a websocket route", Raw: "GET /ws/a HTTP/1.1\r\n" + host + "Connection: Upgrade\r\nUpgrade: h2c\r\n\r\n" + tailReq, Want: refused(403)},
		{Name: "websocket where not allowed", Raw: "GET /public/a HTTP/1.1\r\n" + host + "Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n" + tailReq, Want: refused(403)},
		{Name: "two protocols", Raw: "GET /ws/a HTTP/1.1\r\n" + host + "Connection: Upgrade\r\nUpgrade: websocket, h2c\r\n\r\n" + tailReq, Want: refused(403)},
		{Name: "Upgrade without Connection", Raw: "GET /public/a HTTP/1.1\r\n" + host + "Upgrade: h2c\r\n\r\n" + tailReq, Want: served},

		// paths
		{Name: "dot-dot", Raw: "GET /public/../admin HTTP/1.1\r\n" + host + "\r\n" + tailReq, Want: Want(Paths(after), 400, 200)},
		{Name: "encoded dot-dot", Raw: "GET /public/%2e%2e/admin HTTP/1.1\r\n" + host + "\r\n" + tailReq, Want: Want(Paths(after), 400, 200)},
		{Name: "double-encoded dot-dot", Raw: "GET /public/%252e%252e/admin HTTP/1.1\r\n" + host + "\r\n" + tailReq, Want: Want(Paths(after), 400, 200)},
		{Name: "double-encoded slash", Raw: "GET /public/..%252fadmin HTTP/1.1\r\n" + host + "\r\n" + tailReq, Want: Want(Paths(after), 400, 200)},
		{Name: "encoded slash", Raw: "GET /public/a%2fb HTTP/1.1\r\n" + host + "\r\n" + tailReq, Want: Want(Paths(after), 400, 200)},
		{Name: "dot-dot-semicolon", Raw: "GET /public/..;/admin HTTP/1.1\r\n" + host + "\r\n" + tailReq, Want: Want(Paths(after), 400, 200)},
		{Name: "semicolon parameter", Raw: "GET /public/a;v=1 HTTP/1.1\r\n" + host + "\r\n" + tailReq, Want: Want(Paths("/public/a;v=1", after), 200, 200)},
		{Name: "backslash", Raw: "GET /public\\..\\admin HTTP/1.1\r\n" + host + "\r\n" + tailReq, Want: Want(Paths(after), 400, 200)},
		{Name: "encoded backslash", Raw: "GET /public/..%5cadmin HTTP/1.1\r\n" + host + "\r\n" + tailReq, Want: Want(Paths(after), 400, 200)},
		{Name: "double slash", Raw: "GET //public/a HTTP/1.1\r\n" + host + "\r\n" + tailReq, Want: Want(Paths(after), 400, 200)},
		{Name: "overlong UTF-8 dot", Raw: "GET /public/%c0%ae%c0%ae/admin HTTP/1.1\r\n" + host + "\r\n" + tailReq, Want: Want(Paths(after), 400, 200)},
		{Name: "case", Raw: "GET /PUBLIC/a HTTP/1.1\r\n" + host + "\r\n" + tailReq, Want: Want(Paths(after), 404, 200)},
		{Name: "outside every route", Raw: "GET /admin HTTP/1.1\r\n" + host + "\r\n" + tailReq, Want: Want(Paths(after), 404, 200)},
		{Name: "method outside the route's", Raw: "DELETE /public/a HTTP/1.1\r\n" + host + "\r\n" + tailReq, Want: Want(Paths(after), 404, 200)},
	}
}
