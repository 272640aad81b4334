package twins

import (
	"database/sql"
	"net/http"
	"os"

	"github.com/gin-gonic/gin"
	"github.com/go-chi/chi/v5"
	"github.com/gorilla/mux"
	"github.com/labstack/echo/v4"
)

// Handlers of four frameworks, each passing a request value to a sink; the method value of
// the gin handler is called through a variable.
func GinVuln(c *gin.Context, db *sql.DB) {
	get := c.Query
	db.Query("SELECT * FROM t WHERE a = '" + get("a") + "'") // want "go-sql-injection"
}

func EchoVuln(c echo.Context, db *sql.DB) error {
	_, err := db.Query("SELECT * FROM t WHERE a = '" + c.QueryParam("a") + "'") // want "go-sql-injection"
	return err
}

func ChiVuln(w http.ResponseWriter, r *http.Request) {
	os.Remove(chi.URLParam(r, "file")) // want "go-path-traversal"
}

func MuxVuln(w http.ResponseWriter, r *http.Request) {
	vars := mux.Vars(r)
	os.ReadFile(vars["file"]) // want "go-path-traversal"
}

// ChanVuln passes request data through a channel and a slice to a sink.
func ChanVuln(r *http.Request, db *sql.DB) {
	ch := make(chan string, 1)
	ch <- r.FormValue("q")
	parts := []string{"SELECT * FROM t WHERE a = ", <-ch}
	db.Query(parts[0] + parts[1]) // want "go-sql-injection"
}

// Recurse reaches the sink through mutual recursion.
func Recurse(db *sql.DB, s string, n int) {
	if n == 0 {
		db.Exec(s) // want "go-sql-injection"
		return
	}
	recurse2(db, s, n-1)
}

func recurse2(db *sql.DB, s string, n int) { Recurse(db, s, n) }

func RecurseVuln(r *http.Request, db *sql.DB) { Recurse(db, r.FormValue("q"), 3) }
