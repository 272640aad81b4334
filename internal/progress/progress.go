// Package progress draws a progress bar on a terminal for long jobs (a scan of a large tree, the
// history of a big repository). Domain packages never draw anything: they accept a small
// Progress interface of their own, and the CLI hands them a Bar only when stderr is a terminal,
// so pipes, CI logs and JSON output stay clean.
package progress

import (
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// Bar is a terminal progress bar. Its methods do nothing on a nil *Bar, so a caller can pass the
// result of ForTerminal along without checking it.
type Bar struct {
	w    io.Writer
	desc string
	bar  *progressbar.ProgressBar
}

// New returns a Bar that draws on w with a short description ("scanning files").
func New(w io.Writer, description string) *Bar {
	return &Bar{w: w, desc: description}
}

// ForTerminal returns a Bar drawing on f when f is a terminal, and nil otherwise.
func ForTerminal(f *os.File, description string) *Bar {
	if !IsTerminal(f) {
		return nil
	}
	return New(f, description)
}

// IsTerminal reports whether f is a terminal.
func IsTerminal(f *os.File) bool {
	return f != nil && term.IsTerminal(int(f.Fd()))
}

// Start begins a bar for total units of work; a negative total draws a spinner instead.
func (b *Bar) Start(total int) {
	if b == nil {
		return
	}
	b.bar = progressbar.NewOptions(total,
		progressbar.OptionSetWriter(b.w),
		progressbar.OptionSetDescription(b.desc),
		progressbar.OptionShowCount(),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionClearOnFinish(),
	)
}

// Add records n more units done.
func (b *Bar) Add(n int) {
	if b == nil || b.bar == nil {
		return
	}
	_ = b.bar.Add(n) // drawing on a closed terminal is not worth failing a scan for
}

// Done finishes the bar and clears it from the terminal.
func (b *Bar) Done() {
	if b == nil || b.bar == nil {
		return
	}
	_ = b.bar.Finish()
}
