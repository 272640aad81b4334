package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/palisade-sec/palisade/internal/errkind"
	"github.com/palisade-sec/palisade/internal/gateway"
)

func newGatewayCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "gateway",
		Short: "Run the zero-trust gateway (edge or sidecar): mTLS, JWT, per-route authorization, audit",
	}
	cmd.AddCommand(newGatewayRunCmd(app), newGatewayCheckCmd(app))
	return cmd
}

// gatewayGCPercent is the garbage collector's target for `gateway run` unless GOGC is set.
const gatewayGCPercent = 400

func newGatewayRunCmd(app *App) *cobra.Command {
	var cfgPath, logLevel string
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Serve with gateway.yaml; SIGHUP or a change of the file reloads it, SIGTERM drains and stops",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var level slog.Level
			if err := level.UnmarshalText([]byte(logLevel)); err != nil {
				return errkind.Wrap(errkind.Invalid, fmt.Errorf("--log-level %q: want debug, info, warn or error", logLevel))
			}
			log := slog.New(levelHandler{Handler: app.Logger.Handler(), level: level})
			ctx, stop := app.serverContext(cmd.Context())
			defer stop()
			g, err := gateway.New(ctx, gateway.Options{ConfigPath: cfgPath, Logger: log, AuditOut: app.Stdout})
			if err != nil {
				return errkind.Wrap(errkind.Invalid, err)
			}
			if os.Getenv("GOGC") == "" {
				// The gateway's live heap is small and its garbage is per request: collecting at
				// 5× the live heap instead of 2× cut its CPU per request by about a seventh in
				// bench/gateway.sh for some tens of MB more memory. GOGC overrides it.
				debug.SetGCPercent(gatewayGCPercent)
			}
			hup := make(chan os.Signal, 1)
			defer app.signals(hup, syscall.SIGHUP)()
			reload := make(chan struct{}, 1)
			go func() {
				for {
					select {
					case <-ctx.Done():
						return
					case <-hup:
						select {
						case reload <- struct{}{}:
						default:
						}
					}
				}
			}()
			return g.Run(ctx, reload)
		},
	}
	cmd.Flags().StringVarP(&cfgPath, "config", "c", "gateway.yaml", "gateway configuration file")
	cmd.Flags().StringVar(&logLevel, "log-level", "info", "least severe log line written to stderr: debug, info, warn or error")
	return cmd
}

// levelHandler writes records from level up through h, whatever level h itself was built with:
// `gateway run` is a server and reports its lifecycle — start (listeners, mode, config), each
// reload (applied, or refused with the reason), CA enrolment retries and shutdown — at Info,
// which the other commands' Warn default would hide.
type levelHandler struct {
	slog.Handler
	level slog.Level
}

func (h levelHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }

func (h levelHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return levelHandler{Handler: h.Handler.WithAttrs(as), level: h.level}
}

func (h levelHandler) WithGroup(name string) slog.Handler {
	return levelHandler{Handler: h.Handler.WithGroup(name), level: h.level}
}

func newGatewayCheckCmd(app *App) *cobra.Command {
	var cfgPath string
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Validate gateway.yaml (unknown keys, routes, CEL rules) without starting anything",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := gateway.LoadConfig(cfgPath)
			if err != nil {
				return errkind.Wrap(errkind.Invalid, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: ok (%s mode, %d routes, %d outbound services, %d JWT issuers)\n",
				cfgPath, cfg.Mode, len(cfg.Routes), len(cfg.Outbound.Services), len(cfg.JWT.Issuers))
			return nil
		},
	}
	cmd.Flags().StringVarP(&cfgPath, "config", "c", "gateway.yaml", "gateway configuration file")
	return cmd
}
