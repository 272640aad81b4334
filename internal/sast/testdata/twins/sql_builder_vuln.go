package twins

import (
	"database/sql"
	"net/http"

	sq "github.com/Masterminds/squirrel"
)

// BuilderVuln puts the request's value into a squirrel predicate's SQL text.
func BuilderVuln(r *http.Request, db *sql.DB) {
	q, args, _ := sq.Select("*").From("users").Where("name = '" + r.FormValue("name") + "'").ToSql()
	db.Query(q, args...) // want "go-sql-injection"
}
