package gateway

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/palisade-sec/palisade/internal/gateway/http1"
)

// ShutdownGrace is how long Run waits for in-flight requests after ctx ends.
const ShutdownGrace = 15 * time.Second

// Run binds the listeners and serves until ctx ends, then shuts down gracefully (readiness goes
// false first, in-flight requests finish, the audit log is flushed). reload delivers reload
// requests (SIGHUP); the configuration file is also watched for changes.
func (g *Gateway) Run(ctx context.Context, reload <-chan struct{}) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 8)
	g.startBundle = g.bundle.Load()
	traffic, admin, err := g.listen(g.state.Load().cfg, errc)
	if err != nil {
		return err
	}
	// Every goroutine Run starts ends before it returns: none may renew, reload or flush
	// once the audit log is closed.
	var bg sync.WaitGroup
	bg.Go(func() { _ = g.svid.Run(ctx) })
	if g.edge != nil {
		bg.Go(func() { _ = g.edge.Run(ctx) })
	}
	bg.Go(func() { g.flushLoop(ctx) })
	bg.Go(func() { g.watch(ctx, reload) })
	g.ready.Store(true)
	in, out, adm := g.Addrs()
	g.log.Info("gateway serving", "mode", g.state.Load().cfg.Mode, "config", g.opts.ConfigPath, "inbound", in, "outbound", out, "admin", adm)

	select {
	case <-ctx.Done():
		g.log.Info("gateway shutting down", "reason", "signal or cancel", "grace", ShutdownGrace)
	case err = <-errc:
		g.log.Error("gateway shutting down", "reason", "a listener failed", "err", err, "grace", ShutdownGrace)
	}
	g.ready.Store(false)
	g.shutdown(traffic)
	if admin != nil {
		g.shutdown([]trafficServer{admin}) // last, so /readyz answers 503 while traffic drains
	}
	cancel()
	bg.Wait()
	if cerr := g.audit.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close audit log: %w", cerr)
	}
	g.log.Info("gateway stopped")
	return err
}

// listen binds the inbound (TLS), outbound and admin listeners and starts serving them; serve
// errors go to errc. On failure everything already started is shut down.
func (g *Gateway) listen(cfg *Config, errc chan<- error) (traffic []trafficServer, admin trafficServer, err error) {
	serverCert := g.svid.GetCertificate
	if g.edge != nil {
		serverCert = g.edge.GetCertificate
	}
	serve := func(addr string, h http.Handler, tlsOn, traffic bool, bound *atomic.Pointer[string]) (trafficServer, error) {
		listen := net.Listen
		if g.opts.network != nil {
			listen = g.opts.network.Listen
		}
		ln, err := listen("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("listen %s: %w", addr, err)
		}
		a := ln.Addr().String()
		bound.Store(&a)
		var tlsConf *tls.Config
		if tlsOn {
			tlsConf = g.inboundTLS(cfg, serverCert)
		}
		if traffic && cfg.HTTP1Server == HTTP1Palisade {
			s := http1.NewServer(h, tlsConf, cfg.Timeouts.server(), g.log)
			go func() {
				if err := s.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
					errc <- err
				}
			}()
			return s, nil
		}
		if traffic {
			h = netHTTPFraming(h)
		}
		hs := &http.Server{Handler: h, ReadHeaderTimeout: cfg.Timeouts.ReadHeader, IdleTimeout: cfg.Timeouts.Idle,
			HTTP2: &http.HTTP2Config{WriteByteTimeout: cfg.Timeouts.ClientWrite}, MaxHeaderBytes: 64 << 10,
			ErrorLog: slog.NewLogLogger(g.log.Handler(), slog.LevelDebug), TLSConfig: tlsConf}
		if !traffic {
			hs.ReadHeaderTimeout, hs.IdleTimeout = DefaultReadHeaderTimeout, DefaultIdleTimeout
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
		return hs, nil
	}
	hs, err := serve(cfg.Inbound.Listen, g.Handler(), true, true, &g.inboundAddr)
	if err != nil {
		return nil, nil, err
	}
	traffic = append(traffic, hs)
	if cfg.Outbound.Listen != "" {
		if hs, err = serve(cfg.Outbound.Listen, g.OutboundHandler(), false, true, &g.outboundAddr); err != nil {
			g.shutdown(traffic)
			return nil, nil, err
		}
		traffic = append(traffic, hs)
	}
	if cfg.Admin.Listen != "" {
		if admin, err = serve(cfg.Admin.Listen, g.AdminHandler(), false, false, &g.adminAddr); err != nil {
			g.shutdown(traffic)
			return nil, nil, err
		}
	}
	return traffic, admin, nil
}

// trafficServer is a running listener's server: net/http's or http1.Server.
type trafficServer interface {
	Shutdown(ctx context.Context) error
}

func (g *Gateway) shutdown(servers []trafficServer) {
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
			g.flushAudit()
		}
	}
}

// flushAudit writes the audit log out and reports what went wrong: a failed write (its records
// are kept for the next attempt) and records dropped meanwhile.
func (g *Gateway) flushAudit() {
	if err := g.audit.Flush(); err != nil {
		g.metrics.auditFails.Inc()
		g.log.Error("audit log write failed; its records are kept and retried", "err", err)
	}
	if n := g.audit.TakeDropped(); n > 0 {
		g.metrics.auditDrops.Add(float64(n))
		g.log.Error("audit records dropped: the audit log could not be written for too long", "records", n)
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
	reported := map[string]string{}
	for {
		select {
		case <-ctx.Done():
			return
		case <-reload:
		case <-t.C:
			g.reportKeyProblems(reported)
			if s := stamp(); s == last {
				continue
			}
		}
		last = stamp()
		_ = g.Reload()
	}
}

// reportKeyProblems surfaces JWKS keys the validator refused — as a metric per issuer and one log
// line whenever the set of problems changes — so a refused key is never silent.
func (g *Gateway) reportKeyProblems(reported map[string]string) {
	st := g.state.Load()
	problems := st.validator.KeyProblems()
	for _, is := range st.cfg.JWT.Issuers {
		errs := problems[is.Issuer]
		g.metrics.jwksKeys.WithLabelValues(is.Issuer).Set(float64(len(errs)))
		msg := fmt.Sprint(errs)
		if len(errs) > 0 && reported[is.Issuer] != msg {
			g.log.Warn("jwks keys refused", "issuer", is.Issuer, "problems", msg)
		}
		reported[is.Issuer] = msg
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
