// Package ldap is a stub of the real package's API surface the twins use.
package ldap

type SearchRequest struct{ Filter string }

type Conn struct{}

func NewSearchRequest(baseDN string, scope, deref, sizeLimit, timeLimit int, typesOnly bool, filter string, attributes []string, controls []any) *SearchRequest {
	return &SearchRequest{Filter: filter}
}

func (c *Conn) Search(r *SearchRequest) error { return nil }

func EscapeFilter(s string) string { return s }
