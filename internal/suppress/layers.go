package suppress

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"time"
)

// Sources names where a scan's suppression layers come from, as configuration gives them.
type Sources struct {
	// Root is the scan root (os.Root.FS in production): directives are read from it, and so is a
	// relative ignore file, which therefore cannot resolve outside it.
	Root fs.FS
	// ReadAt reads a file as of a commit for findings from history; nil falls back to snippets.
	ReadAt ReadAtFunc
	// NoInline turns the inline layer off.
	NoInline bool
	// IgnoreFile is the ignore file, relative to Root or absolute; empty means none.
	IgnoreFile string
	// IgnoreFileRequired makes a missing ignore file an error. Set it when the user named the
	// file; leave it false for the default name, which most repositories do not have.
	IgnoreFileRequired bool
	// Baseline is the previous report's path; empty means none.
	Baseline string
}

// Load reads the layers named by src and returns the Options for Apply, with now as the clock
// that decides expiry. Any file that is named but unreadable or invalid is an error: a scan whose
// suppressions could not be loaded must not run as if there were none.
func Load(src Sources, now time.Time) (Options, error) {
	opts := Options{Now: now}
	if !src.NoInline && src.Root != nil {
		opts.Lines = FileLines(FSReader(src.Root), src.ReadAt)
	}
	if src.IgnoreFile != "" {
		var err error
		if filepath.IsAbs(src.IgnoreFile) || src.Root == nil {
			opts.Ignore, err = ReadIgnoreFile(src.IgnoreFile)
		} else {
			opts.Ignore, err = ReadIgnoreFileFS(src.Root, filepath.ToSlash(src.IgnoreFile))
		}
		switch {
		case errors.Is(err, fs.ErrNotExist) && !src.IgnoreFileRequired:
			opts.Ignore = nil
		case err != nil:
			return Options{}, err
		}
	}
	if src.Baseline != "" {
		b, err := ReadBaselineFile(src.Baseline)
		if err != nil {
			return Options{}, err
		}
		opts.Baseline = b
	}
	if opts.Ignore != nil && now.IsZero() {
		return Options{}, fmt.Errorf("load suppressions: %w", ErrNoClock)
	}
	return opts, nil
}
