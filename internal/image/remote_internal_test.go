package image

import (
	"io"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// TestIdleBody: a body that sends nothing for the idle time while being read fails with a clear
// error; one whose reader is slow between reads does not.
func TestIdleBody(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pr, pw := io.Pipe()
		b := newIdleBody(pr, time.Minute)
		go func() {
			pw.Write([]byte("first"))
			// then nothing: the registry stalls
		}()
		buf := make([]byte, 16)
		n, err := b.Read(buf)
		if err != nil || string(buf[:n]) != "first" {
			t.Fatalf("first read: %q, %v", buf[:n], err)
		}
		time.Sleep(10 * time.Minute) // the consumer is slow between reads: no stall
		start := time.Now()
		_, err = b.Read(buf)
		if err == nil || !strings.Contains(err.Error(), "sent nothing for 1m0s") {
			t.Fatalf("stalled read: %v", err)
		}
		if d := time.Since(start); d != time.Minute {
			t.Errorf("the stall was noticed after %v, want 1m", d)
		}
		b.Close()
		pw.Close()
	})
}
