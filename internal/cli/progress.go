package cli

import (
	"io"

	"github.com/palisade-sec/palisade/internal/scan"
)

// newProgressBar returns the terminal progress display for long scans; the caller has checked
// that w is a terminal.
func newProgressBar(w io.Writer) scan.Progress { return nil }
