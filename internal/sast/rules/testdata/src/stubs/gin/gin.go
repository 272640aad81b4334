// Package gin is a stub of github.com/gin-gonic/gin's handler context, for the rules' twins.
package gin

// Context is a request's context.
type Context struct{}

// Param returns a path parameter.
func (c *Context) Param(key string) string { return "" }

// String writes a response.
func (c *Context) String(code int, s string) {}
