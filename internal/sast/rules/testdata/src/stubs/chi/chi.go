// Package chi is a stub of github.com/go-chi/chi/v5's routing API, for the rules' twins.
package chi

import "net/http"

// Router is chi's router interface.
type Router interface {
	http.Handler
	Use(middlewares ...func(http.Handler) http.Handler)
	With(middlewares ...func(http.Handler) http.Handler) Router
	Group(fn func(r Router)) Router
	Get(pattern string, h http.HandlerFunc)
	Post(pattern string, h http.HandlerFunc)
	Handle(pattern string, h http.Handler)
	Method(method, pattern string, h http.Handler)
}

// NewRouter returns a Router.
func NewRouter() Router { return nil }
