package twins

import (
	"compress/gzip"
	"io"
	"log"
	"net/http"
	"os"

	"github.com/antchfx/xpath"
	"github.com/go-ldap/ldap/v3"
	"github.com/gorilla/sessions"
)

// MiscVuln: log, LDAP and XPath injection, trust boundary, unbounded read and decompression.
func MiscVuln(w http.ResponseWriter, r *http.Request, conn *ldap.Conn, s *sessions.Session) {
	log.Printf("login by %s", r.FormValue("user"))                                                     // want "go-log-injection"
	req := ldap.NewSearchRequest("dc=x", 2, 0, 0, 0, false, "(uid="+r.FormValue("user")+")", nil, nil) // want "go-ldap-injection"
	defer conn.Search(req)
	xpath.Compile("//user[name='" + r.FormValue("user") + "']") // want "go-xpath-injection"
	s.Values["user"] = r.FormValue("user")                      // want "go-trust-boundary"
	body, _ := io.ReadAll(r.Body)                               // want "go-unbounded-read"
	_ = body
	zr, _ := gzip.NewReader(r.Body)
	io.Copy(os.Stdout, zr) // want "go-decompression-bomb"
}
