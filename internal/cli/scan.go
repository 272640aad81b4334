package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/palisade-sec/palisade/internal/atomicfile"
	"github.com/palisade-sec/palisade/internal/config"
	"github.com/palisade-sec/palisade/internal/errkind"
	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/report"
	"github.com/palisade-sec/palisade/internal/scan"
	"github.com/palisade-sec/palisade/internal/suppress"
)

// Scanner is one built-in analyzer as cmd/palisade lists it: a name users pick with --scanners
// and a constructor that reads the analyzer's own section of the configuration.
type Scanner struct {
	Name    string
	Summary string
	New     func(ctx context.Context, cfg *config.Config) (scan.Analyzer, error)
}

// scanFlags are the flags of `palisade scan`. Those that mirror a configuration key are applied
// with config.Set only when the user set them, so the file and environment are not overridden by
// flag defaults.
type scanFlags struct {
	configPath string
	noProgress bool
	noColor    bool
	groupBy    string
	listRules  bool
	history    historyFlags
	image      imageFlags

	// Mirrors of configuration keys, by flag: single values, and repeatable lists.
	keyed map[string]*string
	lists map[string]*[]string
}

// keyedScanFlags maps a flag to the configuration key it sets and its help text. A repeatable
// flag collects every occurrence (each may also be comma-separated) into the key's list; a
// negated flag (--no-gitignore) sets its boolean key to the opposite of its own value.
var keyedScanFlags = []struct {
	flag, key, usage string
	repeatable       bool
	negated          bool
}{
	{flag: "scanners", key: "scan.scanners", usage: "scanners to run, repeatable or comma-separated (default: all; see --help)", repeatable: true},
	{flag: "fail-on", key: "scan.fail-on", usage: "exit 1 when an unsuppressed finding is at or above this severity (info|low|medium|high|critical)"},
	{flag: "format", key: "scan.formats", usage: "report format(s): table, json, sarif, junit; FORMAT or FORMAT:FILE, comma-separated"},
	{flag: "exclude", key: "scan.exclude", usage: "path pattern (.gitignore syntax) not to scan; repeatable, or comma-separated", repeatable: true},
	{flag: "no-gitignore", key: "scan.gitignore", usage: "scan files .gitignore would hide (same as --gitignore=false)", negated: true},
	{flag: "no-default-skips", key: "scan.default-skips", usage: "turn the default skip list off (same as --default-skips=false)", negated: true},
	{flag: "db-dir", key: "deps.db-dir", usage: "vulnerability database directory (default $PALISADE_DB_DIR, else the user cache directory)"},
	{flag: "max-file-size", key: "scan.max-file-size", usage: "read files larger than this only by streaming; a whole-file parse over it is a problem (e.g. 10MiB)"},
	{flag: "ignore-file", key: "scan.ignore-file", usage: "suppression file, relative to the scanned directory (empty turns it off)"},
	{flag: "baseline", key: "scan.baseline", usage: "a previous JSON or SARIF report: its findings are suppressed, only new ones count"},
	{flag: "gitignore", key: "scan.gitignore", usage: "honour .gitignore files (true|false)"},
	{flag: "default-skips", key: "scan.default-skips", usage: "apply the default skip list (true|false)"},
	{flag: "fail-on-problems", key: "scan.fail-on-problems", usage: "exit 2 when some input could not be checked (the report's problems) and its kind is not accepted (default true; =false accepts every problem)"},
	{flag: "check-base-update", key: "image.check-base-update", usage: "with --image: ask the base image's registry for the newest tag of the base's line and say per base-image finding whether it would remove it (sends requests to that registry; see docs/images.md)"},
	{flag: "accept-problems", key: "scan.accept-problems", usage: "problem kind that does not fail the gate, repeatable or comma-separated (" + strings.Join(finding.ProblemKinds(), ", ") + ")", repeatable: true},
}

func newScanCmd(app *App) *cobra.Command {
	f := &scanFlags{keyed: map[string]*string{}, lists: map[string]*[]string{}}
	var output string
	cmd := &cobra.Command{
		Use:   "scan [PATH]",
		Short: "Scan a directory or a repository's history for secrets, vulnerable dependencies and misconfiguration",
		Long:  scanLong(app),
		Example: `  palisade scan .                                   # table on stdout
  palisade scan . --fail-on high                    # gate a pipeline: exit 1 on high or critical
  palisade scan . --format sarif --output out.sarif # SARIF to a file, the table beside it
  palisade scan . --format json:report.json,junit:junit.xml
  palisade scan . --baseline report.json            # only findings new since report.json
  palisade scan --git . --since origin/main          # what the commits since origin/main added
  palisade scan --staged                             # pre-commit: only staged changes
  palisade scan --image registry.example.com/team/app:1.4 --fail-on high
  palisade scan --image app.tar --scanners secret    # a docker save archive, secrets only`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			root := "."
			if len(args) == 1 {
				root = args[0]
			}
			if output != "" {
				// --output names the file of the single --format given.
				v := *f.keyed["format"]
				if v == "" || strings.Contains(v, ",") || strings.Contains(v, ":") {
					return errkind.Wrap(errkind.Invalid, errors.New("--output needs exactly one --format without a file (or use --format FORMAT:FILE)"))
				}
				*f.keyed["format"] = v + ":" + output
			}
			if f.image.set() {
				if len(args) == 1 {
					return errkind.Wrap(errkind.Invalid, errors.New("scan: give a PATH or an image, not both"))
				}
				return runImageScan(cmd, app, f)
			}
			return runScan(cmd, app, f, root)
		},
	}
	fl := cmd.Flags()
	for _, k := range keyedScanFlags {
		switch {
		case k.repeatable:
			f.lists[k.flag] = fl.StringArray(k.flag, nil, k.usage)
		case k.negated:
			f.keyed[k.flag] = fl.String(k.flag, "", k.usage)
			fl.Lookup(k.flag).NoOptDefVal = "true"
		default:
			f.keyed[k.flag] = fl.String(k.flag, "", k.usage)
		}
	}
	// a switch: --fail-on-problems alone means true (--fail-on-problems=false also works)
	fl.Lookup("fail-on-problems").NoOptDefVal = "true"
	fl.Lookup("check-base-update").NoOptDefVal = "true"
	fl.StringVarP(&output, "output", "o", "", "write the --format report to this file; the table still goes to stdout")
	fl.StringVar(&f.configPath, "config", "", "configuration file (default: palisade.yaml in the scanned directory, if any)")
	fl.BoolVar(&f.noProgress, "no-progress", false, "no progress bar (it is shown only on a terminal anyway)")
	fl.BoolVar(&f.noColor, "no-color", false, "no colour in the table (also NO_COLOR=1; colour is used only on a terminal)")
	fl.StringVar(&f.groupBy, "group-by", "severity", "group the table by severity or file")
	fl.BoolVar(&f.listRules, "list-rules", false, "list the rules of the selected scanners and exit")
	f.history.register(cmd)
	f.image.register(fl)
	return cmd
}

func scanLong(app *App) string {
	var b strings.Builder
	b.WriteString(`Scan a directory (default ".") with the selected scanners and report what they find.

Scanners:
`)
	for _, s := range app.Builtins.Scanners {
		fmt.Fprintf(&b, "  %-8s %s\n", s.Name, s.Summary)
	}
	b.WriteString(`
With --image (a registry reference, a docker save or OCI archive, an OCI layout) or --rootfs, a
container image instead, each layer read once: secret (every layer's files, also files a later
layer deleted), deps (the installed OS and language packages of the final filesystem) and
config (the image's config and build history, by the Dockerfile checks); every finding names its
layer. With --check-base-update, the newest tag of the base image's line (12.5-slim → 12.8-slim,
never 13.0-slim) is scanned too, and each finding in a base-image package says whether it would
remove it; this sends requests to the base image's registry, so it is off by default. See
docs/images.md.

Configuration comes from defaults < palisade.yaml < PALISADE_SCAN_* environment variables < flags.

What is not scanned, and why (every skipped path is counted in the summary and listed in JSON):
  - untracked paths matched by .gitignore files (--no-gitignore to scan them; files git
    tracks are scanned whatever .gitignore says)
  - symlinks (never followed); Palisade's own reports and SBOMs of this tree
Files larger than --max-file-size are streamed by the secret scanner and are a problem (which
fails the gate) for analyzers that parse whole files; binary files are read for printable text.
  - the default skip list (--no-default-skips to scan it):
`)
	for _, r := range scan.DefaultSkips() {
		fmt.Fprintf(&b, "      %-22s %s\n", r.Pattern, r.Reason)
	}
	b.WriteString(`
Findings are suppressed, never dropped, by: an inline "palisade:ignore <rule> <reason>" comment
on or above the line; an entry in .palisadeignore.yaml; or --baseline. Suppressed findings stay
in JSON and SARIF output, marked as such.

Exit codes: 0 nothing at or above --fail-on and every input checked (or its problem accepted),
1 findings at or above --fail-on, 2 an input could not be checked (a problem not accepted with
--accept-problems KIND or --fail-on-problems=false) or a tool error.`)
	return b.String()
}

// loadScanConfig reads palisade.yaml (explicit, or found in root), the environment, then the flags
// the user set. The paths a configuration found in root names are confined to root (confine.go).
func loadScanConfig(cmd *cobra.Command, f *scanFlags, root string) (*config.Config, *confinement, error) {
	cfg, path, err := loadScanConfigUnconfined(cmd, f, root)
	if err != nil {
		return nil, nil, err
	}
	repoFile := "" // the repository's own file; one named with --config is the user's
	if f.configPath == "" {
		repoFile = path
	}
	c, err := confineRepoConfig(cfg, root, repoFile)
	if err != nil {
		return nil, nil, err
	}
	// The user's own ignore file (flag, environment, --config) may lie outside the root; the
	// suppression layer reads a relative one through the root, so such a path is made absolute.
	if p := cfg.Scan.IgnoreFile; p != "" && !fromRepo(cfg, "scan.ignore-file", repoFile) && !filepath.IsAbs(p) && !filepath.IsLocal(p) {
		abs, err := filepath.Abs(filepath.Join(root, p))
		if err != nil {
			return nil, nil, errkind.Wrap(errkind.Invalid, err)
		}
		cfg.Scan.IgnoreFile = abs
	}
	return cfg, c, nil
}

// loadScanConfigUnconfined loads the configuration and returns it with the file it read.
func loadScanConfigUnconfined(cmd *cobra.Command, f *scanFlags, root string) (*config.Config, string, error) {
	path := f.configPath
	if path == "" {
		found, err := config.Find(root)
		if err != nil {
			return nil, "", errkind.Wrap(errkind.Invalid, err)
		}
		path = found
	}
	cfg, err := config.Load(path, os.LookupEnv)
	if err != nil {
		return nil, "", errkind.Wrap(errkind.Invalid, err)
	}
	for _, k := range keyedScanFlags {
		if !cmd.Flags().Changed(k.flag) && !(k.flag == "format" && cmd.Flags().Changed("output")) {
			continue
		}
		v, err := f.value(k.flag, k.repeatable, k.negated)
		if err != nil {
			return nil, "", errkind.Wrap(errkind.Invalid, err)
		}
		if err := cfg.Set(k.key, v, config.FlagOrigin("--"+k.flag)); err != nil {
			return nil, "", errkind.Wrap(errkind.Invalid, err)
		}
	}
	if err := cfg.Validate(); err != nil {
		return nil, "", errkind.Wrap(errkind.Invalid, err)
	}
	if err := checkAcceptProblems(cfg); err != nil {
		return nil, "", err
	}
	return cfg, path, nil
}

// value is a keyed flag's value as config.Set reads it: a repeatable flag's occurrences joined
// with commas, a negated flag's opposite.
func (f *scanFlags) value(flag string, repeatable, negated bool) (string, error) {
	switch {
	case repeatable:
		return strings.Join(*f.lists[flag], ","), nil
	case negated:
		b, err := strconv.ParseBool(*f.keyed[flag])
		if err != nil {
			return "", fmt.Errorf("--%s: want true or false, got %q", flag, *f.keyed[flag])
		}
		return strconv.FormatBool(!b), nil
	}
	return *f.keyed[flag], nil
}

// selectScanners builds the analyzers named in the configuration, in the built-in order.
func selectScanners(ctx context.Context, app *App, cfg *config.Config) ([]scan.Analyzer, error) {
	var known []string
	for _, s := range app.Builtins.Scanners {
		known = append(known, s.Name)
	}
	want := cfg.Scan.Scanners
	for _, name := range want {
		if !slices.Contains(known, name) {
			return nil, cfg.FieldError("scan.scanners", errkind.Wrap(errkind.Invalid,
				fmt.Errorf("unknown scanner %q (available: %s)", name, strings.Join(known, ", "))))
		}
	}
	var out []scan.Analyzer
	for _, s := range app.Builtins.Scanners {
		if len(want) > 0 && !slices.Contains(want, s.Name) {
			continue
		}
		a, err := s.New(ctx, cfg)
		if err != nil {
			closeAnalyzers(out)
			return nil, errkind.Wrap(errkind.Invalid, fmt.Errorf("scanner %s: %w", s.Name, err))
		}
		out = append(out, a)
		if err := checkDisabled(ctx, s, cfg); err != nil {
			closeAnalyzers(out)
			return nil, err
		}
	}
	return out, nil
}

// disableLists are the configuration lists of rule IDs a scanner is built without, by scanner,
// for scanners that do not refuse an unknown ID themselves (secret does).
var disableLists = map[string]struct {
	key  string
	list func(*config.Config) *[]string
}{
	"iac": {"iac.disable", func(c *config.Config) *[]string { return &c.IaC.Disable }},
}

// checkDisabled refuses a disabled rule ID the scanner does not have: a typo would leave the
// check running while the user believes it off. The rules the scanner can have are learnt by
// building it once more with nothing disabled, and read from the list the inline directives are
// checked against (knownRules).
func checkDisabled(ctx context.Context, s Scanner, cfg *config.Config) error {
	d, ok := disableLists[s.Name]
	if !ok || len(*d.list(cfg)) == 0 {
		return nil
	}
	full := *cfg
	*d.list(&full) = nil
	a, err := s.New(ctx, &full)
	if err != nil {
		return errkind.Wrap(errkind.Invalid, fmt.Errorf("scanner %s: %w", s.Name, err))
	}
	defer closeAnalyzers([]scan.Analyzer{a})
	known := knownRules([]scan.Analyzer{a})
	for i, id := range *d.list(cfg) {
		if !known.ids[id] {
			return cfg.FieldError(fmt.Sprintf("%s[%d]", d.key, i), errkind.Wrap(errkind.Invalid,
				fmt.Errorf("no %s rule has the ID %q (see palisade scan --scanners %s --list-rules)", s.Name, id, s.Name)))
		}
	}
	return nil
}

func runScan(cmd *cobra.Command, app *App, f *scanFlags, root string) error {
	ctx := cmd.Context()
	if on, _ := strconv.ParseBool(*f.keyed["check-base-update"]); on {
		return errkind.Wrap(errkind.Invalid, errors.New("scan: --check-base-update applies to an image (--image or --rootfs), not to a directory"))
	}
	if f.history.enabled() {
		root = f.history.repoDir(root)
	}
	if st, err := os.Stat(root); err != nil {
		return errkind.Wrap(errkind.Invalid, fmt.Errorf("scan %s: %w", root, err))
	} else if !st.IsDir() {
		return errkind.Wrap(errkind.Invalid, fmt.Errorf("scan %s: not a directory", root))
	}
	cfg, confined, err := loadScanConfig(cmd, f, root)
	if err != nil {
		return err
	}
	analyzers, err := selectScanners(ctx, app, cfg)
	if err != nil {
		return err
	}
	defer closeAnalyzers(analyzers)
	if f.listRules {
		return listRules(cmd.OutOrStdout(), analyzers)
	}

	opts := scan.Options{
		Analyzers:      analyzers,
		NoGitignore:    !cfg.Scan.Gitignore,
		NoDefaultSkips: !cfg.Scan.DefaultSkips,
		Exclude:        cfg.Scan.Exclude,
		MaxFileSize:    int64(cfg.Scan.MaxFileSize),
	}
	if !f.noProgress && report.IsTerminal(app.Stderr) && !writesJSONToStdout(cfg) {
		opts.Progress = newProgressBar(app.Stderr)
	}

	var run *report.Run
	if f.history.enabled() {
		run, err = f.history.scan(ctx, root, opts)
	} else {
		run, err = scan.Dir(ctx, root, opts)
	}
	if err != nil {
		return err // the engine's error already names the operation and the target
	}
	run.Tool = report.Tool{Name: "palisade", Version: app.Version, URI: "https://github.com/palisade-sec/palisade"}
	run.Target = root

	// Ignore-file entries are checked against the rules only when every scanner ran: with
	// --scanners secret, an entry for an IaC check is not unknown, only not in this run.
	complete := len(analyzers) == len(app.Builtins.Scanners)
	if err := applySuppressions(ctx, cfg, f, root, run, knownRules(analyzers), complete); err != nil {
		return err
	}
	markProblems(cfg, run)
	if err := writeReports(app, cfg, f, run, confined); err != nil {
		return err
	}
	return gate(cfg, run)
}

// applySuppressions runs the three suppression layers over run.Findings and adds what they
// report (directives without a reason, expired entries) to run.Problems.
func applySuppressions(ctx context.Context, cfg *config.Config, f *scanFlags, root string, run *report.Run, known ruleSet, complete bool) error {
	return applySuppressionsFrom(ctx, cfg, f, root, run, known, complete, false)
}

// applySuppressionsFrom is applySuppressions, with noInline set for a scan whose findings are
// not in files under root (an image's): their palisade:ignore comments are not read.
func applySuppressionsFrom(ctx context.Context, cfg *config.Config, f *scanFlags, root string, run *report.Run, known ruleSet, complete, noInline bool) error {
	rootDir, err := os.OpenRoot(root)
	if err != nil {
		return fmt.Errorf("open %s: %w", root, err)
	}
	defer rootDir.Close()
	opts, err := suppress.Load(suppress.Sources{
		Root:               rootDir.FS(),
		ReadAt:             f.history.readAt(ctx, root),
		NoInline:           noInline,
		IgnoreFile:         cfg.Scan.IgnoreFile,
		IgnoreFileRequired: cfg.Origin("scan.ignore-file").Kind != config.FromDefault,
		Baseline:           cfg.Scan.Baseline,
	}, time.Now())
	if isEscape(err) {
		return errkind.Wrap(errkind.Invalid, fmt.Errorf("read ignore file: %s leads outside the scanned directory (a symbolic link?), so it was not read", cfg.Scan.IgnoreFile))
	}
	if err != nil {
		return errkind.Wrap(errkind.Invalid, err)
	}
	opts.KnownRules = known.ids
	opts.KnownRulesComplete = complete
	opts.Gosec = known.gosec
	findings, problems, err := suppress.Apply(ctx, run.Findings, opts)
	if err != nil {
		return err
	}
	run.Findings = findings
	run.Problems = append(run.Problems, problems...)
	return nil
}

// writesJSONToStdout reports whether a machine format goes to stdout, where a progress bar on
// stderr is still fine but chatter is not.
func writesJSONToStdout(cfg *config.Config) bool {
	for _, o := range cfg.Scan.Formats {
		if o.Output == "" && o.Format != "table" {
			return true
		}
	}
	return false
}

// writeReports writes every configured report. When every format goes to a file, the table is
// also written to stdout, so a pipeline log still shows what was found.
func writeReports(app *App, cfg *config.Config, f *scanFlags, run *report.Run, confined *confinement) error {
	outputs := cfg.Scan.Formats
	stdoutTaken := false
	for _, o := range outputs {
		if o.Output == "" {
			stdoutTaken = true
		}
	}
	if !stdoutTaken {
		outputs = append(outputs, config.Output{Format: "table"})
	}
	group, err := report.ParseGrouping(f.groupBy)
	if err != nil {
		return errkind.Wrap(errkind.Invalid, fmt.Errorf("--group-by: %w", err))
	}
	for i, o := range outputs {
		ropts := report.Options{GroupBy: group, FailOn: cfg.Scan.FailOn}
		var w io.Writer = app.Stdout
		if o.Output == "" {
			ropts.Color = !f.noColor && os.Getenv("NO_COLOR") == "" && report.IsTerminal(app.Stdout)
		}
		wr, err := report.New(o.Format, ropts)
		if err != nil {
			return errkind.Wrap(errkind.Invalid, err)
		}
		if o.Output == "" {
			if err := wr.Write(w, run); err != nil {
				return fmt.Errorf("write %s report: %w", o.Format, err)
			}
			continue
		}
		write := func(w io.Writer) error { return wr.Write(w, run) }
		if confined != nil && confined.outputs[i] {
			err = writeInRoot(confined.root, o.Output, write)
		} else {
			err = atomicfile.Write(o.Output, 0o644, write)
		}
		if err != nil {
			return fmt.Errorf("write %s report: %w", o.Format, err)
		}
	}
	return nil
}

// closeAnalyzers releases what analyzers hold open (the vulnerability database's files).
func closeAnalyzers(analyzers []scan.Analyzer) {
	for _, a := range analyzers {
		if c, ok := a.(io.Closer); ok {
			c.Close()
		}
	}
}

// knownRules are the rule IDs the selected analyzers list, for spotting inline directives that
// name a rule nothing in the run has.
// ruleSet is what the analyzers that ran say of their rules: the IDs, and which rules answer to
// each gosec rule ID (from "gosec:G401" tags), so a `#nosec G401` suppresses what it was written for.
type ruleSet struct {
	ids   map[string]bool
	gosec map[string][]string
}

func knownRules(analyzers []scan.Analyzer) ruleSet {
	known := ruleSet{ids: map[string]bool{}, gosec: map[string][]string{}}
	for _, a := range analyzers {
		if rl, ok := a.(scan.RuleLister); ok {
			for _, r := range rl.Rules() {
				known.ids[r.ID] = true
				for _, tag := range r.Tags {
					if g, ok := strings.CutPrefix(tag, "gosec:"); ok {
						known.gosec[g] = append(known.gosec[g], r.ID)
					}
				}
			}
		}
	}
	return known
}

func listRules(w io.Writer, analyzers []scan.Analyzer) error {
	for _, a := range analyzers {
		rl, ok := a.(scan.RuleLister)
		if !ok {
			continue
		}
		for _, r := range rl.Rules() {
			if _, err := fmt.Fprintf(w, "%-8s %-45s %-8s %s\n", a.Name(), r.ID, r.Severity, r.Title); err != nil {
				return err
			}
		}
	}
	return nil
}
