package twins

import (
	"compress/gzip"
	"io"
	"log"
	"net/http"
	"os"
	"strconv"

	"github.com/antchfx/xpath"
	"github.com/go-ldap/ldap/v3"
	"github.com/gorilla/sessions"
)

// MiscSafe: quoted log values, escaped LDAP filter, a fixed XPath, a validated session value,
// limited reads.
func MiscSafe(w http.ResponseWriter, r *http.Request, conn *ldap.Conn, s *sessions.Session) {
	log.Printf("login by %s", strconv.Quote(r.FormValue("user")))                                                         // ok "go-log-injection"
	req := ldap.NewSearchRequest("dc=x", 2, 0, 0, 0, false, "(uid="+ldap.EscapeFilter(r.FormValue("user"))+")", nil, nil) // ok "go-ldap-injection"
	conn.Search(req)
	xpath.Compile("//user[name=$name]") // ok "go-xpath-injection"
	if n, err := strconv.Atoi(r.FormValue("user")); err == nil {
		s.Values["user"] = n // ok "go-trust-boundary"
	}
	body, _ := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20)) // ok "go-unbounded-read"
	_ = body
	zr, _ := gzip.NewReader(r.Body)
	io.Copy(os.Stdout, io.LimitReader(zr, 1<<20)) // ok "go-decompression-bomb"
}
