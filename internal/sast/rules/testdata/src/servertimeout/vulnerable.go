package servertimeout

import (
	"net/http"
	"time"
)

func Serve(h http.Handler) error {
	srv := &http.Server{ // want "go-http-server-timeout"
		Addr:         ":8080",
		Handler:      h,
		WriteTimeout: 10 * time.Second,
	}
	return srv.ListenAndServe()
}

func Quick(h http.Handler) error {
	return http.ListenAndServe(":8080", h) // want "go-http-server-timeout"
}
