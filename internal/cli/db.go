package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/palisade-sec/palisade/internal/errkind"
	"github.com/palisade-sec/palisade/internal/progress"
	"github.com/palisade-sec/palisade/internal/vulndb"
)

// The environment variables of the vulnerability database; flags win over them.
const (
	envDBSource = "PALISADE_DB_SOURCE"
)

// parseMaxAge reads a duration, also accepting whole days ("7d").
func parseMaxAge(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n < 0 {
			return 0, errkind.Wrap(errkind.Invalid, fmt.Errorf("--max-age %q: want a duration such as 7d or 36h", s))
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, errkind.Wrap(errkind.Invalid, fmt.Errorf("--max-age %q: want a duration such as 7d or 36h", s))
	}
	return d, nil
}

func newDBCmd(app *App) *cobra.Command {
	var dbDir string
	cmd := &cobra.Command{
		Use:   "db",
		Short: "Download, import and inspect the local OSV vulnerability database",
		Long: `The dependency scanner matches packages against a local copy of the OSV vulnerability data, so
scans work offline and fast. 'db update' fetches it, 'db import' installs it from files on an
air-gapped machine, 'db status' shows what is there and how old it is.

The database lives in --db-dir, else $PALISADE_DB_DIR, else the user cache directory
(palisade/db). Updates are atomic: a failed or interrupted update leaves the database in use intact.`,
	}
	cmd.PersistentFlags().StringVar(&dbDir, "db-dir", "", "database directory (default $PALISADE_DB_DIR or the user cache directory)")
	cmd.AddCommand(newDBUpdateCmd(app, &dbDir), newDBImportCmd(app, &dbDir), newDBStatusCmd(app, &dbDir), newDBShowCmd(app, &dbDir))
	return cmd
}

func newDBUpdateCmd(app *App, dbDir *string) *cobra.Command {
	var source string
	var ecosystems []string
	var allowHTTP bool
	cmd := &cobra.Command{
		Use:   "update",
		Short: "Download the OSV data for the chosen ecosystems and switch to it atomically",
		Example: `  palisade db update
  palisade db update --ecosystems Go,PyPI
  palisade db update --source https://mirror.example.com/osv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir, err := vulndb.ResolveDir(*dbDir, os.Getenv)
			if err != nil {
				return err
			}
			if source == "" {
				source = os.Getenv(envDBSource)
			}
			opts := vulndb.UpdateOptions{Dir: dir, Source: source, Ecosystems: ecosystems, InsecureAllowHTTP: allowHTTP}
			bar := newDownloadBars(app.Stderr)
			if bar != nil {
				opts.Progress = bar.update
			}
			meta, err := vulndb.Update(cmd.Context(), opts)
			bar.finish()
			if err != nil {
				return fmt.Errorf("db update: %w", err)
			}
			return writeStatus(cmd.OutOrStdout(), dir, meta, vulndb.DefaultMaxAge, time.Now())
		},
	}
	cmd.Flags().StringVar(&source, "source", "", "base URL of the OSV export, <source>/<ecosystem>/all.zip (default $PALISADE_DB_SOURCE or "+vulndb.DefaultSource+")")
	cmd.Flags().StringSliceVar(&ecosystems, "ecosystems", nil, "ecosystems to fetch, as OSV spells them (default: "+strings.Join(vulndb.DefaultEcosystems(), ",")+")")
	cmd.Flags().BoolVar(&allowHTTP, "insecure-allow-http", false, "allow a plain-http --source (the data is unsigned: only on a trusted network)")
	return cmd
}

func newDBImportCmd(app *App, dbDir *string) *cobra.Command {
	var ecosystem string
	var ecosystems []string
	cmd := &cobra.Command{
		Use:   "import PATH",
		Short: "Install OSV data from a directory (<ecosystem>/all.zip) or one zip, or Alpine secdb files, without network access",
		Example: `  palisade db import /media/osv            # /media/osv/Go/all.zip, /media/osv/PyPI/all.zip, …
  palisade db import Go-all.zip --ecosystem Go
  palisade db import alpine-secdb/          # alpine-secdb/v3.20/main.yaml, … as ecosystem Alpine`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, err := vulndb.ResolveDir(*dbDir, os.Getenv)
			if err != nil {
				return err
			}
			meta, err := vulndb.Import(cmd.Context(), vulndb.ImportOptions{
				Dir: dir, Path: args[0], Ecosystem: ecosystem, Ecosystems: ecosystems,
			})
			if err != nil {
				return fmt.Errorf("db import: %w", err)
			}
			return writeStatus(cmd.OutOrStdout(), dir, meta, vulndb.DefaultMaxAge, time.Now())
		},
	}
	cmd.Flags().StringVar(&ecosystem, "ecosystem", "", "the ecosystem of PATH when it is a single zip")
	cmd.Flags().StringSliceVar(&ecosystems, "ecosystems", nil, "import only these ecosystems from a directory")
	return cmd
}

func newDBStatusCmd(_ *App, dbDir *string) *cobra.Command {
	var maxAge string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the ecosystems in the database, their sources and how old they are",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir, err := vulndb.ResolveDir(*dbDir, os.Getenv)
			if err != nil {
				return err
			}
			age, err := parseMaxAge(maxAge)
			if err != nil {
				return err
			}
			meta, err := vulndb.ReadMeta(dir)
			if err != nil {
				return fmt.Errorf("db status: %w", err)
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(struct {
					Dir string `json:"dir"`
					vulndb.Meta
				}{dir, meta})
			}
			return writeStatus(cmd.OutOrStdout(), dir, meta, age, time.Now())
		},
	}
	cmd.Flags().StringVar(&maxAge, "max-age", "7d", "warn when the oldest ecosystem is older than this")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the metadata as JSON")
	return cmd
}

func newDBShowCmd(_ *App, dbDir *string) *cobra.Command {
	return &cobra.Command{
		Use:     "show ECOSYSTEM ID",
		Short:   "Print one advisory's OSV JSON from the local database",
		Example: "  palisade db show Go GO-2024-2687\n  palisade db show PyPI PYSEC-2023-74",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, err := vulndb.ResolveDir(*dbDir, os.Getenv)
			if err != nil {
				return err
			}
			db, err := vulndb.Open(dir)
			if err != nil {
				return fmt.Errorf("db show: %w", err)
			}
			defer db.Close()
			raw, err := db.Raw(cmd.Context(), args[0], args[1])
			if errors.Is(err, fs.ErrNotExist) {
				return errkind.Wrap(errkind.NotFound, fmt.Errorf("db show: %w", err))
			}
			if err != nil {
				return fmt.Errorf("db show: %w", err)
			}
			_, err = cmd.OutOrStdout().Write(append(bytes.TrimRight(raw, "\n"), '\n'))
			return err
		},
	}
}

func writeStatus(w io.Writer, dir string, meta vulndb.Meta, maxAge time.Duration, now time.Time) error {
	fmt.Fprintf(w, "database %s (built %s)\n", dir, meta.Built.Format(time.RFC3339))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ECOSYSTEM\tADVISORIES\tWITHDRAWN\tPACKAGES\tFETCHED\tAGE\tSOURCE")
	for _, eco := range meta.EcosystemNames() {
		e := meta.Ecosystems[eco]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\t%s\n", eco, e.Advisories, e.Withdrawn, e.Packages,
			e.Fetched.Format(time.RFC3339), humanAge(now.Sub(e.Fetched)), e.Source)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if oldest := meta.Oldest(); !oldest.IsZero() && now.Sub(oldest) > maxAge {
		fmt.Fprintf(w, "warning: the database is %s old (more than %s): run 'palisade db update'\n", exactAge(now.Sub(oldest)), exactAge(maxAge))
	}
	return nil
}

// exactAge writes a duration in its two largest units, whole days first ("3d4h", "1h30m", "45s"),
// so a limit and an age compare at a glance whatever their size; humanAge's "just now" would
// read "just now old (more than just now)".
func exactAge(d time.Duration) string {
	d = d.Round(time.Second)
	if d < 0 {
		return "-" + exactAge(-d)
	}
	units := []struct {
		size time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}}
	for i, u := range units {
		if d < u.size && u.size != time.Second {
			continue
		}
		s := fmt.Sprintf("%d%s", d/u.size, u.name)
		if rest := d % u.size; i+1 < len(units) && rest >= units[i+1].size {
			s += fmt.Sprintf("%d%s", rest/units[i+1].size, units[i+1].name)
		}
		return s
	}
	return "0s"
}

// humanAge is the AGE column: coarse, one unit.
func humanAge(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%dd", int(d.Hours()/24))
	case d >= time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	case d >= time.Minute:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	}
	return "just now"
}

// downloadBars adapts vulndb.Progress to one terminal bar per ecosystem; it is nil (and silent)
// when stderr is not a terminal.
type downloadBars struct {
	f    *os.File
	eco  string
	done int64
	bar  *progress.Bar
}

func newDownloadBars(w io.Writer) *downloadBars {
	f, ok := w.(*os.File)
	if !ok || !progress.IsTerminal(f) {
		return nil
	}
	return &downloadBars{f: f}
}

func (d *downloadBars) update(eco string, done, total int64) {
	if eco != d.eco {
		d.bar.Done()
		d.eco, d.done = eco, 0
		d.bar = progress.New(d.f, "downloading "+eco)
		d.bar.Start(int(total))
	}
	d.bar.Add(int(done - d.done))
	d.done = done
}

func (d *downloadBars) finish() {
	if d != nil {
		d.bar.Done()
	}
}
