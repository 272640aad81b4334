package tlsversion

import "crypto/tls"

func Server() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS10, // want "go-tls-version"
	}
}

func Legacy(c *tls.Config) {
	c.MaxVersion = tls.VersionTLS11 // want "go-tls-version"
}
