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
	"github.com/palisade-sec/palisade/internal/scan"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// analyzers is the explicit list of scanners `palisade scan --scanners` can pick.
func analyzers() []scan.Analyzer {
	return []scan.Analyzer{}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	app := &cli.App{
		Version:  version,
		Builtins: cli.Builtins{Analyzers: analyzers()},
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
