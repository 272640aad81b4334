package cvss

import (
	"fmt"
	"strings"
)

// V4 is the version prefix of CVSS v4.0 vectors.
const V4 = "CVSS:4.0"

// v4Allowed lists the CVSS v4.0 metrics and their values (base, threat, environmental,
// supplemental), so that vectors are validated strictly even though only base metrics are used.
var v4Allowed = map[string]string{
	"AV": "NALP", "AC": "LH", "AT": "NP", "PR": "NLH", "UI": "NPA",
	"VC": "HLN", "VI": "HLN", "VA": "HLN", "SC": "HLN", "SI": "HLN", "SA": "HLN",
	"E":  "XAPU",
	"CR": "XHML", "IR": "XHML", "AR": "XHML",
	"MAV": "XNALP", "MAC": "XLH", "MAT": "XNP", "MPR": "XNLH", "MUI": "XNPA",
	"MVC": "XHLN", "MVI": "XHLN", "MVA": "XHLN", "MSC": "XHLN", "MSI": "XSHLN", "MSA": "XSHLN",
	"S": "XNP", "AU": "XNY", "R": "XAUI", "V": "XDC", "RE": "XLMH", "U": "X",
}

var v4Base = []string{"AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA"}

// ApproximateV4 estimates a score for a CVSS v4.0 vector by mapping its base metrics onto the
// CVSS v3.1 base equations. It is NOT the CVSS v4.0 score (which needs the specification's
// macro-vector tables): it exists so that advisories carrying only a v4 vector get a severity of
// the right order rather than none. The mapping:
//
//	AV, PR           → the same metric
//	AC:H or AT:P     → AC:H (both make the attack conditional)
//	UI:P or UI:A     → UI:R
//	any SC/SI/SA > N → S:C, with C/I/A the higher of the vulnerable and subsequent system impact
//	otherwise        → S:U, with C/I/A = VC/VI/VA
func ApproximateV4(vector string) (float64, error) {
	parts := strings.Split(strings.TrimSpace(vector), "/")
	if parts[0] != V4 {
		return 0, fmt.Errorf("cvss vector %q: prefix %q: want %s", vector, parts[0], V4)
	}
	m := map[string]string{}
	for _, p := range parts[1:] {
		k, val, ok := strings.Cut(p, ":")
		vals, known := v4Allowed[k]
		switch {
		case !ok:
			return 0, fmt.Errorf("cvss vector %q: part %q: want METRIC:VALUE", vector, p)
		case !known:
			return 0, fmt.Errorf("cvss vector %q: unknown metric %q", vector, k)
		case len(val) != 1 || !strings.Contains(vals, val):
			return 0, fmt.Errorf("cvss vector %q: metric %s: invalid value %q", vector, k, val)
		}
		if _, dup := m[k]; dup {
			return 0, fmt.Errorf("cvss vector %q: metric %s given twice", vector, k)
		}
		m[k] = val
	}
	for _, k := range v4Base {
		if _, ok := m[k]; !ok {
			return 0, fmt.Errorf("cvss vector %q: base metric %s missing", vector, k)
		}
	}
	ac := m["AC"]
	if m["AT"] == "P" {
		ac = "H"
	}
	ui := "N"
	if m["UI"] != "N" {
		ui = "R"
	}
	scope := "U"
	c, i, a := m["VC"], m["VI"], m["VA"]
	if m["SC"] != "N" || m["SI"] != "N" || m["SA"] != "N" {
		scope = "C"
		c, i, a = higher(c, m["SC"]), higher(i, m["SI"]), higher(a, m["SA"])
	}
	v3 := fmt.Sprintf("CVSS:3.1/AV:%s/AC:%s/PR:%s/UI:%s/S:%s/C:%s/I:%s/A:%s", m["AV"], ac, m["PR"], ui, scope, c, i, a)
	v, err := Parse(v3)
	if err != nil {
		return 0, err // unreachable: every value above is a valid v3 value
	}
	return v.BaseScore(), nil
}

// higher returns the more severe of two impact values (H > L > N).
func higher(a, b string) string {
	rank := map[string]int{"N": 0, "L": 1, "H": 2}
	if rank[b] > rank[a] {
		return b
	}
	return a
}
