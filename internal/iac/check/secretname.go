package check

import (
	"regexp"
	"sync"
)

// SecretName reports a variable or key name that usually holds a credential (a password,
// secret, token, API, private or access key, credential), whatever its case. The Kubernetes,
// Dockerfile and Compose checks for secrets in plain values all ask it, so a name counts as a
// secret's in every family alike.
func SecretName(name string) bool { return secretName().MatchString(name) }

// secretName is compiled on first use, not at every start of the binary.
var secretName = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)(passw(or)?d|passwd|secret|token|api[_-]?key|private[_-]?key|access[_-]?key|credential)`)
})
