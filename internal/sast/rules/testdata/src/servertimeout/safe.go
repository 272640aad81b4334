package servertimeout

import (
	"net/http"
	"time"
)

func ServeSafe(h http.Handler) error {
	srv := &http.Server{ // ok "go-http-server-timeout"
		Addr:              ":8080",
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
	}
	return srv.ListenAndServe()
}

func QuickSafe(h http.Handler) error {
	srv := &http.Server{Addr: ":8080", Handler: h} // ok "go-http-server-timeout"
	srv.ReadTimeout = 10 * time.Second
	return srv.ListenAndServe()
}
