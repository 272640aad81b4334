// Command shop is a deliberately insecure example service for Palisade's scanners.
package main

import (
	"database/sql"
	"log"
	"net/http"

	"golang.org/x/net/html"
)

// The credentials below are fake and planted on purpose.
const (
	awsAccessKeyID     = "AKIA454ML6LG4TJFCZ4K"
	awsSecretAccessKey = "El2hpChYgCfrL1spNxnyVmihA+2O76UMFxFkM+R5"
	githubToken        = "ghp_sMehGAkWvj7FAc9QeWJKY40uvSwMFLZDe1f8"
)

func main() {
	db, err := sql.Open("postgres", "postgres://shop:8iS2G8NPRVdD53X83RZJ@db.internal:5432/shop")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	http.HandleFunc("/render", func(w http.ResponseWriter, r *http.Request) {
		doc, err := html.Parse(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		_ = doc
	})
	log.Fatal(http.ListenAndServe(":8080", nil))
}
