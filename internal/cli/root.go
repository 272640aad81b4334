// Package cli turns command lines into calls: one file per subcommand, each parsing flags into an
// Options struct and making one call into a domain package, then handing the result to a report
// writer. No domain logic lives here, and no domain package imports cli.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/palisade-sec/palisade/internal/errkind"
)

// Builtins is what cmd/palisade wires in: the explicit lists of extensions each command offers.
type Builtins struct {
	// Scanners are every analyzer `palisade scan --scanners` can pick, in display order.
	Scanners []Scanner
}

// App carries what every subcommand shares; it is built once in Root and never global.
type App struct {
	Version  string
	Builtins Builtins
	Stdout   io.Writer
	Stderr   io.Writer
	Logger   *slog.Logger

	// listen binds the servers' listeners (nil: net.Listen); tests give an in-memory network's
	// to run a server on a synctest bubble's virtual clock.
	listen func(network, addr string) (net.Listener, error)
	// notify relays the signals sig to c until the returned stop is called (nil: signal.Notify);
	// tests in a synctest bubble, whose channels the runtime's signal handler must not touch,
	// give their own and send the signals themselves.
	notify func(c chan<- os.Signal, sig ...os.Signal) (stop func())
}

// bind binds a server's listener (see App.listen).
func (app *App) bind(network, addr string) (net.Listener, error) {
	if app.listen != nil {
		return app.listen(network, addr)
	}
	return net.Listen(network, addr)
}

// signals relays sig to c until stop (see App.notify).
func (app *App) signals(c chan<- os.Signal, sig ...os.Signal) (stop func()) {
	if app.notify != nil {
		return app.notify(c, sig...)
	}
	signal.Notify(c, sig...)
	return func() { signal.Stop(c) }
}

// serverContext is ctx, cancelled when the process is told to stop (SIGINT, SIGTERM) with the
// signal as its cause; stop releases the signals.
func (app *App) serverContext(ctx context.Context) (_ context.Context, stop func()) {
	c := make(chan os.Signal, 1)
	release := app.signals(c, os.Interrupt, syscall.SIGTERM)
	ctx, cancel := context.WithCancelCause(ctx)
	go func() {
		select {
		case s := <-c:
			cancel(fmt.Errorf("%v signal received", s))
		case <-ctx.Done():
		}
	}()
	return ctx, func() { release(); cancel(context.Canceled) }
}

// subcommands is the one list of the tool's subcommands.
var subcommands = []func(*App) *cobra.Command{
	newVersionCmd,
	newScanCmd,
	newCACmd,
	newGatewayCmd,
	newDBCmd,
	newSBOMCmd,
}

// Root builds the command tree.
func Root(app *App) *cobra.Command {
	root := &cobra.Command{
		Use:   "palisade",
		Short: "Secure a system of microservices from design to run time",
		Long: `Palisade secures a system of microservices across its whole life: threat models at design,
scanning in the pipeline, policy at deployment, a zero-trust gateway and detection at run time.

Exit codes: 0 success and nothing at or above --fail-on, 1 findings at or above --fail-on,
2 an input that could not be checked (unless accepted), or a tool error (bad flags, unreadable
config, a failed scan).`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       app.Version,
	}
	root.SetOut(app.Stdout)
	root.SetErr(app.Stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return errkind.Wrap(errkind.Invalid, fmt.Errorf("%w (see '%s --help')", err, c.CommandPath()))
	})
	for _, sub := range subcommands {
		root.AddCommand(sub(app))
	}
	return root
}

// ErrGate is returned when a scan found something at or above the --fail-on threshold; the report
// has been written by then.
var ErrGate = errors.New("findings at or above the --fail-on threshold")

// ExitCode maps an error from the command tree to the process exit code: 0 success, 1 the gate
// tripped, else the exit code of the error's kind (2: Palisade could not do its job, so a
// pipeline must not pass).
func ExitCode(err error) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, ErrGate):
		return 1
	default:
		return errkind.Of(err).ExitCode()
	}
}

// serverLogger is the logger of a long-running command (ca serve): its start, reload and
// shutdown lines are at info, which a one-shot command's logger (warnings only) would drop, so
// when app.Logger would not show them they go to app.Stderr as text.
func serverLogger(ctx context.Context, app *App) *slog.Logger {
	if app.Logger != nil && app.Logger.Enabled(ctx, slog.LevelInfo) {
		return app.Logger
	}
	return slog.New(slog.NewTextHandler(app.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
}
