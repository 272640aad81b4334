package twins

import (
	"database/sql"
	"net/http"

	sq "github.com/Masterminds/squirrel"
)

// BuilderSafe is BuilderVuln with the value where squirrel makes it a placeholder's argument:
// a predicate map, and a predicate string with ? and the value beside it.
func BuilderSafe(r *http.Request, db *sql.DB) {
	q, args, _ := sq.Select("*").From("users").Where(sq.Eq{"name": r.FormValue("name")}).ToSql()
	db.Query(q, args...) // ok "go-sql-injection"

	q, args, _ = sq.Select("*").From("users").Where("name = ?", r.FormValue("name")).ToSql()
	db.Query(q, args...) // ok "go-sql-injection"
}
