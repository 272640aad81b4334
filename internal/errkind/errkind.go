// Package errkind classifies errors into the few kinds a caller acts on differently, so the CLI can
// map them to exit codes and servers to HTTP statuses without string matching.
package errkind

import "errors"

// Kind is the class of an error.
type Kind int

// The kinds. Other is the zero value: an error nobody classified is treated as a tool failure.
const (
	Other       Kind = iota
	Invalid          // bad input from the user: flags, config, policy, a file that does not parse
	NotFound         // a named file, rule, key or record does not exist
	Denied           // an authentication or authorization decision refused the operation
	Unavailable      // a dependency (network service, database) could not be reached
)

// kinds is the one table that says what each kind means outside the process. Every kind exits 2:
// an error means Palisade could not do its job, and a pipeline must not pass on any of them (exit 1
// is reserved for a gate that found something). The HTTP status is what a server answers when a
// request fails with an error of that kind (written as numbers so this package, imported almost
// everywhere, does not pull in net/http).
var kinds = [...]struct {
	name   string
	exit   int
	status int
}{
	Other:       {"error", 2, 500},
	Invalid:     {"invalid", 2, 400},
	NotFound:    {"not found", 2, 404},
	Denied:      {"denied", 2, 403},
	Unavailable: {"unavailable", 2, 503},
}

func (k Kind) entry() int {
	if k < 0 || int(k) >= len(kinds) {
		return int(Other)
	}
	return int(k)
}

// String names the kind.
func (k Kind) String() string { return kinds[k.entry()].name }

// ExitCode is the process exit code of a command that failed with an error of this kind.
func (k Kind) ExitCode() int { return kinds[k.entry()].exit }

// HTTPStatus is the status a server answers with when a request fails with an error of this kind.
func (k Kind) HTTPStatus() int { return kinds[k.entry()].status }

// Error wraps an error with a kind.
type Error struct {
	Kind Kind
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Wrap attaches kind to err; it returns nil when err is nil.
func Wrap(kind Kind, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Kind: kind, Err: err}
}

// Of returns the kind of the outermost classified error in err's chain, or Other.
func Of(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Other
}
