package image

import (
	"io"
	"sync"
)

// readAhead reads r on a goroutine of its own, up to depth chunks ahead of its consumer, so that
// a layer's decompression (and the blob's digest) runs on one core while the uncompressed
// stream's digest, the tar reader and the analyzers' copies run on another. A chunk carries the
// error that ended it, so the consumer sees every byte r returned before r's error, as it would
// reading r itself. Close stops the goroutine and waits for it: after Close, r is not read again.
type readAhead struct {
	full   chan chunk
	free   chan []byte
	done   chan struct{}
	exited chan struct{}
	once   sync.Once

	cur  []byte // what is left of the chunk being consumed
	buf  []byte // that chunk's buffer, returned to free once consumed
	err  error  // the error that ended the stream, after cur
	last bool   // the chunk carrying err has been taken
}

type chunk struct {
	b   []byte
	err error
}

func newReadAhead(r io.Reader, size, depth int) *readAhead {
	ra := &readAhead{
		full:   make(chan chunk, depth),
		free:   make(chan []byte, depth+1),
		done:   make(chan struct{}),
		exited: make(chan struct{}),
	}
	for range depth + 1 {
		ra.free <- make([]byte, size)
	}
	go ra.run(r)
	return ra
}

func (ra *readAhead) run(r io.Reader) {
	defer close(ra.exited)
	for {
		var buf []byte
		select {
		case buf = <-ra.free:
		case <-ra.done:
			return
		}
		n := 0
		var err error
		for n < len(buf) && err == nil {
			var m int
			m, err = r.Read(buf[n:])
			n += m
		}
		select {
		case ra.full <- chunk{b: buf[:n], err: err}:
		case <-ra.done:
			return
		}
		if err != nil {
			return
		}
	}
}

func (ra *readAhead) Read(p []byte) (int, error) {
	for len(ra.cur) == 0 {
		if ra.last {
			return 0, ra.err
		}
		if ra.buf != nil {
			ra.free <- ra.buf[:cap(ra.buf)]
			ra.buf = nil
		}
		c := <-ra.full
		ra.cur, ra.buf = c.b, c.b
		if c.err != nil {
			ra.err, ra.last = c.err, true
		}
	}
	n := copy(p, ra.cur)
	ra.cur = ra.cur[n:]
	return n, nil
}

// Close stops reading ahead and waits until the goroutine no longer reads r.
func (ra *readAhead) Close() {
	ra.once.Do(func() { close(ra.done) })
	<-ra.exited
}
