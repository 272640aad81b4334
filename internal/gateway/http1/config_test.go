package http1

import (
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestZeroConfigTakesDefaults: a zero (or negative) field of ServerConfig or TransportConfig is
// the default, never "no limit", so a forgotten field cannot leave a wait unbounded.
func TestZeroConfigTakesDefaults(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, cfg := range []ServerConfig{{}, {ReadHeaderTimeout: -1, IdleTimeout: -1, BodyTimeout: -1, WriteTimeout: -1, MaxHeaderBytes: -1}} {
		s := NewServer(http.NotFoundHandler(), nil, cfg, log)
		got := []any{s.readHeaderTimeout, s.idleTimeout, s.bodyTimeout, s.writeTimeout, s.maxHeaderBytes}
		want := []any{DefaultReadHeaderTimeout, DefaultIdleTimeout, DefaultBodyTimeout, DefaultWriteTimeout, int64(DefaultMaxHeaderBytes)}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("server with %+v (-want +got):\n%s", cfg, diff)
		}
	}
	tr := NewTransport("upstream.test:80", nil, TransportConfig{})
	got := []time.Duration{tr.connectTimeout, tr.readTimeout, tr.writeTimeout}
	want := []time.Duration{DefaultConnectTimeout, DefaultReadTimeout, DefaultWriteTimeout}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("transport (-want +got):\n%s", diff)
	}
	if tr.dialFn == nil {
		t.Error("no dialer")
	}
}
