package http1

import (
	"testing"
	"testing/synctest"
	"time"
)

// TestProgressPushesDeadlinesRarely checks the lazy re-arming that keeps the timeouts off the
// per-request path: a deadline is pushed on first use, then not again until an eighth of the
// timeout has passed, and always after forget.
func TestProgressPushesDeadlinesRarely(t *testing.T) {
	synctest.Test(t, testProgressPushesDeadlinesRarely)
}

func testProgressPushesDeadlinesRarely(t *testing.T) {
	rec := &deadlineRecorder{}
	p := Progress{d: rec, read: true, timeout: 800 * time.Millisecond}
	for range 1000 {
		p.Touch()
	}
	if len(rec.read) != 1 || len(rec.write) != 0 {
		t.Fatalf("%d read and %d write deadlines for 1000 quick touches, want 1 read", len(rec.read), len(rec.write))
	}
	if d := time.Until(rec.read[0]); d != 800*time.Millisecond {
		t.Fatalf("deadline %s ahead, want 800ms", d)
	}
	time.Sleep(99 * time.Millisecond)
	p.Touch()
	if len(rec.read) != 1 {
		t.Fatalf("%d pushes before an eighth of the timeout, want 1", len(rec.read))
	}
	time.Sleep(time.Millisecond)
	p.Touch()
	p.forget()
	p.Touch()
	if len(rec.read) != 3 {
		t.Fatalf("%d pushes, want 3 (after an eighth of the timeout, and after forget)", len(rec.read))
	}
	w := Progress{d: rec, timeout: time.Second}
	w.Touch()
	if len(rec.write) != 1 || len(rec.read) != 3 {
		t.Fatalf("a write progress pushed %d write and %d read deadlines, want 1 and still 3", len(rec.write), len(rec.read))
	}
	off := Progress{d: rec}
	off.Touch()
	if len(rec.write)+len(rec.read) != 4 {
		t.Fatal("a zero timeout pushed a deadline")
	}
	noConn := Progress{timeout: time.Second}
	noConn.Touch() // nothing to set: nothing to do, no panic
}

// deadlineRecorder is a Deadliner that records the deadlines it is given.
type deadlineRecorder struct{ read, write []time.Time }

func (r *deadlineRecorder) SetReadDeadline(t time.Time) error {
	r.read = append(r.read, t)
	return nil
}

func (r *deadlineRecorder) SetWriteDeadline(t time.Time) error {
	r.write = append(r.write, t)
	return nil
}
