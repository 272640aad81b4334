package gateway

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palisade-sec/palisade/internal/identity/identitytest"
	"golang.org/x/net/http2"
)

// The harness of the attack tests: an edge gateway with an open /public/** route (GET and
// POST), a /ws/** route that allows WebSocket, everything else denied, in front of a recording
// upstream that tells exactly what reached it.

// edgeAttackCfg: %[1]s bundle, %[2]s/%[3]s SVID, %[4]s/%[5]s public certificate, %[6]s the
// recording upstream's address, %[7]s the http1_server.
const edgeAttackCfg = `mode: edge
identity:
  trust_domain: example.org
  bundle_file: %[1]s
  svid: {cert_file: %[2]s, key_file: %[3]s}
inbound:
  listen: 127.0.0.1:0
  tls: {cert_file: %[4]s, key_file: %[5]s}
http1_server: %[7]s
routes:
  - name: public
    path: /public/**
    methods: [GET, POST]
    allow: 'true'
    upstream: http://%[6]s
  - name: ws
    path: /ws/**
    allow: 'true'
    upgrades: [websocket]
    upstream: http://%[6]s
`

// upstreamSaw is one request as the recording upstream parsed it.
type upstreamSaw struct {
	Method, URI, Proto string
	Header             http.Header
	Body               string
}

// recorder is an upstream that records every request it reads, over HTTP/1.1 and, after an
// h2c or other switch it agrees to, over HTTP/2 (h2c) or as echoed bytes. It answers each
// HTTP/1 request "ok" and a request to switch protocols 101.
type recorder struct {
	ln     net.Listener
	mu     sync.Mutex
	reqs   []upstreamSaw
	tunnel strings.Builder // bytes received after a switch to a protocol other than h2c
	conns  []net.Conn
	wg     sync.WaitGroup
}

// newRecorder starts a recorder on n (nil: the operating system's network).
func newRecorder(t *testing.T, n *memNet) *recorder {
	t.Helper()
	listen := net.Listen
	if n != nil {
		listen = n.Listen
	}
	ln, err := listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &recorder{ln: ln}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			r.mu.Lock()
			r.conns = append(r.conns, c)
			r.mu.Unlock()
			r.wg.Add(1)
			go func() { defer r.wg.Done(); r.serve(c) }()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		r.mu.Lock()
		for _, c := range r.conns {
			c.Close()
		}
		r.mu.Unlock()
		r.wg.Wait()
	})
	return r
}

func (r *recorder) addr() string { return r.ln.Addr().String() }

func (r *recorder) record(s upstreamSaw) {
	r.mu.Lock()
	r.reqs = append(r.reqs, s)
	r.mu.Unlock()
}

// seen returns what reached the upstream so far.
func (r *recorder) seen() ([]upstreamSaw, string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]upstreamSaw(nil), r.reqs...), r.tunnel.String()
}

type bufConn struct {
	net.Conn
	r *bufio.Reader
}

func (c bufConn) Read(p []byte) (int, error) { return c.r.Read(p) }

func (r *recorder) serve(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		body, _ := io.ReadAll(req.Body)
		r.record(upstreamSaw{Method: req.Method, URI: req.RequestURI, Proto: req.Proto, Header: req.Header, Body: string(body)})
		if up := req.Header.Get("Upgrade"); up != "" {
			fmt.Fprintf(c, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: %s\r\n\r\n", up)
			if strings.EqualFold(up, "h2c") {
				//lint:ignore SA1019 only ServeConn serves HTTP/2 on a connection already read from (after the 101)
				h2 := &http2.Server{}
				//lint:ignore SA1019 as above
				h2.ServeConn(bufConn{c, br}, &http2.ServeConnOpts{Handler: http.HandlerFunc(func(w http.ResponseWriter, q *http.Request) {
					r.record(upstreamSaw{Method: q.Method, URI: q.RequestURI, Proto: q.Proto, Header: q.Header})
					_, _ = io.WriteString(w, "h2 upstream served "+q.URL.Path)
				})})
				return
			}
			buf := make([]byte, 4096)
			for {
				n, err := br.Read(buf)
				r.mu.Lock()
				r.tunnel.Write(buf[:n])
				r.mu.Unlock()
				if n > 0 {
					if _, werr := c.Write(buf[:n]); werr != nil {
						return
					}
				}
				if err != nil {
					return
				}
			}
		}
		msg := "ok " + req.Method + " " + req.RequestURI
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\nContent-Type: text/plain\r\n\r\n%s", len(msg), msg)
	}
}

// edge is a running edge gateway in front of a recorder.
type edge struct {
	g     *Gateway
	addr  string
	audit *lockedBuffer
	roots *x509.CertPool
	up    *recorder
	net   *memNet // nil: the operating system's network
}

// startEdge starts the attack configuration with the given HTTP/1 server; extraRoutes are
// appended to its route list (YAML, indented as list items; UPSTREAM stands for the recorder).
func startEdge(t *testing.T, server string, extraRoutes string) *edge {
	return startEdgeOn(t, nil, server, extraRoutes)
}

// startEdgeOn is startEdge on n: nil is the operating system's network, a memNet runs edge,
// recorder and clients in memory, and then the test must run in a synctest bubble.
func startEdgeOn(t *testing.T, n *memNet, server string, extraRoutes string) *edge {
	t.Helper()
	p := identitytest.NewCA(t, "example.org")
	up := newRecorder(t, n)
	cert, key := p.IssueFiles("spiffe://example.org/edge", "edge")
	pubCert, pubKey := publicCert(p)
	audit := &lockedBuffer{}
	cfg := fmt.Sprintf(edgeAttackCfg, p.BundleFile(), cert, key, pubCert, pubKey, up.addr(), server) +
		strings.ReplaceAll(extraRoutes, "UPSTREAM", up.addr())
	var g *Gateway
	if n != nil {
		g, _ = runMemGateway(t, n, cfg, audit)
	} else {
		g, _ = startGateway(t, cfg, nil, audit)
	}
	addr, _, _ := g.Addrs()
	roots := x509.NewCertPool()
	roots.AddCert(p.CA.Bundle()[0])
	return &edge{g: g, addr: addr, audit: audit, roots: roots, up: up, net: n}
}

// dial opens a TLS connection to the edge offering protos by ALPN.
func (e *edge) dial(t *testing.T, protos ...string) *tls.Conn {
	t.Helper()
	conf := &tls.Config{RootCAs: e.roots, ServerName: "shop.localhost", NextProtos: protos, MinVersion: tls.VersionTLS12}
	var c *tls.Conn
	if e.net != nil {
		raw, err := e.net.DialContext(context.Background(), "tcp", e.addr)
		if err != nil {
			t.Fatal(err)
		}
		c = tls.Client(raw, conf)
		if err := c.Handshake(); err != nil {
			t.Fatal(err)
		}
	} else {
		var err error
		if c, err = tls.Dial("tcp", e.addr, conf); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// records returns the audit records written so far.
func (e *edge) records(t *testing.T) []Record {
	t.Helper()
	if err := e.g.audit.Flush(); err != nil {
		t.Fatal(err)
	}
	var out []Record
	for _, line := range strings.Split(strings.TrimSpace(e.audit.String()), "\n") {
		var r Record
		if line != "" && json.Unmarshal([]byte(line), &r) == nil {
			out = append(out, r)
		}
	}
	return out
}
