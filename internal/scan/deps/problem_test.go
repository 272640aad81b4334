package deps

import (
	"fmt"

	"github.com/palisade-sec/palisade/internal/finding"
)

// problemString renders a problem as path:line: message, for logs of tests and benchmarks.
func problemString(p finding.Problem) string {
	switch {
	case p.Path != "" && p.Line > 0:
		return fmt.Sprintf("%s:%d: %s", p.Path, p.Line, p.Message)
	case p.Path != "":
		return p.Path + ": " + p.Message
	}
	return p.Message
}
