// Package sessions is a stub of the real package's API surface the twins use.
package sessions

type Session struct {
	Values map[any]any
}
