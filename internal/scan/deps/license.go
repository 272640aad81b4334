package deps

import (
	"fmt"
	"slices"
	"strings"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/inventory"
)

// The licence rule IDs.
const (
	RuleLicenseDenied     = "license-denied"
	RuleLicenseNotAllowed = "license-not-allowed"
)

func licenseRules() []finding.Rule {
	return []finding.Rule{
		{
			ID: RuleLicenseDenied, Title: "Dependency under a denied licence", Severity: finding.SeverityHigh,
			Description: "A package's licence (an SPDX expression from local metadata) can only be satisfied with a licence on the deny list.",
			Remediation: "Replace the package, obtain it under another licence, or record an exception with a reason.",
		},
		{
			ID: RuleLicenseNotAllowed, Title: "Dependency under a licence not on the allow list", Severity: finding.SeverityMedium,
			Description: "An allow list is configured and a package's licence expression cannot be satisfied with allowed licences.",
			Remediation: "Review the licence; add it to the allow list if acceptable, or replace the package.",
		},
	}
}

// licensePolicy decides SPDX expressions against allow and deny lists (case-insensitively, as
// SPDX IDs are).
type licensePolicy struct {
	allow, deny map[string]bool
}

func newLicensePolicy(allow, deny []string) licensePolicy {
	set := func(ids []string) map[string]bool {
		m := map[string]bool{}
		for _, id := range ids {
			if id = strings.TrimSpace(id); id != "" {
				m[strings.ToLower(id)] = true
			}
		}
		return m
	}
	return licensePolicy{allow: set(allow), deny: set(deny)}
}

func (lp licensePolicy) active() bool { return len(lp.allow) > 0 || len(lp.deny) > 0 }

// verdict of one licence ID.
func (lp licensePolicy) verdict(id string) string {
	id = strings.ToLower(id)
	switch {
	case lp.deny[id]:
		return RuleLicenseDenied
	case len(lp.allow) > 0 && !lp.allow[id]:
		return RuleLicenseNotAllowed
	}
	return ""
}

// licenseFindings checks every package whose licences are known. A package carrying several
// licence entries must satisfy each (they are ANDed, as both apply to the code).
func (a *Analyzer) licenseFindings(pkgs []inventory.Package) ([]finding.Finding, []finding.Problem) {
	lp := newLicensePolicy(a.opts.LicenseAllow, a.opts.LicenseDeny)
	if !lp.active() {
		return nil, nil
	}
	var out []finding.Finding
	var problems []finding.Problem
	for _, p := range pkgs {
		if len(p.Licenses) == 0 {
			continue
		}
		expr := strings.Join(p.Licenses, " AND ")
		if len(p.Licenses) > 1 {
			parts := make([]string, len(p.Licenses))
			for i, l := range p.Licenses {
				parts[i] = "(" + l + ")"
			}
			expr = strings.Join(parts, " AND ")
		}
		rule, offending, err := lp.evaluate(expr)
		if err != nil {
			problems = append(problems, finding.Problem{Path: p.Location.Path, Line: p.Location.StartLine, Scanner: Name,
				Message: fmt.Sprintf("%s: licence %q not checked against the policy: %v", p.Key(), expr, err)})
			continue
		}
		if rule == "" {
			continue
		}
		r := licenseRules()[slices.IndexFunc(licenseRules(), func(r finding.Rule) bool { return r.ID == rule })]
		out = append(out, finding.Finding{
			RuleID:      rule,
			Title:       fmt.Sprintf("%s@%s is licensed %s", p.Name, p.Version, expr),
			Description: fmt.Sprintf("%s (%s)", r.Description, strings.Join(offending, ", ")),
			Severity:    r.Severity,
			Confidence:  finding.ConfidenceMedium,
			Location:    p.Location,
			Fingerprint: finding.Fingerprint(rule, p.Location.Path, p.Key()+" "+expr),
			Remediation: r.Remediation,
			Scanner:     Name,
			Properties: map[string]string{
				PropEcosystem: p.Ecosystem, PropPackage: p.Name, PropVersion: p.Version, "license": expr,
				"offendingLicenses": strings.Join(offending, ","),
			},
		})
	}
	return out, problems
}

// evaluate returns the rule an expression breaks ("" when it can be satisfied) and the licences
// that make it fail. OR needs one acceptable side, AND both; "X WITH exception" is judged as X.
func (lp licensePolicy) evaluate(expr string) (rule string, offending []string, err error) {
	toks, err := spdxTokens(expr)
	if err != nil {
		return "", nil, err
	}
	p := &spdxParser{toks: toks, lp: lp}
	res := p.or()
	if p.err != nil {
		return "", nil, p.err
	}
	if p.pos != len(toks) {
		return "", nil, fmt.Errorf("unexpected %q", toks[p.pos])
	}
	if res.rule == "" {
		return "", nil, nil
	}
	return res.rule, res.offending, nil
}

type spdxResult struct {
	rule      string // "" = acceptable
	offending []string
}

// worse returns the more serious of two failed results.
func worse(a, b spdxResult) spdxResult {
	if a.rule == RuleLicenseDenied || b.rule == "" {
		return spdxResult{a.rule, append(a.offending, b.offending...)}
	}
	return spdxResult{b.rule, append(a.offending, b.offending...)}
}

type spdxParser struct {
	toks []string
	pos  int
	lp   licensePolicy
	err  error
}

func (p *spdxParser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *spdxParser) or() spdxResult {
	left := p.and()
	for p.err == nil && strings.EqualFold(p.peek(), "OR") {
		p.pos++
		right := p.and()
		switch {
		case left.rule == "" || right.rule == "":
			left = spdxResult{}
		case left.rule == RuleLicenseDenied && right.rule == RuleLicenseDenied:
			left = worse(left, right)
		default: // at least one side only "not allowed": the milder failure stands
			if left.rule == RuleLicenseDenied {
				left = right
			}
		}
	}
	return left
}

func (p *spdxParser) and() spdxResult {
	left := p.atom()
	for p.err == nil && strings.EqualFold(p.peek(), "AND") {
		p.pos++
		right := p.atom()
		if left.rule != "" || right.rule != "" {
			left = worse(left, right)
		}
	}
	return left
}

func (p *spdxParser) atom() spdxResult {
	t := p.peek()
	switch {
	case t == "":
		p.err = fmt.Errorf("expression ends early")
		return spdxResult{}
	case t == "(":
		p.pos++
		r := p.or()
		if p.peek() != ")" {
			if p.err == nil {
				p.err = fmt.Errorf("missing )")
			}
			return spdxResult{}
		}
		p.pos++
		return r
	case t == ")" || strings.EqualFold(t, "AND") || strings.EqualFold(t, "OR") || strings.EqualFold(t, "WITH"):
		p.err = fmt.Errorf("unexpected %q", t)
		return spdxResult{}
	}
	p.pos++
	if strings.EqualFold(p.peek(), "WITH") {
		p.pos += 2 // the exception does not change which licence governs
		if p.pos > len(p.toks) {
			p.err = fmt.Errorf("WITH without an exception")
			return spdxResult{}
		}
	}
	id := strings.TrimSuffix(t, "+")
	if rule := p.lp.verdict(id); rule != "" {
		return spdxResult{rule: rule, offending: []string{id}}
	}
	return spdxResult{}
}

func spdxTokens(expr string) ([]string, error) {
	var toks []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			toks = append(toks, cur.String())
			cur.Reset()
		}
	}
	for _, r := range expr {
		switch {
		case r == '(' || r == ')':
			flush()
			toks = append(toks, string(r))
		case r == ' ' || r == '\t' || r == '\n':
			flush()
		case r < 0x20 || r > 0x7e:
			return nil, fmt.Errorf("character %q is not allowed in an SPDX expression", r)
		default:
			cur.WriteRune(r)
		}
	}
	flush()
	if len(toks) == 0 {
		return nil, fmt.Errorf("empty expression")
	}
	return toks, nil
}
