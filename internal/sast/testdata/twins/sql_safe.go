package twins

import (
	"database/sql"
	"fmt"
	"net/http"
	"strconv"

	"example.com/twins/store"
)

// SQLSafe is SQLVuln made safe: placeholders, a number, a value overwritten before use, an
// allow-listed column, a parameterised helper.
func SQLSafe(w http.ResponseWriter, r *http.Request, db *sql.DB) {
	name := r.URL.Query().Get("name")
	db.Query("SELECT * FROM users WHERE name = ?", name) // ok "go-sql-injection"

	id, err := strconv.Atoi(r.FormValue("id"))
	if err != nil {
		return
	}
	db.ExecContext(r.Context(), fmt.Sprintf("DELETE FROM t WHERE id = %d", id)) // ok "go-sql-injection"

	order := r.Header.Get("X-Order")
	if order != "name" && order != "age" {
		order = "name"
	}
	order = "id"
	db.Query("SELECT * FROM t ORDER BY " + order) // ok "go-sql-injection"

	col := r.FormValue("col")
	allowed := map[string]bool{"name": true, "age": true}
	if allowed[col] {
		db.Query("SELECT " + col + " FROM t") // ok "go-sql-injection"
	}

	store.ByNameParam(db, r.FormValue("user"))
	store.ByName(db, "admin")
}
