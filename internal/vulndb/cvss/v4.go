package cvss

import (
	"fmt"
	"strings"
)

// V4 is the version prefix of CVSS v4.0 vectors.
const V4 = "CVSS:4.0"

// v4Metric is one metric of CVSS v4.0 with its allowed values, in the specification's order.
type v4Metric struct {
	name   string
	values []string
}

// v4Metrics lists every CVSS v4.0 metric (base, threat, environmental, supplemental) in the
// specification's vector-string order, so that vectors are validated strictly. The first eleven are
// the mandatory base metrics. Only the supplemental metrics S, AU, R, V, RE and U do not affect
// the score.
var v4Metrics = []v4Metric{
	{"AV", []string{"N", "A", "L", "P"}},
	{"AC", []string{"L", "H"}},
	{"AT", []string{"N", "P"}},
	{"PR", []string{"N", "L", "H"}},
	{"UI", []string{"N", "P", "A"}},
	{"VC", []string{"H", "L", "N"}},
	{"VI", []string{"H", "L", "N"}},
	{"VA", []string{"H", "L", "N"}},
	{"SC", []string{"H", "L", "N"}},
	{"SI", []string{"H", "L", "N"}},
	{"SA", []string{"H", "L", "N"}},
	{"E", []string{"X", "A", "P", "U"}},
	{"CR", []string{"X", "H", "M", "L"}},
	{"IR", []string{"X", "H", "M", "L"}},
	{"AR", []string{"X", "H", "M", "L"}},
	{"MAV", []string{"X", "N", "A", "L", "P"}},
	{"MAC", []string{"X", "L", "H"}},
	{"MAT", []string{"X", "N", "P"}},
	{"MPR", []string{"X", "N", "L", "H"}},
	{"MUI", []string{"X", "N", "P", "A"}},
	{"MVC", []string{"X", "H", "L", "N"}},
	{"MVI", []string{"X", "H", "L", "N"}},
	{"MVA", []string{"X", "H", "L", "N"}},
	{"MSC", []string{"X", "H", "L", "N"}},
	{"MSI", []string{"X", "S", "H", "L", "N"}},
	{"MSA", []string{"X", "S", "H", "L", "N"}},
	{"S", []string{"X", "N", "P"}},
	{"AU", []string{"X", "N", "Y"}},
	{"R", []string{"X", "A", "U", "I"}},
	{"V", []string{"X", "D", "C"}},
	{"RE", []string{"X", "L", "M", "H"}},
	{"U", []string{"X", "Clear", "Green", "Amber", "Red"}},
}

// v4BaseCount is the number of mandatory base metrics at the head of v4Metrics.
const v4BaseCount = 11

// V4Vector is a parsed, validated CVSS v4.0 vector. The zero value is not a valid vector; get
// one from ParseV4.
type V4Vector struct {
	// vals holds each metric's value by its index in v4Metrics; "" means absent.
	vals [32]string
}

// ParseV4 reads a CVSS v4.0 vector such as
// "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N". It accepts only the metrics
// and values the specification defines, each at most once, and requires all eleven base metrics;
// the error names the offending part. Metrics are accepted in any order, because published
// advisories do not always keep the specification's order and the order does not change the
// meaning.
func ParseV4(vector string) (V4Vector, error) {
	parts := strings.Split(strings.TrimSpace(vector), "/")
	if parts[0] != V4 {
		return V4Vector{}, fmt.Errorf("cvss vector %q: prefix %q: want %s", vector, parts[0], V4)
	}
	var v V4Vector
	for _, p := range parts[1:] {
		k, val, ok := strings.Cut(p, ":")
		if !ok {
			return V4Vector{}, fmt.Errorf("cvss vector %q: part %q: want METRIC:VALUE", vector, p)
		}
		i := v4Index(k)
		switch {
		case i < 0:
			return V4Vector{}, fmt.Errorf("cvss vector %q: unknown metric %q", vector, k)
		case !contains(v4Metrics[i].values, val):
			return V4Vector{}, fmt.Errorf("cvss vector %q: metric %s: invalid value %q (want one of %s)",
				vector, k, val, strings.Join(v4Metrics[i].values, ", "))
		case v.vals[i] != "":
			return V4Vector{}, fmt.Errorf("cvss vector %q: metric %s given twice", vector, k)
		}
		v.vals[i] = val
	}
	for i := range v4BaseCount {
		if v.vals[i] == "" {
			return V4Vector{}, fmt.Errorf("cvss vector %q: base metric %s missing", vector, v4Metrics[i].name)
		}
	}
	return v, nil
}

func v4Index(name string) int {
	for i, m := range v4Metrics {
		if m.name == name {
			return i
		}
	}
	return -1
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// get returns the value given for a metric, "X" (Not Defined) when the vector omits it.
func (v V4Vector) get(name string) string {
	if i := v4Index(name); i >= 0 && v.vals[i] != "" {
		return v.vals[i]
	}
	return "X"
}

// String returns the vector in the specification's metric order, leaving out metrics the
// original omitted.
func (v V4Vector) String() string {
	var b strings.Builder
	b.WriteString(V4)
	for i, m := range v4Metrics {
		if v.vals[i] != "" {
			b.WriteString("/" + m.name + ":" + v.vals[i])
		}
	}
	return b.String()
}

// Nomenclature names which metric groups the score reflects, as the specification requires
// scores to be labelled: "CVSS-B" (base only), "CVSS-BT" (with threat), "CVSS-BE" (with
// environmental) or "CVSS-BTE". Metrics given as X (Not Defined) do not count.
func (v V4Vector) Nomenclature() string {
	threat, env := v.get("E") != "X", false
	for i, m := range v4Metrics {
		isEnv := m.name == "CR" || m.name == "IR" || m.name == "AR" || strings.HasPrefix(m.name, "M")
		if isEnv && v.vals[i] != "" && v.vals[i] != "X" {
			env = true
		}
	}
	switch {
	case threat && env:
		return "CVSS-BTE"
	case threat:
		return "CVSS-BT"
	case env:
		return "CVSS-BE"
	}
	return "CVSS-B"
}

// effective is the value a metric takes in scoring: a modified (M*) environmental metric replaces
// the base metric it modifies; Not Defined threat and security-requirement metrics take their
// worst case (E:A, CR/IR/AR:H), as the specification assumes when they are unknown.
func (v V4Vector) effective(name string) string {
	switch name {
	case "E":
		if e := v.get("E"); e != "X" {
			return e
		}
		return "A"
	case "CR", "IR", "AR":
		if r := v.get(name); r != "X" {
			return r
		}
		return "H"
	}
	if m := v.get("M" + name); m != "X" {
		return m
	}
	return v.get(name)
}

// ScoreV4 parses a CVSS v4.0 vector and returns its score (see V4Vector.Score).
func ScoreV4(vector string) (float64, error) {
	v, err := ParseV4(vector)
	if err != nil {
		return 0, err
	}
	return v.Score(), nil
}

// Score returns the CVSS v4.0 score of the vector, 0.0 to 10.0 in steps of 0.1: CVSS-B for a
// base-only vector, CVSS-BT/BE/BTE when it carries threat or environmental metrics (see
// Nomenclature). The specification's method: the vector falls into a MacroVector (its levels of
// the equivalence sets EQ1..EQ6), whose score is published data (macroScoresV4); within it the
// score is lowered in proportion to how far, in severity steps, the vector lies from the
// MacroVector's highest-severity vectors, interpolating towards the next lower MacroVector of each
// equivalence set. The arithmetic is exact (integers over a common denominator) and the result is
// rounded half up to one decimal, which is what the official calculator's epsilon-corrected
// rounding computes.
func (v V4Vector) Score() float64 {
	return float64(v.scoreTenths()) / 10
}

// MacroVector returns the vector's six equivalence-class levels EQ1..EQ6 as digits, e.g. "000200".
func (v V4Vector) MacroVector() string {
	return macroKey(v.eqLevels())
}

// eqLevels computes the equivalence-class levels of the specification's EQ table.
func (v V4Vector) eqLevels() [6]int {
	m := v.effective
	var eq [6]int
	av, pr, ui := m("AV"), m("PR"), m("UI")
	switch {
	case av == "N" && pr == "N" && ui == "N":
		eq[0] = 0
	case (av == "N" || pr == "N" || ui == "N") && av != "P":
		eq[0] = 1
	default:
		eq[0] = 2
	}
	if m("AC") != "L" || m("AT") != "N" {
		eq[1] = 1
	}
	vc, vi, va := m("VC"), m("VI"), m("VA")
	switch {
	case vc == "H" && vi == "H":
		eq[2] = 0
	case vc == "H" || vi == "H" || va == "H":
		eq[2] = 1
	default:
		eq[2] = 2
	}
	switch {
	case m("SI") == "S" || m("SA") == "S":
		eq[3] = 0
	case m("SC") == "H" || m("SI") == "H" || m("SA") == "H":
		eq[3] = 1
	default:
		eq[3] = 2
	}
	eq[4] = map[string]int{"A": 0, "P": 1, "U": 2}[m("E")]
	if !(m("CR") == "H" && vc == "H" || m("IR") == "H" && vi == "H" || m("AR") == "H" && va == "H") {
		eq[5] = 1
	}
	return eq
}

// macroKey renders EQ levels as a key of macroScoresV4.
func macroKey(eq [6]int) string {
	var b [6]byte
	for i, l := range eq {
		b[i] = byte('0' + l)
	}
	return string(b[:])
}

// macroScore looks up a MacroVector's score in tenths; ok is false for levels outside the table.
func macroScore(eq [6]int) (int, bool) {
	s, ok := macroScoresV4[macroKey(eq)]
	return s, ok
}
