// Package squirrel is a stub of the real package's API surface the twins use.
package squirrel

type Eq map[string]interface{}

type SelectBuilder struct{ sql string }

func Select(columns ...string) SelectBuilder { return SelectBuilder{} }

func (b SelectBuilder) From(from string) SelectBuilder { return b }

func (b SelectBuilder) Where(pred interface{}, args ...interface{}) SelectBuilder { return b }

func (b SelectBuilder) ToSql() (string, []interface{}, error) { return b.sql, nil, nil }
