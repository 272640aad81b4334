package hardcodedcred

import (
	"database/sql"
	"net/http"
	"net/smtp"
)

const githubToken = "ghp_R4nd0mT0kenV4lueF0rTe5t1ngPurp0ses12" // want "go-hardcoded-credential"

type DB struct{ User, Password string }

func Connect() DB {
	return DB{User: "app", Password: "Xk9#mQ2$vL8pRt4w"} // want "go-hardcoded-credential"
}

func Call(r *http.Request) {
	r.SetBasicAuth("svc", "S3cr3t-Pa55w0rd!x") // want "go-hardcoded-credential"
}

var _ = githubToken

// Known miss: a literal split in two is not one literal.
func Split() DB {
	return DB{User: "app", Password: "Xk9#mQ2$" + "vL8pRt4w"} // miss "go-hardcoded-credential"
}

func Open() (*sql.DB, error) {
	return sql.Open("postgres", "postgres://app:Xk9mQ2vL8pRt4wZ3@db.internal:5432/app") // want "go-hardcoded-credential"
}

func Mail() smtp.Auth {
	return smtp.PlainAuth("", "alerts@example.com", "S3cr3t-Pa55w0rd!x", "smtp.example.com") // want "go-hardcoded-credential"
}
