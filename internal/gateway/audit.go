package gateway

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// Record is one audit line: one per request, in JSON Lines. It deliberately has no field for
// headers, query strings, tokens or cookies, so credentials cannot leak into the log by
// construction; the path is logged without its query.
type Record struct {
	Time           time.Time `json:"time"`
	RequestID      string    `json:"request_id"`
	Direction      string    `json:"direction"` // inbound or outbound
	SourceAddr     string    `json:"source_addr"`
	SPIFFEID       string    `json:"spiffe_id,omitempty"`
	JWTSubject     string    `json:"jwt_sub,omitempty"`
	JWTIssuer      string    `json:"jwt_iss,omitempty"`
	JWTID          string    `json:"jwt_jti,omitempty"`
	Method         string    `json:"method"`
	Host           string    `json:"host"`
	Path           string    `json:"path"`
	Protocol       string    `json:"protocol"`
	Route          string    `json:"route,omitempty"`
	Decision       string    `json:"decision"` // allow, deny or audit_deny (would deny; let through)
	Reason         string    `json:"reason"`
	Status         int       `json:"status"`
	UpstreamStatus int       `json:"upstream_status,omitempty"`
	BytesIn        int64     `json:"bytes_in"`
	BytesOut       int64     `json:"bytes_out"`
	LatencyMS      float64   `json:"latency_ms"`
}

// auditLog writes records through a buffer flushed at least every flushEvery, so logging does
// not cost a system call per request; Close flushes what is left.
type auditLog struct {
	mu     sync.Mutex
	w      *bufio.Writer
	closer io.Closer
	err    error // first write error, reported by Flush
	// bufs are encoding buffers, so a record costs no allocation once the pool is warm.
	bufs sync.Pool
}

const flushEvery = 200 * time.Millisecond

func openAudit(path string, stdout io.Writer) (*auditLog, error) {
	switch path {
	case "", "-":
		return &auditLog{w: bufio.NewWriterSize(stdout, 64<<10)}, nil
	default:
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return nil, fmt.Errorf("open audit log: %w", err)
		}
		return &auditLog{w: bufio.NewWriterSize(f, 64<<10), closer: f}, nil
	}
}

// write encodes r and appends it to the buffer as one whole line; the buffer reaches the file
// when it fills, on the flush timer and on Close, so a graceful shutdown loses no record.
func (a *auditLog) write(r *Record) {
	bp, _ := a.bufs.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	b := append(appendRecord((*bp)[:0], r), '\n')
	a.mu.Lock()
	if _, err := a.w.Write(b); err != nil && a.err == nil {
		a.err = err
	}
	a.mu.Unlock()
	if cap(b) <= 16<<10 { // do not let one huge path pin a large buffer
		*bp = b
		a.bufs.Put(bp)
	}
}

// Flush writes buffered records out and returns the first write error seen since the last call.
func (a *auditLog) Flush() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	err := a.w.Flush()
	if a.err != nil {
		err, a.err = a.err, nil
	}
	return err
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
