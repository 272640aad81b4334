package twins

import (
	"database/sql"
	"fmt"
	"net/http"
	"strings"

	"example.com/twins/store"
)

type filter struct {
	column string
	value  string
}

func (f filter) where() string { return f.column + " = " + store.Quote(f.value) }

// SQLVuln builds SQL from request data: directly, through fmt, a struct field and method, a
// strings.Builder, a helper in another package and an interface call.
func SQLVuln(w http.ResponseWriter, r *http.Request, db *sql.DB) {
	name := r.URL.Query().Get("name")
	db.Query("SELECT * FROM users WHERE name = '" + name + "'") // want "go-sql-injection"

	q := fmt.Sprintf("DELETE FROM t WHERE id = %s", r.FormValue("id"))
	db.ExecContext(r.Context(), q) // want "go-sql-injection"

	f := filter{column: "name", value: r.PostFormValue("v")}
	db.QueryRow("SELECT * FROM t WHERE " + f.where()) // want "go-sql-injection"

	var b strings.Builder
	b.WriteString("SELECT * FROM t ORDER BY ")
	b.WriteString(r.Header.Get("X-Order"))
	db.Query(b.String()) // want "go-sql-injection"

	store.ByName(db, r.FormValue("user"))
	var finder store.Finder = store.TextFinder{}
	finder.Find(db, r.FormValue("user"))
}
