package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/palisade-sec/palisade/internal/atomicfile"
	"github.com/palisade-sec/palisade/internal/errkind"
	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/inventory"
	"github.com/palisade-sec/palisade/internal/sbom"
	"github.com/palisade-sec/palisade/internal/scan"
)

// sbomOptions are the sbom command's flags.
type sbomOptions struct {
	Path   string
	Format string
	Output string
	Image  imageFlags
}

func newSBOMCmd(app *App) *cobra.Command {
	opts := sbomOptions{Path: "."}
	cmd := &cobra.Command{
		Use:   "sbom [PATH]",
		Short: "Write a software bill of materials (CycloneDX or SPDX JSON) for a directory",
		Long: `Find the packages a directory's lockfiles, manifests, Go binaries and SBOMs declare, and write
them as a CycloneDX 1.6 or SPDX 2.3 JSON document with purls, licences, hashes and the dependency
graph. Files that cannot be parsed are reported on stderr; the document lists everything else.

With --image or --rootfs, the packages of a container image instead: each layer is read once, the
files the inventory reads are kept from the final filesystem, and every package names the layer
that put it there (see docs/images.md).

Files read: ` + formatList() + `.`,
		Example: `  palisade sbom . --format cyclonedx --output bom.cdx.json
  palisade sbom ./service --format spdx > service.spdx.json
  palisade sbom --image registry.example.com/team/app:1.4 --platform linux/arm64`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				if opts.Image.set() {
					return errkind.Wrap(errkind.Invalid, errors.New("sbom: give a PATH or an image, not both"))
				}
				opts.Path = args[0]
			}
			return runSBOM(cmd.Context(), app, opts)
		},
	}
	opts.Image.register(cmd.Flags())
	cmd.Flags().StringVarP(&opts.Format, "format", "f", "cyclonedx", "SBOM format: cyclonedx or spdx")
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "", "write the SBOM to this file instead of stdout")
	return cmd
}

func runSBOM(ctx context.Context, app *App, opts sbomOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	format, err := sbom.ParseFormat(opts.Format)
	if err != nil {
		return errkind.Wrap(errkind.Invalid, fmt.Errorf("sbom: %w", err))
	}
	if opts.Image.set() {
		img, err := opts.Image.open(ctx)
		if err != nil {
			return fmt.Errorf("sbom: %w", err)
		}
		defer img.Close()
		pkgs, problems, err := inventoryImage(ctx, img, maxImageExecutable)
		if err != nil {
			return fmt.Errorf("sbom: %w", err)
		}
		return writeSBOM(app, opts, format, imageTarget(img), pkgs, problems)
	}
	abs, err := filepath.Abs(opts.Path)
	if err != nil {
		return errkind.Wrap(errkind.Invalid, fmt.Errorf("sbom: %w", err))
	}
	root, err := os.OpenRoot(abs)
	if err != nil {
		kind := errkind.Invalid
		if errors.Is(err, fs.ErrNotExist) {
			kind = errkind.NotFound
		}
		return errkind.Wrap(kind, fmt.Errorf("sbom: open %s: %w", opts.Path, err))
	}
	defer root.Close()
	// An SBOM written into the tree by an earlier run (or a scan report) describes these same
	// packages: read back, it would list each of them again, once per copy.
	skip := func(p string) bool {
		info, err := fs.Stat(root.FS(), p)
		if err != nil {
			return false // the extractor reads it and reports the error
		}
		why := scan.OwnOutput(root.FS(), p, info.Size(), filepath.Base(abs), scan.DefaultMaxFileSize)
		if why != "" {
			fmt.Fprintf(app.Stderr, "palisade sbom: not read: %s (%s)\n", p, why)
		}
		return why != ""
	}
	pkgs, problems, err := inventory.FromFS(ctx, root.FS(), inventory.Options{GoModCache: goModCache(), MavenRepo: mavenRepo(), Skip: skip})
	if err != nil {
		return fmt.Errorf("sbom: %w", err)
	}
	return writeSBOM(app, opts, format, filepath.Base(abs), pkgs, problems)
}

// writeSBOM reports the problems on stderr and writes the document to stdout or --output.
func writeSBOM(app *App, opts sbomOptions, format sbom.Format, target string, pkgs []inventory.Package, problems []finding.Problem) error {
	for _, p := range problems {
		loc := p.Path
		if p.Line > 0 {
			loc = fmt.Sprintf("%s:%d", p.Path, p.Line)
		}
		fmt.Fprintf(app.Stderr, "palisade sbom: warning: %s: %s\n", loc, p.Message)
	}
	var buf bytes.Buffer
	if err := sbom.Write(&buf, format, pkgs, sbom.Options{Target: target, ToolVersion: app.Version}); err != nil {
		return fmt.Errorf("sbom: %w", err)
	}
	if opts.Output == "" {
		_, err := app.Stdout.Write(buf.Bytes())
		return err
	}
	// Through a temporary file (scan.go's helper), so a failed run never leaves a truncated SBOM.
	write := func(w io.Writer) error { _, err := w.Write(buf.Bytes()); return err }
	if err := atomicfile.Write(opts.Output, 0o644, write); err != nil {
		return fmt.Errorf("sbom: write %s: %w", opts.Output, err)
	}
	return nil
}

// goModCache opens the Go module cache for licence lookups, or returns nil when there is none.
func goModCache() fs.FS {
	dir := os.Getenv("GOMODCACHE")
	if dir == "" {
		gopath := os.Getenv("GOPATH")
		if gopath == "" {
			home, err := os.UserHomeDir()
			if err != nil {
				return nil
			}
			gopath = filepath.Join(home, "go")
		}
		dir = filepath.Join(filepath.SplitList(gopath)[0], "pkg", "mod")
	}
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil
	}
	return r.FS() // kept open for the life of the command
}

// mavenRepo opens the local Maven repository (~/.m2/repository) for licence lookups, or returns
// nil when there is none.
func mavenRepo() fs.FS {
	home, err := os.UserHomeDir()
	if err != nil {
		return nil
	}
	r, err := os.OpenRoot(filepath.Join(home, ".m2", "repository"))
	if err != nil {
		return nil
	}
	return r.FS()
}

// formatList names every file pattern the inventory reads, for the help text.
func formatList() string {
	var names []string
	for _, f := range inventory.Formats() {
		if f.Installed {
			continue // read in an image's file system, not by sbom PATH
		}
		if len(f.Patterns) == 0 {
			names = append(names, f.Name+" (by content)")
		}
		names = append(names, f.Patterns...)
	}
	return strings.Join(names, ", ")
}
