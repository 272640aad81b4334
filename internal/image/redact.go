package image

import (
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/palisade-sec/palisade/internal/finding"
)

var (
	// assignment is NAME=value as build steps record build args and ENV ("|2 TOKEN=… /bin/sh -c",
	// "ENV API_KEY=…", "export PASSWORD=…"); a quoted value is taken whole.
	assignment = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`([A-Za-z_][A-Za-z0-9_.-]*)=("[^"]*"|'[^']*'|[^\s;&|]+)`)
	})
	// sensitiveName are the variable names whose values are taken for secrets.
	sensitiveName = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?i)pass|secret|token|key|auth|cred|private|session|cookie|signature|dsn`)
	})
	// userinfo is a URL's user:password@.
	userinfo = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[a-zA-Z][a-zA-Z0-9+.-]*://[^\s/@:]+:[^\s/@]+@`) })
)

// redactCreatedBy hides what looks like a secret in a build step before it travels with every
// finding of its layer: the values of variables with a secret-sounding name, and passwords in URLs.
// The raw history stays in Image.Config for the checks that look for secrets in it.
func redactCreatedBy(s string) string {
	s = assignment().ReplaceAllStringFunc(s, func(m string) string {
		name, value, _ := strings.Cut(m, "=")
		if !sensitiveName().MatchString(name) {
			return m
		}
		return name + "=" + finding.Redact(strings.Trim(value, `"'`))
	})
	return userinfo().ReplaceAllStringFunc(s, func(m string) string {
		u, err := url.Parse(m + "x")
		if err != nil || u.User == nil {
			return m
		}
		p, _ := u.User.Password()
		return strings.Replace(m, ":"+p+"@", ":"+finding.Redact(p)+"@", 1)
	})
}
