package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/palisade-sec/palisade/internal/atomicfile"
	"github.com/palisade-sec/palisade/internal/config"
	"github.com/palisade-sec/palisade/internal/errkind"
)

// A scanned repository is untrusted input, and so is the palisade.yaml it carries: it may steer
// its own scan, but it may not reach outside its own tree. Every path the repository's
// configuration names — reports to write, the ignore file, the baseline, policies, Helm values —
// must be a relative path that stays inside the scanned directory, with no ".." and no symbolic
// link leading out (resolved with os.Root), or the scan refuses to start. It also may not choose
// the vulnerability database that judges it. Only flags, the environment and a configuration
// the user names with --config may name other places.

// confinement is what confineRepoConfig decided: which outputs must be written through the root.
type confinement struct {
	root    string
	outputs map[int]bool // indexes into cfg.Scan.Formats
}

// fromRepo reports whether field's value came from the repository's own configuration file.
func fromRepo(cfg *config.Config, field, repoFile string) bool {
	o := cfg.Origin(field)
	return repoFile != "" && o.Kind == config.FromFile && o.File == repoFile
}

// confineRepoConfig checks every path the repository's palisade.yaml (repoFile, "" when the
// configuration came from elsewhere) names, and rewrites the paths that other packages read
// relative to the working directory so they are read inside the root instead.
func confineRepoConfig(cfg *config.Config, root, repoFile string) (*confinement, error) {
	c := &confinement{root: root, outputs: map[int]bool{}}
	if repoFile == "" {
		return c, nil
	}
	r, err := os.OpenRoot(root)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", root, err)
	}
	defer r.Close()

	if fromRepo(cfg, "deps.db-dir", repoFile) {
		return nil, refuse(cfg, "deps.db-dir", errors.New("a repository's palisade.yaml may not choose the vulnerability database that checks it; use --db-dir, PALISADE_DB_DIR or --config"))
	}
	for i, o := range cfg.Scan.Formats {
		field := fmt.Sprintf("scan.formats[%d]", i)
		if o.Output == "" || !fromRepo(cfg, field, repoFile) {
			continue
		}
		if err := checkLocal(r, o.Output, false); err != nil {
			return nil, refuse(cfg, field, err)
		}
		if err := checkOutsideGit(r, o.Output); err != nil {
			return nil, refuse(cfg, field, err)
		}
		c.outputs[i] = true
	}
	if cfg.Scan.IgnoreFile != "" && fromRepo(cfg, "scan.ignore-file", repoFile) {
		// Read through the root by suppress.Load; checked here for a clear message. Named in the
		// file, it is required, so it must exist.
		if err := checkLocal(r, cfg.Scan.IgnoreFile, true); err != nil {
			return nil, refuse(cfg, "scan.ignore-file", err)
		}
	}
	if cfg.Scan.Baseline != "" && fromRepo(cfg, "scan.baseline", repoFile) {
		if err := checkLocal(r, cfg.Scan.Baseline, true); err != nil {
			return nil, refuse(cfg, "scan.baseline", err)
		}
		cfg.Scan.Baseline = filepath.Join(root, cfg.Scan.Baseline)
	}
	for key, list := range map[string][]string{
		"iac.policies": cfg.IaC.Policies, "iac.rego": cfg.IaC.Rego, "iac.helm-values": cfg.IaC.HelmValues,
	} {
		for i, p := range list {
			field := fmt.Sprintf("%s[%d]", key, i)
			if !fromRepo(cfg, field, repoFile) {
				continue
			}
			if err := checkLocal(r, p, true); err != nil {
				return nil, refuse(cfg, field, err)
			}
			list[i] = filepath.Join(root, p)
		}
	}
	return c, nil
}

// checkOutsideGit refuses a report path inside a .git directory, the repository's own or a nested
// one, named or reached through a symbolic link: git's own files steer the tools that run after
// the scan (hooks, core.fsmonitor). checkLocal must have passed.
func checkOutsideGit(r *os.Root, name string) error {
	dir := ""
	for part := range strings.SplitSeq(filepath.ToSlash(filepath.Clean(name)), "/") {
		if strings.EqualFold(part, ".git") {
			return fmt.Errorf("%q is inside .git: a report may not replace git's own files", name)
		}
		if dir == "" {
			dir = part
		} else {
			dir = path.Join(dir, part)
		}
		if dir == filepath.ToSlash(filepath.Clean(name)) {
			break
		}
		if fi, err := r.Lstat(dir); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
			return fmt.Errorf("%q passes through the symbolic link %s: a repository's palisade.yaml may not write reports through links", name, dir)
		}
	}
	return nil
}

func refuse(cfg *config.Config, field string, err error) error {
	return errkind.Wrap(errkind.Invalid, cfg.FieldError(field, err))
}

// checkLocal checks that name is a local path that resolves inside r: for an input (mustExist),
// the file or directory itself and, for a directory, every entry in it; for an output, its
// directory (the file is then written through r). The outside file is never read, so nothing of
// it can appear in an error.
func checkLocal(r *os.Root, name string, mustExist bool) error {
	outside := fmt.Errorf("%q is outside the scanned directory: a repository's palisade.yaml may name only paths inside it (name other places with a flag or --config)", name)
	if !filepath.IsLocal(name) || strings.ContainsRune(name, '\\') && filepath.Separator == '/' {
		return outside
	}
	target := name
	if !mustExist {
		target = filepath.Dir(name)
	}
	fi, err := r.Stat(target)
	switch {
	case err != nil && isEscape(err):
		return outside
	case err != nil && !mustExist && errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%q: directory %s does not exist in the scanned directory", name, filepath.Dir(name))
	case err != nil:
		return fmt.Errorf("%q: %w", name, unwrapPath(err))
	}
	if !mustExist {
		if lfi, err := r.Lstat(name); err == nil && !lfi.Mode().IsRegular() && lfi.Mode()&fs.ModeSymlink == 0 {
			return fmt.Errorf("%q exists and is not a regular file", name)
		}
		return nil
	}
	if !fi.IsDir() {
		return checkRegular(name, fi)
	}
	entries, err := fs.ReadDir(r.FS(), filepath.ToSlash(name))
	if err != nil {
		return fmt.Errorf("%q: %w", name, unwrapPath(err))
	}
	for _, e := range entries {
		efi, err := r.Stat(path.Join(filepath.ToSlash(name), e.Name()))
		if err != nil && isEscape(err) {
			return fmt.Errorf("%q holds %s, a link that leads outside the scanned directory", name, e.Name())
		}
		if err == nil && !efi.IsDir() {
			if err := checkRegular(path.Join(name, e.Name()), efi); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkRegular refuses an input that is not a regular file: a named pipe planted in the
// repository would block the scan that opens it, waiting for a writer that never comes.
func checkRegular(name string, fi fs.FileInfo) error {
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%q is not a regular file (a named pipe, device or socket): a repository's palisade.yaml may name only files and directories", name)
	}
	return nil
}

// isEscape reports whether an os.Root error says the path left the root (through "..", an
// absolute symbolic link, or a link out).
func isEscape(err error) bool {
	return err != nil && strings.Contains(err.Error(), "path escapes from parent")
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// writeInRoot writes name inside r atomically (a temporary file renamed into place), so a
// report the repository's configuration names cannot be written outside the repository, even
// through a symbolic link planted where the report goes.
func writeInRoot(root, name string, write func(io.Writer) error) error {
	r, err := os.OpenRoot(root)
	if err != nil {
		return err
	}
	defer r.Close()
	return atomicfile.WriteIn(r, name, 0o644, write)
}
