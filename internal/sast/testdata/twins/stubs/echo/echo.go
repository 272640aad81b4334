// Package echo is a stub of the real package's API surface the twins use.
package echo

type Context interface {
	QueryParam(name string) string
	String(code int, s string) error
}
