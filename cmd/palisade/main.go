// Command palisade is the single binary of Palisade. main wires the built-in lists of extensions
// into the command tree and maps error kinds to exit codes; everything else lives in internal/.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/palisade-sec/palisade/internal/cli"
	"github.com/palisade-sec/palisade/internal/config"
	iacengine "github.com/palisade-sec/palisade/internal/iac"
	"github.com/palisade-sec/palisade/internal/inventory"
	"github.com/palisade-sec/palisade/internal/sast"
	sastrules "github.com/palisade-sec/palisade/internal/sast/rules"
	"github.com/palisade-sec/palisade/internal/sast/taint"
	"github.com/palisade-sec/palisade/internal/scan"
	"github.com/palisade-sec/palisade/internal/scan/deps"
	"github.com/palisade-sec/palisade/internal/scan/iac"
	"github.com/palisade-sec/palisade/internal/scan/secret"
	"github.com/palisade-sec/palisade/internal/vulndb"
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
		{
			Name:    "deps",
			Summary: "known vulnerabilities (local OSV database) and licence policy for the packages lockfiles declare",
			New:     newDepsAnalyzer,
		},
		{
			Name:    "iac",
			Summary: "Kubernetes, Dockerfile, Compose, Terraform and CloudFormation misconfiguration; custom CEL policies",
			New:     newIaCAnalyzer,
		},
		{
			Name:    "sast",
			Summary: "Go source: untrusted data followed across functions and packages into SQL, commands, paths, URLs, HTML, logs …",
			New:     newSastAnalyzer,
		},
	}
}

// newSastAnalyzer builds the Go analyser with the user's sources, sinks and sanitisers; a
// malformed one fails with its place in the configuration, and with the non-taint rules
// (internal/sast/rules).
func newSastAnalyzer(_ context.Context, cfg *config.Config) (scan.Analyzer, error) {
	opts := sast.Options{Tags: cfg.Sast.Tags, Checks: []sast.CheckFunc{sastrules.Check}, Rules: sastrules.Rules()}
	for i, s := range cfg.Sast.Sources {
		f, err := taint.ParseFunc(s)
		if err != nil {
			return nil, cfg.FieldError(fmt.Sprintf("sast.sources[%d]", i), err)
		}
		opts.Taint.Sources = append(opts.Taint.Sources, f)
	}
	for i, s := range cfg.Sast.Sanitizers {
		f, err := taint.ParseFunc(s)
		if err != nil {
			return nil, cfg.FieldError(fmt.Sprintf("sast.sanitizers[%d]", i), err)
		}
		opts.Taint.Sanitizers = append(opts.Taint.Sanitizers, f)
	}
	for i, s := range cfg.Sast.Sinks {
		sk, err := taint.ParseSink(s)
		if err != nil {
			return nil, cfg.FieldError(fmt.Sprintf("sast.sinks[%d]", i), err)
		}
		opts.Taint.Sinks = append(opts.Taint.Sinks, sk)
	}
	return sast.New(opts), nil
}

// newIaCAnalyzer builds the IaC analyzer with the user's CEL policies and, when configured, Rego.
func newIaCAnalyzer(ctx context.Context, cfg *config.Config) (scan.Analyzer, error) {
	opts := iacengine.Options{
		Disable:           cfg.IaC.Disable,
		PolicyFiles:       cfg.IaC.Policies,
		AllowedBaseImages: cfg.AllowedBases(),
	}
	if cfg.IaC.Render {
		r, err := iacRenderer(cfg)
		if err != nil {
			return nil, err
		}
		opts.Renderer = r
	}
	if len(cfg.IaC.Rego) > 0 {
		engine, err := regoEngine(ctx, cfg)
		if err != nil {
			return nil, err
		}
		opts.Engines = append(opts.Engines, engine)
	}
	return iac.New(opts)
}

// newDepsAnalyzer opens the vulnerability database read-only. Without one, a scan that asked for
// deps by name fails (exit 2); a scan that runs deps only because every scanner runs by default
// goes on and reports the missing database as a problem, so a first run on a fresh machine
// still shows what the other scanners find and says how to get the database.
func newDepsAnalyzer(_ context.Context, cfg *config.Config) (scan.Analyzer, error) {
	dir, err := vulndb.ResolveDir(cfg.Deps.DBDir, os.Getenv)
	if err != nil {
		return nil, err
	}
	opts := deps.Options{
		DemoteNotImported: cfg.Deps.DemoteNotImported,
		GateUnfixed:       cfg.Deps.GateUnfixed,
		LicenseAllow:      cfg.Deps.LicenseAllow,
		LicenseDeny:       cfg.Deps.LicenseDeny,
		MaxAge:            time.Duration(cfg.Deps.MaxAge),
	}
	extract := deps.ExtractorFunc(inventory.Extract)
	db, err := vulndb.Open(dir)
	switch {
	case err == nil:
		return deps.New(db, extract, opts), nil
	case errors.Is(err, vulndb.ErrNoDatabase) && cfg.Origin("scan.scanners").Kind == config.FromDefault:
		return deps.New(missingDB{err}, extract, opts), nil
	default:
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
}

// missingDB stands in for the database when there is none: every match fails with the reason,
// which the scan reports as a problem.
type missingDB struct{ err error }

func (m missingDB) Match(context.Context, []inventory.Package) (*vulndb.Result, error) {
	return nil, m.err
}

func main() {
	ctx, cancel := interruptContext()
	code := runCLI(ctx, os.Args[1:])
	cancel()
	os.Exit(code)
}

// runCLI runs one command line and returns its exit code.
func runCLI(ctx context.Context, args []string) int {
	app := &cli.App{
		Version:  version,
		Builtins: cli.Builtins{Scanners: scanners()},
		Stdout:   os.Stdout,
		Stderr:   os.Stderr,
		Logger:   slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
	root := cli.Root(app)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "palisade:", err)
	}
	return cli.ExitCode(err)
}

// interruptContext returns a context that the first SIGINT or SIGTERM cancels; the second
// exits the process (onSignals).
func interruptContext() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go onSignals(sigs, cancel, os.Stderr, os.Exit)
	return ctx, cancel
}

// exitInterrupted is the exit code of a run stopped by a second interrupt (128 + SIGINT), as
// shells report a process killed by Ctrl-C.
const exitInterrupted = 130

// onSignals cancels the run at the first SIGINT or SIGTERM, so every stage can stop and say
// what it did not check; at the second it exits at once with code 130, for a user who will
// not wait for a stage that is slow to stop. It returns when sigs is closed.
func onSignals(sigs <-chan os.Signal, cancel context.CancelFunc, stderr io.Writer, exit func(int)) {
	if _, ok := <-sigs; !ok {
		return
	}
	cancel()
	if _, ok := <-sigs; !ok {
		return
	}
	fmt.Fprintln(stderr, "palisade: interrupted again, exiting without waiting")
	exit(exitInterrupted)
}
