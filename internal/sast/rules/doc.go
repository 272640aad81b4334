// Package rules holds Palisade's non-taint SAST rules for Go: the checks gosec users rely on (weak
// hashes and ciphers, math/rand for secrets, TLS verification and versions, HTTP server timeouts,
// file modes, cookies, CORS, JWT verification, ignored security errors, unsafe and reflect in
// handlers, routes left without the authentication their siblings have, secrets compared in
// variable time, and hardcoded credentials judged by the secret engine).
//
// Every rule works on type-checked syntax: callees and fields are resolved through
// types.Info (Uses, Selections, Types), never by matching text, so an aliased import or a local
// function that happens to be called md5 changes nothing. The rules need no SSA.
//
// Invariants: Check never panics on odd code (a panic while checking a file becomes a problem
// naming the file); a package without syntax or type information is a problem, never a silent
// zero; a hardcoded credential leaves this package only redacted (snippet) and hashed
// (fingerprint). Every rule carries the gosec IDs it answers to, so `#nosec G401` can be honoured
// and gosec users can map their findings.
package rules
