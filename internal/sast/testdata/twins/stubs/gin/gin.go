// Package gin is a stub of the real package's API surface the twins use.
package gin

type Context struct{ q map[string]string }

func (c *Context) Query(key string) string   { return c.q[key] }
func (c *Context) String(code int, s string) {}
