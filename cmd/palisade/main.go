// Command palisade is the single binary of Palisade. main wires the built-in lists of extensions
// into the command tree and maps error kinds to exit codes; everything else lives in internal/.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/palisade-sec/palisade/internal/cli"
	"github.com/palisade-sec/palisade/internal/config"
	"github.com/palisade-sec/palisade/internal/scan"
	"github.com/palisade-sec/palisade/internal/scan/secret"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// scanners is the explicit list of analyzers `palisade scan --scanners` can pick, in the order
// they run and are shown.
func scanners() []cli.Scanner {
	return []cli.Scanner{
		{
			Name:    "secret",
			Summary: "credentials, tokens, private keys and passwords in files (and history with --git)",
			New: func(_ context.Context, cfg *config.Config) (scan.Analyzer, error) {
				a := secret.New(secret.Options{Disable: cfg.Secret.Disable})
				return a, a.Err()
			},
		},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	app := &cli.App{
		Version:  version,
		Builtins: cli.Builtins{Scanners: scanners()},
		Stdout:   os.Stdout,
		Stderr:   os.Stderr,
		Logger:   slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
	err := cli.Root(app).ExecuteContext(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "palisade:", err)
	}
	stop()
	os.Exit(cli.ExitCode(err))
}
