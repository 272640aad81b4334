// Package cvss computes CVSS scores from vector strings exactly as the FIRST specifications define
// them, so that vulnerability findings get a severity from the advisory's own vector rather than
// a guess: the base score of CVSS v3.0 / v3.1 vectors
// (https://www.first.org/cvss/v3.1/specification-document), and the CVSS v4.0 score
// (https://www.first.org/cvss/v4-0/specification-document) — CVSS-B, or CVSS-BT/BE/BTE when the
// vector carries threat or environmental metrics — with the specification's MacroVector table and
// interpolation.
//
// Vectors come from downloaded advisories: Parse and ParseV4 reject anything malformed (unknown or
// repeated metrics, invalid values, missing base metrics) with an error naming the part, and never
// panic.
package cvss

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// Version is the CVSS version a vector declares.
type Version string

// The versions this package scores.
const (
	V30 Version = "3.0"
	V31 Version = "3.1"
)

// Vector is a parsed CVSS v3 vector; only base metrics are scored, temporal and environmental
// metrics are accepted and ignored.
type Vector struct {
	Version Version
	metrics map[string]string
}

var baseMetrics = []string{"AV", "AC", "PR", "UI", "S", "C", "I", "A"}

// allowed lists every metric of CVSS v3 and its valid values.
var allowed = map[string]string{
	"AV": "NALP", "AC": "LH", "PR": "NLH", "UI": "NR", "S": "UC", "C": "HLN", "I": "HLN", "A": "HLN",
	"E": "XUPFH", "RL": "XOTWU", "RC": "XURC",
	"CR": "XLMH", "IR": "XLMH", "AR": "XLMH",
	"MAV": "XNALP", "MAC": "XLH", "MPR": "XNLH", "MUI": "XNR", "MS": "XUC", "MC": "XHLN", "MI": "XHLN", "MA": "XHLN",
}

// Parse reads a vector such as "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".
func Parse(vector string) (Vector, error) {
	parts := strings.Split(strings.TrimSpace(vector), "/")
	v := Vector{metrics: map[string]string{}}
	switch parts[0] {
	case "CVSS:3.0":
		v.Version = V30
	case "CVSS:3.1":
		v.Version = V31
	default:
		return Vector{}, fmt.Errorf("cvss vector %q: prefix %q: want CVSS:3.0 or CVSS:3.1", vector, parts[0])
	}
	for _, p := range parts[1:] {
		k, val, ok := strings.Cut(p, ":")
		vals, known := allowed[k]
		switch {
		case !ok:
			return Vector{}, fmt.Errorf("cvss vector %q: part %q: want METRIC:VALUE", vector, p)
		case !known:
			return Vector{}, fmt.Errorf("cvss vector %q: unknown metric %q", vector, k)
		case len(val) != 1 || !strings.Contains(vals, val):
			return Vector{}, fmt.Errorf("cvss vector %q: metric %s: invalid value %q", vector, k, val)
		}
		if _, dup := v.metrics[k]; dup {
			return Vector{}, fmt.Errorf("cvss vector %q: metric %s given twice", vector, k)
		}
		v.metrics[k] = val
	}
	for _, m := range baseMetrics {
		if _, ok := v.metrics[m]; !ok {
			return Vector{}, fmt.Errorf("cvss vector %q: base metric %s missing", vector, m)
		}
	}
	return v, nil
}

// BaseScore returns the base score, 0.0 to 10.0 in steps of 0.1.
func (v Vector) BaseScore() float64 {
	m := v.metrics
	changed := m["S"] == "C"
	av := map[string]float64{"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2}[m["AV"]]
	ac := map[string]float64{"L": 0.77, "H": 0.44}[m["AC"]]
	ui := map[string]float64{"N": 0.85, "R": 0.62}[m["UI"]]
	var pr float64
	switch m["PR"] {
	case "N":
		pr = 0.85
	case "L":
		pr = 0.62
		if changed {
			pr = 0.68
		}
	case "H":
		pr = 0.27
		if changed {
			pr = 0.5
		}
	}
	cia := map[string]float64{"H": 0.56, "L": 0.22, "N": 0}
	iss := 1 - (1-cia[m["C"]])*(1-cia[m["I"]])*(1-cia[m["A"]])
	var impact float64
	if changed {
		impact = 7.52*(iss-0.029) - 3.25*math.Pow(iss-0.02, 15)
	} else {
		impact = 6.42 * iss
	}
	if impact <= 0 {
		return 0
	}
	exploitability := 8.22 * av * ac * pr * ui
	total := impact + exploitability
	if changed {
		total *= 1.08
	}
	return v.roundUp(math.Min(total, 10))
}

// roundUp is the specification's Roundup: the smallest number with one decimal not below x.
// v3.1 defines it on integers to avoid floating-point artefacts (4.000000001 must give 4.0 only
// when it really is 4.0); v3.0 used a plain ceiling.
func (v Vector) roundUp(x float64) float64 {
	if v.Version == V30 {
		return math.Ceil(x*10) / 10
	}
	i := int64(math.Round(x * 100000))
	if i%10000 == 0 {
		return float64(i) / 100000
	}
	return float64(i/10000+1) / 10
}

// Rating is the qualitative severity of a score.
type Rating string

// The ratings of the specification's table.
const (
	None     Rating = "none"
	Low      Rating = "low"
	Medium   Rating = "medium"
	High     Rating = "high"
	Critical Rating = "critical"
)

// RatingOf maps a base score to its qualitative rating.
func RatingOf(score float64) Rating {
	switch {
	case score >= 9.0:
		return Critical
	case score >= 7.0:
		return High
	case score >= 4.0:
		return Medium
	case score > 0:
		return Low
	}
	return None
}

// ErrNotV3 is returned by Score for vectors of other CVSS versions.
var ErrNotV3 = errors.New("not a CVSS v3 vector")

// Score parses a vector and returns its base score.
func Score(vector string) (float64, error) {
	if !strings.HasPrefix(vector, "CVSS:3.") {
		return 0, fmt.Errorf("%w: %q", ErrNotV3, vector)
	}
	v, err := Parse(vector)
	if err != nil {
		return 0, err
	}
	return v.BaseScore(), nil
}
