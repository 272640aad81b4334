// Package finding is Palisade's vocabulary for something wrong that a scanner found before or
// during deployment: a Finding, its Severity and Confidence, where it is (Location), the Rule that
// produced it, and a Fingerprint that survives unrelated edits so baselines and deduplication keep
// working as code moves.
//
// It imports only the standard library, so every other package may import it. A Finding never
// holds a secret in full: scanners put a redacted snippet in Location.Snippet and feed the raw
// value only into Fingerprint, which hashes it.
package finding
