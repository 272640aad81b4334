package cookie

import "net/http"

func LoginSafe(w http.ResponseWriter, id string) {
	http.SetCookie(w, &http.Cookie{Name: "session", Value: id, HttpOnly: true, Secure: true}) // ok "go-cookie-insecure"
}

func RememberSafe(w http.ResponseWriter, id string) {
	c := &http.Cookie{Name: "remember", Value: id} // ok "go-cookie-insecure"
	c.Secure = true
	c.HttpOnly = true
	http.SetCookie(w, c)
}
