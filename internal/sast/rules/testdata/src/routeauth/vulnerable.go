package routeauth

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/gorilla/mux"
)

func requireAuth(next http.Handler) http.Handler { return next }

func checkSession(r *http.Request) bool { return r.Header.Get("Cookie") != "" }

func profile(w http.ResponseWriter, r *http.Request)       {}
func orders(w http.ResponseWriter, r *http.Request)        {}
func exportAll(w http.ResponseWriter, r *http.Request)     {}
func handleSession(w http.ResponseWriter, r *http.Request) {}
func login(w http.ResponseWriter, r *http.Request)         {}

func settings(w http.ResponseWriter, r *http.Request) {
	if !checkSession(r) {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
	}
}

func Routes(mux *http.ServeMux) {
	mux.Handle("/profile", requireAuth(http.HandlerFunc(profile)))
	mux.Handle("/orders", requireAuth(http.HandlerFunc(orders)))
	mux.HandleFunc("/settings", settings)
	mux.HandleFunc("/login", login)
	mux.HandleFunc("/export", exportAll) // want "go-route-missing-auth"
	// A handler named after sessions is not a session check.
	mux.HandleFunc("/sessions", handleSession) // want "go-route-missing-auth"
}

func ChiRoutes() http.Handler {
	r := chi.NewRouter()
	r.Get("/login", login)
	r.Group(func(r chi.Router) {
		r.Use(requireAuth)
		r.Get("/profile", profile)
		r.Get("/orders", orders)
	})
	r.Get("/export", exportAll) // want "go-route-missing-auth"
	return r
}

func GorillaRoutes() http.Handler {
	r := mux.NewRouter()
	api := r.PathPrefix("/api").Subrouter()
	api.Use(requireAuth)
	api.HandleFunc("/profile", profile)
	api.HandleFunc("/orders", orders)
	r.HandleFunc("/api/export", exportAll) // want "go-route-missing-auth"
	return r
}

// Handler checks inside the handler literal count as protection too.
func InlineRoutes(mux *http.ServeMux) {
	mux.HandleFunc("/a", func(w http.ResponseWriter, r *http.Request) {
		if !checkSession(r) {
			return
		}
	})
	mux.HandleFunc("/b", func(w http.ResponseWriter, r *http.Request) {
		if !checkSession(r) {
			return
		}
	})
	mux.HandleFunc("/c", func(w http.ResponseWriter, r *http.Request) {}) // want "go-route-missing-auth"
}
