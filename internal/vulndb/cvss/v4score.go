package cvss

import "strings"

// The CVSS v4.0 interpolation within a MacroVector. The specification defines, for each level of
// each equivalence set, its highest-severity vectors and its depth (the largest severity distance
// a vector of that level can have from them); a vector's score is its MacroVector's score minus
// the mean, over the equivalence sets that have a next lower MacroVector, of
//
//	(score of this MacroVector − score of the next lower one) × distance / depth
//
// where the distance counts severity steps (0.1 each) from the highest-severity vector.

// v4Severity orders each scored metric's values from most to least severe: a value's index is its
// number of severity steps. SC has no "S" value, so "S" never matches there.
var v4Severity = map[string]string{
	"AV": "NALP", "PR": "NLH", "UI": "NPA", "AC": "LH", "AT": "NP",
	"VC": "HLN", "VI": "HLN", "VA": "HLN",
	"SC": "SHLN", "SI": "SHLN", "SA": "SHLN",
	"CR": "HML", "IR": "HML", "AR": "HML",
}

// The highest-severity vectors of each level of each equivalence set, as the specification lists
// them. EQ3 and EQ6 are taken jointly, keyed by "EQ3 EQ6" levels.
var (
	v4MaxEQ1 = [][]string{
		{"AV:N/PR:N/UI:N"},
		{"AV:A/PR:N/UI:N", "AV:N/PR:L/UI:N", "AV:N/PR:N/UI:P"},
		{"AV:P/PR:N/UI:N", "AV:A/PR:L/UI:P"},
	}
	v4MaxEQ2 = [][]string{
		{"AC:L/AT:N"},
		{"AC:H/AT:N", "AC:L/AT:P"},
	}
	v4MaxEQ36 = map[[2]int][]string{
		{0, 0}: {"VC:H/VI:H/VA:H/CR:H/IR:H/AR:H"},
		{0, 1}: {"VC:H/VI:H/VA:L/CR:M/IR:M/AR:H", "VC:H/VI:H/VA:H/CR:M/IR:M/AR:M"},
		{1, 0}: {"VC:L/VI:H/VA:H/CR:H/IR:H/AR:H", "VC:H/VI:L/VA:H/CR:H/IR:H/AR:H"},
		{1, 1}: {
			"VC:L/VI:H/VA:L/CR:H/IR:M/AR:H", "VC:L/VI:H/VA:H/CR:H/IR:M/AR:M",
			"VC:H/VI:L/VA:H/CR:M/IR:H/AR:M", "VC:H/VI:L/VA:L/CR:M/IR:H/AR:H",
			"VC:L/VI:L/VA:H/CR:H/IR:H/AR:M",
		},
		{2, 1}: {"VC:L/VI:L/VA:L/CR:H/IR:H/AR:H"},
	}
	v4MaxEQ4 = [][]string{
		{"SC:H/SI:S/SA:S"},
		{"SC:H/SI:H/SA:H"},
		{"SC:L/SI:L/SA:L"},
	}
)

// The depth of each level, in severity steps, in the same arrangement.
var (
	v4DepthEQ1  = []int{1, 4, 5}
	v4DepthEQ2  = []int{1, 2}
	v4DepthEQ36 = map[[2]int]int{{0, 0}: 7, {0, 1}: 6, {1, 0}: 8, {1, 1}: 8, {2, 1}: 10}
	v4DepthEQ4  = []int{6, 5, 4}
)

// v4Lcm is a common multiple of every depth (1..10), so that the mean of the proportional
// distances is an integer fraction over v4Lcm × (number of sets).
const v4Lcm = 2520

// v4Part is one equivalence set's contribution to the interpolation.
type v4Part struct {
	maxVectors []string // empty for EQ5, whose distance is always 0
	depth      int
	lower      [][6]int // the next lower MacroVector(s); the most severe existing one counts
}

// scoreTenths computes the score in tenths of a point (0..100).
func (v V4Vector) scoreTenths() int {
	m := v.effective
	zero := true
	for _, k := range []string{"VC", "VI", "VA", "SC", "SI", "SA"} {
		if m(k) != "N" {
			zero = false
		}
	}
	if zero {
		return 0 // no impact on any system: the specification scores it 0.0
	}
	eq := v.eqLevels()
	value, ok := macroScore(eq)
	if !ok {
		return 0 // unreachable: eqLevels never yields EQ3=2 with EQ6=0 (tested exhaustively)
	}
	n, num := 0, 0 // the mean distance is num / (n × v4Lcm) tenths
	for _, p := range v.parts(eq) {
		lowerScore, found := -1, false
		for _, l := range p.lower {
			if s, ok := macroScore(l); ok && (!found || s > lowerScore) {
				lowerScore, found = s, true
			}
		}
		if !found {
			continue // no lower MacroVector in this set: it does not pull the score down
		}
		n++
		if len(p.maxVectors) == 0 {
			continue
		}
		dist, _ := v.distance(p.maxVectors) // always found (tested exhaustively)
		num += (value - lowerScore) * dist * (v4Lcm / p.depth)
	}
	if n == 0 {
		return value
	}
	den := n * v4Lcm
	total := value*den - num
	if total <= 0 {
		return 0
	}
	r := (2*total + den) / (2 * den) // round half up
	return min(r, 100)
}

// parts lists, for each equivalence set, its highest-severity vectors, depth and next lower
// MacroVector(s) from the vector's levels eq.
func (v V4Vector) parts(eq [6]int) []v4Part {
	step := func(i int) [6]int {
		l := eq
		l[i]++
		return l
	}
	eq36 := [2]int{eq[2], eq[5]}
	var lower36 [][6]int
	switch eq36 {
	case [2]int{0, 0}: // two ways down: 01 and 10; the higher-scoring one counts
		lower36 = [][6]int{step(5), step(2)}
	case [2]int{1, 0}:
		lower36 = [][6]int{step(5)}
	default: // 01 → 11, 11 → 21, 21 → none (31 does not exist)
		lower36 = [][6]int{step(2)}
	}
	return []v4Part{
		{v4MaxEQ1[eq[0]], v4DepthEQ1[eq[0]], [][6]int{step(0)}},
		{v4MaxEQ2[eq[1]], v4DepthEQ2[eq[1]], [][6]int{step(1)}},
		{v4MaxEQ36[eq36], v4DepthEQ36[eq36], lower36},
		{v4MaxEQ4[eq[3]], v4DepthEQ4[eq[3]], [][6]int{step(3)}},
		{nil, 1, [][6]int{step(4)}},
	}
}

// distance returns the severity distance, in steps, from the first of the highest-severity
// vectors that is at least as severe as this vector in every metric it names. Within one level
// every highest-severity vector has the same total severity, so which one dominates does not
// change the result. ok is false when none does.
func (v V4Vector) distance(maxVectors []string) (dist int, ok bool) {
	for _, mv := range maxVectors {
		d, dominated := 0, true
		for _, p := range strings.Split(mv, "/") {
			k, maxVal, _ := strings.Cut(p, ":")
			order := v4Severity[k]
			diff := strings.Index(order, v.effective(k)) - strings.Index(order, maxVal)
			if diff < 0 {
				dominated = false
				break
			}
			d += diff
		}
		if dominated {
			return d, true
		}
	}
	return 0, false
}
