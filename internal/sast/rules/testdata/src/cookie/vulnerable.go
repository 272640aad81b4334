package cookie

import "net/http"

func Login(w http.ResponseWriter, id string) {
	http.SetCookie(w, &http.Cookie{Name: "session", Value: id, HttpOnly: true}) // want "go-cookie-insecure"
}

func Remember(w http.ResponseWriter, id string) {
	c := &http.Cookie{Name: "remember", Value: id} // want "go-cookie-insecure"
	c.Secure = true
	http.SetCookie(w, c)
}
