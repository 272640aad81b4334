package twins

import (
	"fmt"
	"html"
	"html/template"
	"net/http"
	"net/url"
	ttemplate "text/template"
)

var page = template.Must(template.New("p").Parse(`<p>Hello {{.}}</p>`))

// WebSafe: host allow-list, relative redirect, escaping, html/template, input as template data.
func WebSafe(w http.ResponseWriter, r *http.Request) {
	u, err := url.Parse(r.FormValue("url"))
	if err != nil || u.Host != "api.example.com" {
		return
	}
	http.Get(u.String())                                                      // ok "go-ssrf"
	http.Redirect(w, r, "/home", http.StatusFound)                            // ok "go-open-redirect"
	fmt.Fprintf(w, "<p>Hello %s</p>", html.EscapeString(r.FormValue("name"))) // ok "go-xss"
	page.Execute(w, r.FormValue("name"))                                      // ok "go-xss"
	msg := template.HTML(template.HTMLEscapeString(r.FormValue("msg")))       // ok "go-xss"
	_ = msg
	t, _ := ttemplate.New("x").Parse("Hello {{.}}") // ok "go-template-injection"
	t.Execute(new(discard), r.FormValue("tpl"))     // ok "go-xss"
}

// PlainText echoes input as text/plain, which no browser renders as HTML.
func PlainText(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "unknown name %s", r.FormValue("name")) // ok "go-xss"
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
