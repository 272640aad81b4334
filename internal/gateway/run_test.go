package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/palisade-sec/palisade/internal/identity/identitytest"
)

// writeRunConfig writes a sidecar config with one route to an upstream nobody listens on, and
// returns its path.
func writeRunConfig(t *testing.T) string {
	t.Helper()
	p := identitytest.NewCA(t, "example.org")
	cert, key := p.IssueFiles("spiffe://example.org/app", "app")
	cfgPath := filepath.Join(t.TempDir(), "gateway.yaml")
	cfg := fmt.Sprintf(sidecarHead+appRoute, p.BundleFile(), cert, key, "http://127.0.0.1:1", HTTP1Palisade)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfgPath
}

// TestRunEndsItsGoroutinesBeforeReturning: when Run returns, the SVID source, the audit
// flusher and the config watcher it started have ended — none can flush, reload or renew after
// the audit log is closed. Run is started with a context already cancelled, so it returns as
// soon as it has started them: the moment they are most likely still running.
func TestRunEndsItsGoroutinesBeforeReturning(t *testing.T) {
	cfgPath := writeRunConfig(t)
	for i := range 10 {
		g, err := New(context.Background(), Options{ConfigPath: cfgPath, AuditOut: io.Discard, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := g.Run(ctx, nil); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 1<<20)
		stacks := string(buf[:runtime.Stack(buf, true)])
		for _, fn := range []string{"(*Gateway).flushLoop", "(*Gateway).watch", "(*fileSource).Run"} {
			if strings.Contains(stacks, fn) {
				t.Fatalf("run %d: %s still running after Run returned:\n%s", i, fn, stacks)
			}
		}
	}
}

// blockingHandler is a slog handler that blocks the first goroutine logging msg until release
// is closed, after signalling entered.
type blockingHandler struct {
	slog.Handler
	msg     string
	once    *sync.Once
	entered chan struct{}
	release chan struct{}
}

func (h blockingHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == h.msg {
		h.once.Do(func() { close(h.entered); <-h.release })
	}
	return nil
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// TestRunWaitsForTheAuditFlusher holds the audit flusher inside its report of a failed write
// and cancels Run: Run must not return (and close the audit log) until the flusher has ended.
// It runs on virtual time over an in-memory network, so "not yet" is exact: Run is checked once
// every other goroutine is blocked.
func TestRunWaitsForTheAuditFlusher(t *testing.T) { synctest.Test(t, testRunWaitsForTheAuditFlusher) }

func testRunWaitsForTheAuditFlusher(t *testing.T) {
	cfgPath := writeRunConfig(t)
	h := blockingHandler{Handler: slog.NewTextHandler(io.Discard, nil), msg: "audit log write failed; its records are kept and retried",
		once: &sync.Once{}, entered: make(chan struct{}), release: make(chan struct{})}
	g, err := New(context.Background(), Options{ConfigPath: cfgPath, AuditOut: failingWriter{}, Logger: slog.New(h), network: newMemNet()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx, nil) }()
	g.Handler().ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/x", nil)) // one record to flush
	<-h.entered
	cancel()
	synctest.Wait() // Run has gone as far as it can without the flusher
	select {
	case <-done:
		close(h.release)
		t.Fatal("Run returned while the audit flusher was still running")
	default:
	}
	close(h.release)
	if err := <-done; err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Run: %v, want the audit log's close error", err)
	}
}
