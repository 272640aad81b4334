package twins

import (
	"database/sql"
	"net/http"
	"strings"
)

// The engine's known limits, kept as twins so the rates in docs/sast.md count them: `fp` marks a
// safe line the engine reports, `fn` a vulnerable line it misses.

type search struct {
	table string
	term  string
}

// FieldSensitive: fields carry taint apart (one level deep), so the constant table name is clean
// while the term beside it is not.
func FieldSensitive(r *http.Request, db *sql.DB) {
	s := search{table: "users", term: r.FormValue("q")}
	db.Query("SELECT * FROM "+s.table+" WHERE name = ?", s.term) // ok "go-sql-injection"
	db.Query("SELECT * FROM t WHERE name = '" + s.term + "'")    // want "go-sql-injection"
}

type nested struct{ inner search }

// DeepField: below the first level, fields share their parent's slot.
func DeepField(r *http.Request, db *sql.DB) {
	var n nested
	n.inner.term = r.FormValue("q")
	n.inner.table = "users"
	db.Query("SELECT * FROM " + n.inner.table) // fp "go-sql-injection"
}

func validTable(t string) bool { return t == "users" || t == "orders" }

// GuardInHelper: a guard is recognised only when the check is in the same function as the sink.
func GuardInHelper(r *http.Request, db *sql.DB) {
	t := r.FormValue("t")
	if !validTable(t) {
		return
	}
	db.Query("SELECT * FROM " + strings.ToLower(t)) // fp "go-sql-injection"
}

var lastQuery string

// ThroughGlobal: taint stored in a package variable is not followed.
func StoreGlobal(r *http.Request) { lastQuery = r.FormValue("q") }

func UseGlobal(db *sql.DB) {
	db.Query(lastQuery) // fn "go-sql-injection"
}

type repo struct {
	db    *sql.DB
	table string
	seen  []string
}

func (rp *repo) note(s string) { rp.seen = append(rp.seen, s) }

// FieldThroughCall: a callee's store into one field of its receiver does not taint the others.
func FieldThroughCall(r *http.Request, rp *repo) {
	rp.note(r.FormValue("q"))
	rp.db.Query("SELECT * FROM " + rp.table)               // ok "go-sql-injection"
	rp.db.Query("SELECT * FROM t WHERE a = " + rp.seen[0]) // want "go-sql-injection"
}

// Box is generic: its methods are analysed through their instantiations.
type Box[T any] struct{ v T }

func (b Box[T]) Get() T { return b.v }

// Generic: taint through an instantiated generic method.
func Generic(r *http.Request, db *sql.DB) {
	b := Box[string]{v: r.FormValue("q")}
	db.Query("SELECT * FROM t WHERE a = '" + b.Get() + "'") // want "go-sql-injection"
}

// Shape is an interface type declared in the scanned package.
type Shape interface{ Area() string }
