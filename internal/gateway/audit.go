package gateway

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Record is one audit line: one per request, in JSON Lines. It deliberately has no field for
// headers, query strings, tokens or cookies, so credentials cannot leak into the log by
// construction; the path is logged without its query.
type Record struct {
	Time       time.Time `json:"time"`
	RequestID  string    `json:"request_id"`
	Direction  string    `json:"direction"` // inbound or outbound
	SourceAddr string    `json:"source_addr"`
	SPIFFEID   string    `json:"spiffe_id,omitempty"`
	JWTSubject string    `json:"jwt_sub,omitempty"`
	JWTIssuer  string    `json:"jwt_iss,omitempty"`
	JWTID      string    `json:"jwt_jti,omitempty"`
	Method     string    `json:"method"`
	Host       string    `json:"host"`
	Path       string    `json:"path"`
	Protocol   string    `json:"protocol"`
	// Upgrade is the protocol the connection switched to: the record then covers the whole
	// tunnel (its bytes each way and its duration).
	Upgrade        string  `json:"upgrade,omitempty"`
	Route          string  `json:"route,omitempty"`
	Decision       string  `json:"decision"` // allow, deny or audit_deny (would deny; let through)
	Reason         string  `json:"reason"`
	Status         int     `json:"status"`
	UpstreamStatus int     `json:"upstream_status,omitempty"`
	BytesIn        int64   `json:"bytes_in"`
	BytesOut       int64   `json:"bytes_out"`
	LatencyMS      float64 `json:"latency_ms"`
}

// auditLog buffers records and writes them out when auditChunk bytes are waiting and on every
// Flush (each flushEvery, and on Close), so logging does not cost a system call per request. A
// write that fails keeps its records — the part the destination did not take — and they go out,
// in order and once, with the next ones as soon as it accepts writes again (a full disk freed,
// a stalled mount back); a bufio.Writer would have kept the first error for ever and lost every
// record after it. At most auditMaxPending bytes wait; beyond that new records are dropped and
// counted (TakeDropped), and Failing tells a fail-closed gateway to refuse requests meanwhile.
type auditLog struct {
	mu      sync.Mutex
	buf     []byte // records not yet written
	out     io.Writer
	closer  io.Closer
	err     error // the first write error since the last Flush
	dropped int64 // records dropped since the last TakeDropped
	failing atomic.Bool
	// bufs are encoding buffers, so a record costs no allocation once the pool is warm.
	bufs sync.Pool
}

const (
	flushEvery      = 200 * time.Millisecond
	auditChunk      = 64 << 10
	auditMaxPending = 8 << 20
)

func openAudit(path string, stdout io.Writer) (*auditLog, error) {
	switch path {
	case "", "-":
		return &auditLog{out: stdout}, nil
	default:
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return nil, fmt.Errorf("open audit log: %w", err)
		}
		return &auditLog{out: f, closer: f}, nil
	}
}

// write encodes r and appends it to the buffer as one whole line; the buffer is written out
// once it holds auditChunk bytes (not while the destination is failing: the flush timer retries
// then), on the flush timer and on Close, so a graceful shutdown loses no record.
func (a *auditLog) write(r *Record) {
	bp, _ := a.bufs.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	b := append(appendRecord((*bp)[:0], r), '\n')
	a.mu.Lock()
	if len(a.buf)+len(b) > auditMaxPending {
		a.dropped++
	} else {
		a.buf = append(a.buf, b...)
		if len(a.buf) >= auditChunk && !a.failing.Load() {
			a.flushLocked()
		}
	}
	a.mu.Unlock()
	if cap(b) <= 16<<10 { // do not let one huge path pin a large buffer
		*bp = b
		a.bufs.Put(bp)
	}
}

// flushLocked writes the buffer out, keeping whatever the destination did not take.
func (a *auditLog) flushLocked() {
	if len(a.buf) == 0 {
		return
	}
	n, err := a.out.Write(a.buf)
	n = max(0, min(n, len(a.buf)))
	a.buf = a.buf[:copy(a.buf, a.buf[n:])]
	if err == nil && len(a.buf) > 0 {
		err = io.ErrShortWrite
	}
	if err != nil && a.err == nil {
		a.err = err
	}
	a.failing.Store(err != nil)
	if cap(a.buf) > 4*auditChunk && len(a.buf) < auditChunk {
		nb := make([]byte, len(a.buf), auditChunk) // give back what an outage made it grow to
		copy(nb, a.buf)
		a.buf = nb
	}
}

// Flush writes buffered records out and returns the first write error seen since the last call.
func (a *auditLog) Flush() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.flushLocked()
	err := a.err
	a.err = nil
	return err
}

// Failing reports whether the last write to the destination failed (records are waiting).
func (a *auditLog) Failing() bool { return a.failing.Load() }

// TakeDropped returns how many records were dropped since the last call (the pending bound was
// reached while the destination refused writes).
func (a *auditLog) TakeDropped() int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := a.dropped
	a.dropped = 0
	return n
}

func (a *auditLog) Close() error {
	err := a.Flush()
	if a.closer != nil {
		if cerr := a.closer.Close(); err == nil {
			err = cerr
		}
	}
	return err
}
