package cors

import (
	"net/http"

	"github.com/rs/cors"
)

func LibrarySafe(h http.Handler) http.Handler {
	return cors.New(cors.Options{
		AllowedOrigins:   []string{"https://app.example.com"}, // ok "go-cors-permissive"
		AllowCredentials: true,
	}).Handler(h)
}

// LibraryPublic serves public data to every origin, without credentials.
func LibraryPublic(h http.Handler) http.Handler {
	return cors.New(cors.Options{
		AllowedOrigins: []string{"*"}, // ok "go-cors-permissive"
	}).Handler(h)
}
