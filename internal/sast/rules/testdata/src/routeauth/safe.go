package routeauth

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/gorilla/mux"
)

func RoutesSafe(mux *http.ServeMux) {
	mux.Handle("/profile", requireAuth(http.HandlerFunc(profile)))
	mux.Handle("/orders", requireAuth(http.HandlerFunc(orders)))
	mux.HandleFunc("/settings", settings)
	mux.HandleFunc("/login", login)
	mux.Handle("/export", requireAuth(http.HandlerFunc(exportAll)))       // ok "go-route-missing-auth"
	mux.Handle("/sessions", requireAuth(http.HandlerFunc(handleSession))) // ok "go-route-missing-auth"
}

func ChiRoutesSafe() http.Handler {
	r := chi.NewRouter()
	r.Get("/login", login)
	r.Group(func(r chi.Router) {
		r.Use(requireAuth)
		r.Get("/profile", profile)
		r.Get("/orders", orders)
	})
	r.With(requireAuth).Get("/export", exportAll) // ok "go-route-missing-auth"
	return r
}

// PublicRoutes has no authentication at all: nothing sets the expectation one route breaks.
func PublicRoutes(mux *http.ServeMux) {
	mux.HandleFunc("/docs", profile)
	mux.HandleFunc("/export", exportAll) // ok "go-route-missing-auth"
}

func GorillaRoutesSafe() http.Handler {
	r := mux.NewRouter()
	api := r.PathPrefix("/api").Subrouter()
	api.Use(requireAuth)
	api.HandleFunc("/profile", profile)
	api.HandleFunc("/orders", orders)
	api.HandleFunc("/export", exportAll) // ok "go-route-missing-auth"
	r.HandleFunc("/healthz", login)      // ok "go-route-missing-auth"
	return r
}
