package report

import "io"

// Writer renders a Run in one format.
type Writer interface {
	Write(w io.Writer, r *Run) error
}
