package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// ShutdownGrace is how long Run waits for in-flight requests after ctx ends.
const ShutdownGrace = 15 * time.Second

// Run binds the listeners and serves until ctx ends, then shuts down gracefully (readiness goes
// false first, in-flight requests finish, the audit log is flushed). reload delivers reload
// requests (SIGHUP); the configuration file is also watched for changes.
func (g *Gateway) Run(ctx context.Context, reload <-chan struct{}) error {
	st := g.state.Load()
	cfg := st.cfg
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	serverCert := g.svid.GetCertificate
	if g.edge != nil {
		serverCert = g.edge.GetCertificate
	}
	var servers []*http.Server
	errc := make(chan error, 8)
	serve := func(addr string, h http.Handler, tlsOn bool, bound *string) (*http.Server, error) {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("listen %s: %w", addr, err)
		}
		*bound = ln.Addr().String()
		hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second,
			MaxHeaderBytes: 64 << 10, ErrorLog: slog.NewLogLogger(g.log.Handler(), slog.LevelDebug)}
		if tlsOn {
			hs.TLSConfig = g.inboundTLS(cfg, serverCert)
		}
		go func() {
			var err error
			if tlsOn {
				err = hs.ServeTLS(ln, "", "")
			} else {
				err = hs.Serve(ln)
			}
			if !errors.Is(err, http.ErrServerClosed) {
				errc <- err
			}
		}()
		servers = append(servers, hs)
		return hs, nil
	}
	var in, out, admin string
	if _, err := serve(cfg.Inbound.Listen, g.Handler(), true, &in); err != nil {
		return err
	}
	g.inboundAddr.Store(&in)
	if cfg.Outbound.Listen != "" {
		if _, err := serve(cfg.Outbound.Listen, g.OutboundHandler(), false, &out); err != nil {
			g.shutdown(servers)
			return err
		}
		g.outboundAddr.Store(&out)
	}
	var adminSrv *http.Server
	if cfg.Admin.Listen != "" {
		var err error
		if adminSrv, err = serve(cfg.Admin.Listen, g.AdminHandler(), false, &admin); err != nil {
			g.shutdown(servers)
			return err
		}
		// The admin listener stops last, so /readyz answers 503 while traffic drains.
		servers = servers[:len(servers)-1]
		g.adminAddr.Store(&admin)
	}
	go func() { _ = g.svid.Run(ctx) }()
	if g.edge != nil {
		go func() { _ = g.edge.Run(ctx) }()
	}
	go g.flushLoop(ctx)
	go g.watch(ctx, reload)
	g.ready.Store(true)
	g.log.Info("gateway serving", "mode", cfg.Mode, "inbound", in, "outbound", out, "admin", admin)

	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	g.ready.Store(false)
	g.shutdown(servers)
	if adminSrv != nil {
		g.shutdown([]*http.Server{adminSrv})
	}
	if cerr := g.audit.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close audit log: %w", cerr)
	}
	return err
}

func (g *Gateway) shutdown(servers []*http.Server) {
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownGrace)
	defer cancel()
	for _, s := range servers {
		_ = s.Shutdown(sctx)
	}
}

func (g *Gateway) flushLoop(ctx context.Context) {
	t := time.NewTicker(flushEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := g.audit.Flush(); err != nil {
				g.log.Error("audit log write failed", "err", err)
			}
		}
	}
}

// watch reloads on a signal from reload or when the configuration or bundle file changes.
func (g *Gateway) watch(ctx context.Context, reload <-chan struct{}) {
	stamp := func() string {
		cfg := g.state.Load().cfg
		return fileStamp(g.opts.ConfigPath) + fileStamp(cfg.Identity.BundleFile)
	}
	last := stamp()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-reload:
		case <-t.C:
			if s := stamp(); s == last {
				continue
			}
		}
		last = stamp()
		_ = g.Reload()
	}
}

// Addrs returns the bound inbound, outbound and admin addresses ("" when not listening).
func (g *Gateway) Addrs() (inbound, outbound, admin string) {
	load := func(p interface{ Load() *string }) string {
		if s := p.Load(); s != nil {
			return *s
		}
		return ""
	}
	return load(&g.inboundAddr), load(&g.outboundAddr), load(&g.adminAddr)
}

// Ready reports whether Run has bound its listeners and is serving.
func (g *Gateway) Ready() bool { return g.ready.Load() }
