package tlsversion

import "crypto/tls"

func ServerSafe() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12, // ok "go-tls-version"
	}
}

func LegacySafe(c *tls.Config) {
	c.MaxVersion = tls.VersionTLS13 // ok "go-tls-version"
}
