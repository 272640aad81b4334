//go:build !unix

package http1

// alive cannot peek at the socket on this platform; a closed connection is found by the request
// that uses it, and an idempotent request is then retried on a new connection.
func (pc *upstreamConn) alive() bool { return true }
