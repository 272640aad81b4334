// Package secret is Palisade's secret-detection analyzer: it finds credentials, tokens, private
// keys and passwords committed to source, configuration and history.
//
// Detection is built for throughput on large trees. Every rule is compiled once when the Analyzer is created.
// One case-insensitive Aho-Corasick pass over a file finds the rules' keywords; only the rules
// whose keywords occur run, and each runs its regular expression only inside a bounded window
// around each keyword hit (the hit's line, clipped; private keys get a bounded multi-line window),
// never over the whole file. Base64, hex and percent-encoded runs are decoded and scanned too,
// within a per-file budget of decoded bytes and a depth limit.
//
// Security invariant: a secret value never leaves this package in clear. Findings carry the
// secret only as finding.Redact output inside the snippet and as the input of
// finding.Fingerprint, which hashes it; errors never quote file content.
package secret
