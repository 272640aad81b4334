package twins

import (
	"database/sql"
	"net/http"
	"os"
	"path/filepath"

	"github.com/gin-gonic/gin"
	"github.com/go-chi/chi/v5"
	"github.com/gorilla/mux"
	"github.com/labstack/echo/v4"
)

func GinSafe(c *gin.Context, db *sql.DB) {
	get := c.Query
	db.Query("SELECT * FROM t WHERE a = ?", get("a")) // ok "go-sql-injection"
}

func EchoSafe(c echo.Context, db *sql.DB) error {
	_, err := db.Query("SELECT * FROM t WHERE a = ?", c.QueryParam("a")) // ok "go-sql-injection"
	return err
}

func ChiSafe(w http.ResponseWriter, r *http.Request) {
	os.Remove(filepath.Join("/tmp/uploads", filepath.Base(chi.URLParam(r, "file")))) // ok "go-path-traversal"
}

func MuxSafe(w http.ResponseWriter, r *http.Request) {
	vars := mux.Vars(r)
	if !filepath.IsLocal(vars["file"]) {
		return
	}
	os.ReadFile(vars["file"]) // ok "go-path-traversal"
}

func ChanSafe(r *http.Request, db *sql.DB) {
	ch := make(chan string, 1)
	ch <- r.FormValue("q")
	db.Query("SELECT * FROM t WHERE a = ?", <-ch) // ok "go-sql-injection"
}

func RecurseSafe(r *http.Request, db *sql.DB) { Recurse(db, "SELECT 1", 3) }
