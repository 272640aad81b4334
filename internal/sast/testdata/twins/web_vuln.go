package twins

import (
	"fmt"
	"html/template"
	"net/http"
	ttemplate "text/template"
)

// WebVuln: SSRF, open redirect, XSS three ways, template injection.
func WebVuln(w http.ResponseWriter, r *http.Request) {
	target := r.FormValue("url")
	http.Get(target)                                                 // want "go-ssrf"
	http.Redirect(w, r, r.URL.Query().Get("next"), http.StatusFound) // want "go-open-redirect"
	fmt.Fprintf(w, "<p>Hello %s</p>", r.FormValue("name"))           // want "go-xss"
	msg := template.HTML(r.FormValue("msg"))                         // want "go-xss"
	_ = msg
	w.Write([]byte(r.Header.Get("Referer")))     // want "go-xss"
	ttemplate.New("x").Parse(r.FormValue("tpl")) // want "go-template-injection"
}
