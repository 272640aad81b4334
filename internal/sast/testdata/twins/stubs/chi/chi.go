// Package chi is a stub of the real package's API surface the twins use.
package chi

import "net/http"

func URLParam(r *http.Request, key string) string { return r.Header.Get(key) }
