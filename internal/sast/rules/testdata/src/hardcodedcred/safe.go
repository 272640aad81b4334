package hardcodedcred

import (
	"net/http"
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
