package gateway

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	"github.com/palisade-sec/palisade/internal/memnet"
)

// memNet is the in-memory network of whole-gateway tests in synctest bubbles (see memnet).
type memNet = memnet.Network

var _ network = (*memNet)(nil)

func newMemNet() *memNet { return memnet.New() }

// memClient is a plain HTTP client that dials n; its idle connections close when the test ends.
func memClient(t *testing.T, n *memNet) *http.Client {
	tr := &http.Transport{DialContext: n.DialContext}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// serveMem runs srv on a new address of n until the test ends, and returns its URL: https when
// srv has a TLSConfig (whose certificate it serves), else http.
func serveMem(t *testing.T, n *memNet, srv *http.Server) string {
	t.Helper()
	ln, err := n.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	scheme := "http://"
	if srv.TLSConfig != nil {
		scheme = "https://"
		go func() { _ = srv.ServeTLS(ln, "", ""); close(done) }()
	} else {
		go func() { _ = srv.Serve(ln); close(done) }()
	}
	t.Cleanup(func() {
		// Shutdown, unlike Close, waits for every connection to end, so none is left running
		// when the bubble ends
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if srv.Shutdown(ctx) != nil {
			_ = srv.Close()
		}
		<-done
	})
	return scheme + ln.Addr().String()
}

// runMemGateway writes cfgText to a file and runs a gateway of it on n until the test ends; it
// returns the gateway, serving, and the file's path. It must run in a synctest bubble.
func runMemGateway(t *testing.T, n *memNet, cfgText string, audit io.Writer) (*Gateway, string) {
	t.Helper()
	return runMemGatewayWith(t, n, cfgText, Options{AuditOut: audit})
}

// runMemGatewayWith is runMemGateway with the options opts gives (a JWKS client, say); it sets
// ConfigPath and the network, and a discarding Logger when opts has none.
func runMemGatewayWith(t *testing.T, n *memNet, cfgText string, opts Options) (*Gateway, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "gateway.yaml")
	if err := os.WriteFile(path, []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
	opts.ConfigPath, opts.network = path, n
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	g, err := New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx, nil) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	synctest.Wait() // Run has bound its listeners, or failed
	if !g.Ready() {
		t.Fatal("gateway did not become ready")
	}
	return g, path
}
