package hardcodedcred

import (
	"database/sql"
	"net/http"
	"net/smtp"
	"os"
)

var githubTokenSafe = os.Getenv("GITHUB_TOKEN") // ok "go-hardcoded-credential"

func ConnectSafe() DB {
	return DB{User: "app", Password: os.Getenv("DB_PASSWORD")} // ok "go-hardcoded-credential"
}

func CallSafe(r *http.Request) {
	r.SetBasicAuth("svc", os.Getenv("SVC_PASSWORD")) // ok "go-hardcoded-credential"
}

// Placeholders and names that only mention a credential are not credentials.
const passwordPlaceholder = "changeme" // ok "go-hardcoded-credential"

const tokenHeader = "X-Api-Token-Header-Name-V2" // ok "go-hardcoded-credential"

var _ = githubTokenSafe

// Names about a credential — its file, its header — hold no credential.
const CredentialsFileBasename = "registry/config.json" // ok "go-hardcoded-credential"

func OpenSafe() (*sql.DB, error) {
	return sql.Open("postgres", os.Getenv("DATABASE_URL")) // ok "go-hardcoded-credential"
}

func MailSafe() smtp.Auth {
	return smtp.PlainAuth("", "alerts@example.com", os.Getenv("SMTP_PASSWORD"), "smtp.example.com") // ok "go-hardcoded-credential"
}

// A DSN without a password names a database, not a credential.
func OpenLocal() (*sql.DB, error) {
	return sql.Open("sqlite", "file:cache.db?mode=ro") // ok "go-hardcoded-credential"
}
