package secret

import "slices"

// Builtin returns Palisade's built-in secret rules: one explicit list, kept in files by family
// and concatenated here. Order matters only for overlapping matches of equal rank, where the rule
// listed first wins, so specific families come before generic ones.
func Builtin() []Rule {
	return slices.Concat(
		cloudRules(),
		vcsRules(),
		chatRules(),
		paymentRules(),
		aiRules(),
		saasRules(),
		devtoolRules(),
		keyRules(),
		connectionRules(),
		genericRules(),
	)
}

// rotate is the remediation shared by provider credentials.
func rotate(provider string) string {
	return "Revoke or rotate the credential in " + provider + " now (assume it is compromised), " +
		"remove it from the code and its history, and load it at run time from a secret store or the environment."
}

// assigned builds the regex for a value that is only recognisable next to its provider's name:
// the context word, up to 40 more name characters, an assignment (=, :=, :, =>, or a comma in a
// call), optional quotes, then the value, which is the capture group and is matched case-sensitively.
func assigned(context, value string) string {
	return `(?i)(?:` + context + `)[\w.-]{0,40}?[\s"'\x60]{0,3}(?::=|=>|=|:|,)[\s"'\x60]{0,4}(?-i:(` + value + `))(?:[^\w-]|$)`
}

// token builds the regex for a self-identifying token: a literal prefix (regex syntax) and a body,
// bounded by non-word characters on both sides.
func token(prefix, body string) string {
	return `\b(` + prefix + body + `)(?:[^\w-]|$)`
}
