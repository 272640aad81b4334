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

func (k Kind) String() string {
	switch k {
	case Invalid:
		return "invalid"
	case NotFound:
		return "not found"
	case Denied:
		return "denied"
	case Unavailable:
		return "unavailable"
	}
	return "error"
}

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
