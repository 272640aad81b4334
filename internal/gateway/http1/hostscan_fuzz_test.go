package http1

import (
	"bufio"
	"bytes"
	"net/textproto"
	"testing"
)

// FuzzHostScanner holds the raw-head scanner to what textproto reads from the same bytes,
// however they are split between reads: the number of Host, Content-Length and
// Transfer-Encoding fields, and the first Transfer-Encoding value. checkRequest decides on
// these counts, so a head the scanner reads one way and the parser another would let framing
// through unchecked.
func FuzzHostScanner(f *testing.F) {
	for _, s := range []string{
		"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
		"GET / HTTP/1.1\nhOsT: a\ncontent-LENGTH: 1\n\n",
		"GET / HTTP/1.1\r\nHost: a\r\nX: y\r\n Transfer-Encoding: chunked\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\t chunked \t\r\nTransfer-Encoding: x\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nX: a\rTransfer-Encoding: chunked\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n",
	} {
		f.Add([]byte(s), uint8(0))
		f.Add([]byte(s), uint8(3))
	}
	f.Fuzz(func(t *testing.T, in []byte, step uint8) {
		tp := textproto.NewReader(bufio.NewReader(bytes.NewReader(in)))
		if _, err := tp.ReadLine(); err != nil {
			return
		}
		h, err := tp.ReadMIMEHeader()
		if err != nil {
			return
		}
		var s hostScanner
		s.start(nil)
		st := int(step%16) + 1
		for p := in; len(p) > 0; {
			n := min(st, len(p))
			s.scan(p[:n])
			p = p[n:]
		}
		if !s.done {
			t.Fatalf("the scanner did not see the end of a head textproto read: %q", in)
		}
		if s.hosts != len(h["Host"]) || s.lengths != len(h["Content-Length"]) || s.codings != len(h["Transfer-Encoding"]) {
			t.Fatalf("scanner: %d Host, %d Content-Length, %d Transfer-Encoding; textproto: %d, %d, %d\nhead: %q",
				s.hosts, s.lengths, s.codings, len(h["Host"]), len(h["Content-Length"]), len(h["Transfer-Encoding"]), in)
		}
		if te := h["Transfer-Encoding"]; len(te) > 0 && s.folds == 0 && s.coding != "?" && s.coding != te[0] {
			t.Fatalf("first Transfer-Encoding: scanner %q, textproto %q\nhead: %q", s.coding, te[0], in)
		}
	})
}
