package report

import "io"

// Writer renders a Run in one format.
type Writer interface {
	Write(w io.Writer, r *Run) error
}

// WriterFunc adapts a function to Writer.
type WriterFunc func(w io.Writer, r *Run) error

// Write calls f.
func (f WriterFunc) Write(w io.Writer, r *Run) error { return f(w, r) }
