package image

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

// TestReadAhead: every byte the source gave comes out in order, then the source's own error
// (not io.EOF when it was something else), whatever the source's read sizes; Close stops the
// goroutine before the end, after which the source is not read again.
func TestReadAhead(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 10_000)
	boom := errors.New("boom")
	for name, src := range map[string]func() io.Reader{
		"whole":         func() io.Reader { return bytes.NewReader(data) },
		"one byte":      func() io.Reader { return iotest.OneByteReader(bytes.NewReader(data)) },
		"data with EOF": func() io.Reader { return iotest.DataErrReader(bytes.NewReader(data)) },
	} {
		t.Run(name, func(t *testing.T) {
			ra := newReadAhead(src(), 4096, 3)
			defer ra.Close()
			got, err := io.ReadAll(iotest.HalfReader(ra))
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("read %d bytes (err %v), want the %d the source has", len(got), err, len(data))
			}
		})
	}
	t.Run("error after data", func(t *testing.T) {
		ra := newReadAhead(io.MultiReader(bytes.NewReader(data[:10_000]), iotest.ErrReader(boom)), 4096, 3)
		defer ra.Close()
		got, err := io.ReadAll(ra)
		if !errors.Is(err, boom) || !bytes.Equal(got, data[:10_000]) {
			t.Fatalf("read %d bytes, err %v: want the 10000 bytes before the error, then the error", len(got), err)
		}
		if n, err := ra.Read(make([]byte, 8)); n != 0 || !errors.Is(err, boom) {
			t.Errorf("read after the error: %d, %v", n, err)
		}
	})
	t.Run("close early", func(t *testing.T) {
		src := &countReader{r: bytes.NewReader(data)}
		ra := newReadAhead(src, 4096, 3)
		if _, err := io.ReadFull(ra, make([]byte, 100)); err != nil {
			t.Fatal(err)
		}
		ra.Close()
		ra.Close() // twice is fine
		n := src.n
		if n >= int64(len(data)) {
			t.Fatalf("the whole source was read (%d bytes) for 100 consumed and four chunks ahead", n)
		}
		if src.n != n {
			t.Error("the source was read after Close returned")
		}
	})
}
