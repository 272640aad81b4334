// Package mux is a stub of the real package's API surface the twins use.
package mux

import "net/http"

func Vars(r *http.Request) map[string]string { return map[string]string{"id": r.Header.Get("x")} }
