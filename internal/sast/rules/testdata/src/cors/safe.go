package cors

import "net/http"

// WildcardSafe serves public data: * without credentials is what CORS is for.
func WildcardSafe(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*") // ok "go-cors-permissive"
}

var allowed = map[string]bool{"https://app.example.com": true}

func ReflectSafe(w http.ResponseWriter, r *http.Request) {
	origin := r.Header.Get("Origin")
	if allowed[origin] {
		w.Header().Set("Access-Control-Allow-Origin", origin) // ok "go-cors-permissive"
		w.Header().Set("Access-Control-Allow-Credentials", "true")
	}
}

var PreflightSafe = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	if origin := r.Header.Get("Origin"); allowed[origin] {
		w.Header().Set("Access-Control-Allow-Origin", origin) // ok "go-cors-permissive"
	}
})
