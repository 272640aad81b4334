package cli

import (
	"io"
	"os"

	"github.com/palisade-sec/palisade/internal/progress"
	"github.com/palisade-sec/palisade/internal/scan"
)

// newProgressBar returns the terminal progress display for long scans, or nil when w is not a
// terminal, so pipes and CI logs stay clean.
func newProgressBar(w io.Writer) scan.Progress {
	f, ok := w.(*os.File)
	if !ok {
		return nil
	}
	if bar := progress.ForTerminal(f, "scanning"); bar != nil {
		return bar
	}
	return nil
}
