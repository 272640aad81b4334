package http1

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"net/url"
	"testing"
)

// FuzzCheckFields holds the promise of Unforwardable: a request it lets through is written to
// the upstream (writeUpstreamRequest) as a head an HTTP/1.1 reader parses back into the same
// method, target and fields — nothing split, added or lost.
func FuzzCheckFields(f *testing.F) {
	f.Add("GET", "/public/a", "shop.localhost", "X-A", "b")
	f.Add("GET /admin HTTP/1.1", "/ws/a", "shop.localhost", "X-A", "b")
	f.Add("GET", "/public/a?x=1 HTTP/1.1", "shop.localhost", "X-A", "b")
	f.Add("GET", "/public/a", "shop.localhost", "X-A", "b\r\nX-Smuggled: 1")
	f.Add("GET", "/public/a", "a b", "X A", " b")
	f.Fuzz(func(t *testing.T, method, target, host, name, value string) {
		u, err := url.ParseRequestURI(target)
		if err != nil {
			return
		}
		r := &http.Request{Method: method, RequestURI: target, URL: u, Host: host, Proto: "HTTP/2.0", ProtoMajor: 2,
			Header: http.Header{name: {value}}, Body: http.NoBody}
		if Unforwardable(r) != "" {
			return
		}
		out := &http.Request{Method: method, URL: &url.URL{Scheme: "http", Host: "upstream", Path: u.Path, RawPath: u.RawPath, RawQuery: u.RawQuery},
			Host: host, Header: http.Header{name: {value}}, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}
		var buf bytes.Buffer
		bw := bufio.NewWriter(&buf)
		if err := writeUpstreamRequest(bw, out, nil); err != nil {
			t.Fatalf("Unforwardable let through what the writer refuses: %v", err)
		}
		_ = bw.Flush()
		got, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(buf.Bytes())))
		if err != nil {
			t.Fatalf("the upstream cannot parse %q: %v", buf.Bytes(), err)
		}
		if got.Method != method || got.RequestURI != out.URL.RequestURI() || got.Header.Get(name) != value {
			t.Fatalf("the upstream read %q %q %q=%q from %q", got.Method, got.RequestURI, name, got.Header.Get(name), buf.Bytes())
		}
		if rest, _ := io.ReadAll(got.Body); len(rest) > 0 {
			t.Fatalf("bytes after the head: %q", rest)
		}
	})
}
