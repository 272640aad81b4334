package http1

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// headPair writes req with writeHead and, as the reference, with net/http's request writer
// (the extra fields merged into a copy of its header), and parses both back.
func headPair(t testing.TB, req *http.Request, extra *ExtraFields) (fast, ref *http.Request, fastErr, refErr error, wrote bool) {
	t.Helper()
	var fb bytes.Buffer
	fw := bufio.NewWriter(&fb)
	wrote = writeHead(fw, req, extra)
	if err := fw.Flush(); err != nil {
		t.Fatal(err)
	}
	if !wrote {
		if fb.Len() != 0 {
			t.Fatalf("writeHead declined but wrote %q", fb.String())
		}
		return nil, nil, nil, nil, false
	}
	r2 := *req
	r2.Header = req.Header.Clone()
	if r2.Header == nil {
		r2.Header = http.Header{}
	}
	extra.mergeInto(r2.Header)
	var rb bytes.Buffer
	if err := r2.Write(&rb); err != nil {
		t.Fatalf("net/http refused a request writeHead wrote (%q): %v", fb.String(), err)
	}
	fast, fastErr = http.ReadRequest(bufio.NewReader(&fb))
	ref, refErr = http.ReadRequest(bufio.NewReader(&rb))
	if fastErr == nil {
		if rest, _ := io.ReadAll(fast.Body); len(rest) != 0 {
			t.Fatalf("body after a body-less head: %q", rest)
		}
	}
	return fast, ref, fastErr, refErr, true
}

func sameRequest(t testing.TB, fast, ref *http.Request) {
	t.Helper()
	if fast.Method != ref.Method || fast.RequestURI != ref.RequestURI || fast.Host != ref.Host ||
		fast.ContentLength != ref.ContentLength || !reflect.DeepEqual(fast.TransferEncoding, ref.TransferEncoding) {
		t.Fatalf("request line or framing differs:\nfast %s %s host=%q cl=%d te=%v\nref  %s %s host=%q cl=%d te=%v",
			fast.Method, fast.RequestURI, fast.Host, fast.ContentLength, fast.TransferEncoding,
			ref.Method, ref.RequestURI, ref.Host, ref.ContentLength, ref.TransferEncoding)
	}
	if !reflect.DeepEqual(fast.Header, ref.Header) {
		t.Fatalf("header differs:\nfast %v\nref  %v", fast.Header, ref.Header)
	}
}

func newOutReq(t testing.TB, method, target string, h http.Header) *http.Request {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Request{Method: method, URL: u, Header: h, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}
}

func TestWriteHeadMatchesNetHTTP(t *testing.T) {
	ids := &ExtraFields{}
	ids.Set("Te", "trailers")
	ids.Set("X-Forwarded-For", "192.0.2.7")
	ids.Set("X-Forwarded-Host", "api.example")
	ids.Set("X-Forwarded-Proto", "https")
	ids.Set("X-Request-Id", "0123456789abcdef")
	ids.Set("X-Palisade-Spiffe-Id", "spiffe://example.org/ns/a/sa/b")
	ids.Set("X-Palisade-Jwt-Sub", "alice smith")
	cases := []struct {
		name, method, target string
		h                    http.Header
	}{
		{"plain GET", "GET", "http://127.0.0.1:8080/a/b?x=1&y=2", http.Header{"Accept": {"*/*"}, "Authorization": {"Bearer t"}}},
		{"no method means GET", "", "http://up:1/", http.Header{}},
		{"nil header", "HEAD", "http://up/x", nil},
		{"empty POST gets Content-Length: 0", "POST", "http://up/submit", http.Header{"Content-Type": {"text/plain"}}},
		{"empty PUT", "PUT", "http://up/r", http.Header{}},
		{"empty PATCH", "PATCH", "http://up/r", http.Header{}},
		{"DELETE without length", "DELETE", "http://up/r", http.Header{}},
		{"framing fields in the map are not written", "GET", "http://up/", http.Header{
			"Host": {"evil"}, "Content-Length": {"5"}, "Transfer-Encoding": {"chunked"}, "Trailer": {"X"}, "X-Keep": {"1"}}},
		{"values cleaned like net/http", "GET", "http://up/", http.Header{
			"X-A": {"  padded\t"}, "X-B": {"in\r\nside", "two\nlines"}, "X-C": {"\r\n"}, "X-D": {""}, "X-E": {"a\tb"}}},
		{"repeated fields keep their order", "GET", "http://up/", http.Header{"Cookie": {"a=1", "b=2", "c=3"}, "Accept": {"x", "y"}}},
		{"User-Agent: first value only", "GET", "http://up/", http.Header{"User-Agent": {"first/1", "second/2"}}},
		{"User-Agent empty: none sent", "GET", "http://up/", http.Header{"User-Agent": {""}}},
		{"User-Agent of spaces: an empty one", "GET", "http://up/", http.Header{"User-Agent": {"  \t "}}},
		{"User-Agent present without values", "GET", "http://up/", http.Header{"User-Agent": {}}},
		{"User-Agent cleaned", "GET", "http://up/", http.Header{"User-Agent": {" curl/8\r\n x "}}},
		{"escaped path and query", "GET", "http://up/a%2Fb/c%20d?q=%C3%A9&z", http.Header{}},
		{"opaque-looking path", "GET", "http://up//double//slash", http.Header{}},
		{"IPv6 host", "GET", "http://[::1]:8443/x", http.Header{}},
		{"extension method", "PROPFIND", "http://up/dav", http.Header{"Depth": {"1"}}},
	}
	for _, c := range cases {
		for _, extra := range []*ExtraFields{{}, ids} {
			req := newOutReq(t, c.method, c.target, c.h)
			fast, ref, fe, re, wrote := headPair(t, req, extra)
			if !wrote {
				t.Fatalf("%s: writeHead declined an eligible request", c.name)
			}
			if fe != nil || re != nil {
				t.Fatalf("%s: parse: fast %v, ref %v", c.name, fe, re)
			}
			sameRequest(t, fast, ref)
			if extra == ids && fast.Header.Get("X-Palisade-Jwt-Sub") != "alice smith" {
				t.Fatalf("%s: identity field lost: %v", c.name, fast.Header)
			}
		}
	}
}

func TestWriteHeadDeclines(t *testing.T) {
	body := func(r *http.Request) { r.Body, r.ContentLength = io.NopCloser(strings.NewReader("abc")), 3 }
	cases := []struct {
		name   string
		target string
		edit   func(*http.Request)
	}{
		{"a body", "http://up/", body},
		{"unknown length", "http://up/", func(r *http.Request) { r.ContentLength = -1; r.Body = io.NopCloser(strings.NewReader("")) }},
		{"chunked", "http://up/", func(r *http.Request) { r.TransferEncoding = []string{"chunked"} }},
		{"trailers", "http://up/", func(r *http.Request) { r.Trailer = http.Header{"X-T": nil} }},
		{"close", "http://up/", func(r *http.Request) { r.Close = true }},
		{"CONNECT", "http://up/", func(r *http.Request) { r.Method = http.MethodConnect }},
		{"IDNA host", "http://bücher.example/", nil},
		{"IPv6 zone", "http://[fe80::1%25eth0]:80/", nil},
		{"control character in the target", "http://up/", func(r *http.Request) { r.URL.RawQuery = "a\x01b" }},
		{"invalid method", "http://up/", func(r *http.Request) { r.Method = "GE T" }},
		{"invalid host", "http://up/", func(r *http.Request) { r.Host = "a b" }},
	}
	for _, c := range cases {
		req := newOutReq(t, "GET", c.target, http.Header{})
		if c.edit != nil {
			c.edit(req)
		}
		if _, _, _, _, wrote := headPair(t, req, &ExtraFields{}); wrote {
			t.Errorf("%s: writeHead wrote a request it should leave to net/http", c.name)
		}
	}
}

// A request with a body still reaches the upstream through net/http's writer, extra fields
// included.
func TestWriteUpstreamRequestWithBody(t *testing.T) {
	req := newOutReq(t, "POST", "http://up/p", http.Header{"Content-Type": {"text/plain"}})
	req.Body, req.ContentLength = io.NopCloser(strings.NewReader("hello")), 5
	e := &ExtraFields{}
	e.Set("X-Request-Id", "r1")
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	if err := writeUpstreamRequest(w, req, e); err != nil {
		t.Fatal(err)
	}
	_ = w.Flush()
	got, err := http.ReadRequest(bufio.NewReader(&b))
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(got.Body)
	if string(data) != "hello" || got.Header.Get("X-Request-Id") != "r1" || got.Header.Get("User-Agent") != "" {
		t.Fatalf("body %q, header %v", data, got.Header)
	}
}

// An identity value the writer would change (trim, or turn CR/LF into space) is refused: an
// upstream must not see "alice" for a token whose subject is "alice\n".
func TestExtraFieldsSentVerbatimOrRefused(t *testing.T) {
	for _, v := range []string{"alice\n", " alice", "alice\t", "al\rice", "a\x00b", "a\x7fb"} {
		e := &ExtraFields{}
		e.Set("X-Palisade-Jwt-Sub", v)
		var b bytes.Buffer
		w := bufio.NewWriter(&b)
		err := writeUpstreamRequest(w, newOutReq(t, "GET", "http://up/", http.Header{}), e)
		if err == nil || !strings.Contains(err.Error(), "X-Palisade-Jwt-Sub") {
			t.Errorf("%q: err %v", v, err)
		}
		if w.Buffered() != 0 {
			t.Errorf("%q: wrote %d bytes before refusing", v, w.Buffered())
		}
	}
	e := &ExtraFields{}
	e.Set("X-Palisade-Jwt-Sub", "alice\tsmith ünïcode")
	if err := e.check(); err != nil {
		t.Fatal(err)
	}
}

// TestExtraFieldsRefuseMoreThanTheyHold: a field past the fixed capacity is not dropped (the
// upstream would miss an identity field) nor a panic; the request is refused, and Reset makes
// the fields usable for the next request.
func TestExtraFieldsRefuseMoreThanTheyHold(t *testing.T) {
	e := &ExtraFields{}
	for i := range maxExtraFields + 1 {
		e.Set(fmt.Sprintf("X-F%d", i), "v")
	}
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	if err := writeUpstreamRequest(w, newOutReq(t, "GET", "http://up/", http.Header{}), e); err == nil || w.Buffered() != 0 {
		t.Fatalf("%d fields: err %v, %d bytes written; want a refusal and nothing written", maxExtraFields+1, err, w.Buffered())
	}
	e.Reset()
	e.Set("X-Request-Id", "r")
	if err := writeUpstreamRequest(w, newOutReq(t, "GET", "http://up/", http.Header{}), e); err != nil {
		t.Fatalf("after Reset: %v", err)
	}
}

// FuzzWriteHead: for any request writeHead accepts, net/http's writer accepts it too and both
// heads parse to the same request (or both fail to parse).
func FuzzWriteHead(f *testing.F) {
	f.Add("GET", "/a?b=c", "Accept: */*\nUser-Agent: x", "alice")
	f.Add("POST", "/", "X-A:  v \nX-A: w\r\nContent-Length: 9", "")
	f.Add("", "//x/../y", "Host: evil\nTrailer: T\nX: a\rb", "bob smith")
	f.Add("DELETE", "/%zz", "User-Agent: \nCookie: a=1\nCookie: b", "")
	f.Fuzz(func(t *testing.T, method, path, fields, sub string) {
		u, err := url.Parse("http://up.example:8080")
		if err != nil {
			t.Fatal(err)
		}
		u.Path = path
		h := http.Header{}
		for _, line := range strings.Split(fields, "\n") {
			k, v, ok := strings.Cut(line, ":")
			if !ok || k == "" {
				continue
			}
			h[http.CanonicalHeaderKey(k)] = append(h[http.CanonicalHeaderKey(k)], v)
		}
		req := &http.Request{Method: method, URL: u, Header: h}
		e := &ExtraFields{}
		e.Set("X-Request-Id", "id")
		if sub != "" {
			e.Set("X-Palisade-Jwt-Sub", sub)
		}
		if e.check() != nil {
			return
		}
		fast, ref, fe, re, wrote := headPair(t, req, e)
		if !wrote {
			return
		}
		if (fe == nil) != (re == nil) {
			t.Fatalf("parse differs: fast %v, ref %v", fe, re)
		}
		if fe == nil {
			sameRequest(t, fast, ref)
		}
	})
}
