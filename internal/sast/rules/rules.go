package rules

import (
	"context"
	"slices"

	"github.com/palisade-sec/palisade/internal/finding"
)

// rule is one check with everything a report says about it. check runs once per file.
type rule struct {
	id          string
	title       string
	description string
	severity    finding.Severity
	confidence  finding.Confidence
	cwe         []string
	gosec       []string // gosec rule IDs this rule answers to ("G401"); empty when gosec has none
	fix         string
	check       func(ctx context.Context, p *pass)
}

// builtin is the explicit list of rules, in the order the documentation lists them.
func builtin() []rule {
	return []rule{
		weakHashRule(),
		weakCipherRule(),
		insecureRandRule(),
		tlsSkipVerifyRule(),
		tlsVersionRule(),
		serverTimeoutRule(),
		filePermRule(),
		cookieRule(),
		corsRule(),
		jwtUnverifiedRule(),
		jwtAlgRule(),
		uncheckedErrorRule(),
		unsafeHandlerRule(),
		routeAuthRule(),
		secretCompareRule(),
		hardcodedCredentialRule(),
	}
}

// Rules describes every rule for --list-rules and SARIF's tool.driver.rules. The gosec IDs a rule
// answers to are in its Tags as "gosec:G401".
func Rules() []finding.Rule {
	var out []finding.Rule
	for _, r := range builtin() {
		out = append(out, r.info())
	}
	return out
}

func (r *rule) info() finding.Rule {
	fr := finding.Rule{
		ID:          r.id,
		Title:       r.title,
		Description: r.description,
		Severity:    r.severity,
		CWE:         slices.Clone(r.cwe),
		Remediation: r.fix,
	}
	for _, g := range r.gosec {
		fr.Tags = append(fr.Tags, "gosec:"+g)
	}
	return fr
}
