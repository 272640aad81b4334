// Package store holds the query helpers the handlers call, so taint crosses a package boundary.
package store

import "database/sql"

// Finder runs a lookup.
type Finder interface {
	Find(db *sql.DB, name string) error
}

// ByName finds by name, building the query from text.
func ByName(db *sql.DB, name string) error {
	_, err := db.Query("SELECT id FROM users WHERE name = '" + name + "'") // want "go-sql-injection"
	return err
}

// ByNameParam finds by name with a placeholder.
func ByNameParam(db *sql.DB, name string) error {
	_, err := db.Query("SELECT id FROM users WHERE name = ?", name) // ok "go-sql-injection"
	return err
}

// TextFinder builds query text: reached through the Finder interface.
type TextFinder struct{}

// Find implements Finder.
func (TextFinder) Find(db *sql.DB, name string) error {
	_, err := db.Exec("DELETE FROM users WHERE name = '" + name + "'") // want "go-sql-injection"
	return err
}

// Quote wraps s in quotes: a pass-through the engine follows by its summary.
func Quote(s string) string { return "'" + s + "'" }
