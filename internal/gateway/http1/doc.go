// Package http1 is the gateway's HTTP/1 wire: the server that reads client requests (Server),
// the client that writes them to an upstream and reads its answer (Transport), and the checks
// that a request can cross from one to the other unchanged (Unforwardable). The reverse proxy in
// package gateway sits on top; nothing here knows about routes, identities or audit records.
//
// Both ends parse with the standard library (http.ReadRequest, http.ReadResponse) and write
// with it or with a writer held to it by fuzz tests, so a message is never read two ways: what
// net/http's parser would read differently from a peer is refused, not repaired. The server
// refuses, and closes the connection after answering, a request with
//   - Transfer-Encoding beside Content-Length (CL.TE and TE.CL, RFC 9112 section 6.1),
//   - Transfer-Encoding in an HTTP/1.0 request, or any coding but one field of exactly "chunked",
//   - a folded field (obs-fold), more than one Host field, an empty or malformed Host,
//   - a header block over its limit (431), or a protocol other than HTTP/1.x (505);
//
// it reads what a handler left of a body to its end (at most 256 KiB, within the header
// timeout) before it parses the next request, or closes instead. The Transport writes only
// what an HTTP/1.1 reader parses back into the same request, refuses to send a field it would
// have to alter, bounds the upstream's answer (header size, interim responses) and pools a
// connection only when nothing beyond the response was read from it.
//
// Every wait has a bound: the header, idle, body-progress and write-progress timeouts on the
// server, connect and read/write-progress timeouts on the transport (Progress), and a client
// that disconnects while its request runs aborts the upstream exchange (ClientGone).
package http1
