package cors

import "net/http"

func Wildcard(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*") // want "go-cors-permissive"
	w.Header().Set("Access-Control-Allow-Credentials", "true")
}

func Reflect(w http.ResponseWriter, r *http.Request) {
	origin := r.Header.Get("Origin")
	w.Header().Set("Access-Control-Allow-Origin", origin) // want "go-cors-permissive"
	w.Header().Set("Access-Control-Allow-Credentials", "true")
}

var Preflight = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", r.Header.Get("Origin")) // want "go-cors-permissive"
})
