// Package mux is a stub of github.com/gorilla/mux's routing API, for the rules' twins.
package mux

import "net/http"

// MiddlewareFunc wraps a handler.
type MiddlewareFunc func(http.Handler) http.Handler

// Router routes requests.
type Router struct{}

// Route is one route.
type Route struct{}

// NewRouter returns a Router.
func NewRouter() *Router { return &Router{} }

// ServeHTTP serves.
func (r *Router) ServeHTTP(w http.ResponseWriter, req *http.Request) {}

// Use adds middleware.
func (r *Router) Use(mwf ...MiddlewareFunc) {}

// Handle registers a handler.
func (r *Router) Handle(path string, h http.Handler) *Route { return &Route{} }

// HandleFunc registers a handler function.
func (r *Router) HandleFunc(path string, f func(http.ResponseWriter, *http.Request)) *Route {
	return &Route{}
}

// PathPrefix starts a route by prefix.
func (r *Router) PathPrefix(tpl string) *Route { return &Route{} }

// Subrouter returns a router for the route.
func (r *Route) Subrouter() *Router { return &Router{} }
