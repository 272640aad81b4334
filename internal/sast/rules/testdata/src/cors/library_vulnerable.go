package cors

import (
	"net/http"

	"github.com/rs/cors"
)

func Library(h http.Handler) http.Handler {
	return cors.New(cors.Options{
		AllowedOrigins:   []string{"*"}, // want "go-cors-permissive"
		AllowCredentials: true,
	}).Handler(h)
}

func LibraryFunc(h http.Handler) http.Handler {
	return cors.New(cors.Options{
		AllowOriginFunc:  func(string) bool { return true }, // want "go-cors-permissive"
		AllowCredentials: true,
	}).Handler(h)
}
