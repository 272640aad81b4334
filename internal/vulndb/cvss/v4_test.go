package cvss

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Where the expected scores of TestScoreV4 come from. Every row was also run through the official
// FIRST CVSS v4.0 calculator (github.com/RedHatProductSecurity/cvss-v4-calculator at d1eafe0, the
// code behind FIRST's and NVD's v4.0 calculators), which gives the same number for each.
const (
	srcCalc    = "FIRST CVSS v4.0 calculator"
	srcRustSec = "RustSec advisory in shared crates.io data; score from the FIRST calculator"
	srcMobSF   = "GHSA-mwfg-948f-2cc5 advisory text states 8.6"
	srcNginx   = "CVE-2022-41741 (nginx mp4 module), FIRST v4.0 examples: 7.3"
	srcPoly    = "polycvss documentation example states 6.9"
	srcMinIO   = "MinIO authentication-bypass advisory text states 8.8"
)

func TestScoreV4(t *testing.T) {
	for _, tc := range []struct {
		name, source, vector string
		want                 float64
	}{
		{"network all vulnerable-system high", srcCalc, "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.3},
		{"mobsf stored xss", srcMobSF, "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:P/VC:H/VI:H/VA:L/SC:N/SI:N/SA:N", 8.6},
		{"nginx mp4 module", srcNginx, "CVSS:4.0/AV:L/AC:L/AT:P/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 7.3},
		{"all low", srcPoly, "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N", 6.9},
		{"minio missing auth", srcMinIO, "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:H/VA:L/SC:N/SI:N/SA:N", 8.8},
		{"local availability", srcCalc, "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N", 6.8},
		{"maximum 10.0", srcCalc, "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", 10.0},
		{"minimum 0.0 no impact", srcCalc, "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", 0.0},
		{"availability only", srcCalc, "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N", 8.7},
		{"local privileged", srcCalc, "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 8.5},
		{"adjacent low impacts", srcCalc, "CVSS:4.0/AV:A/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:L/SC:L/SI:N/SA:L", 5.3},
		{"rustsec local active interaction", srcRustSec, "CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:A/VC:N/VI:H/VA:L/SC:H/SI:H/SA:H", 8.3},
		{"rustsec hard to reach", srcRustSec, "CVSS:4.0/AV:N/AC:H/AT:P/PR:H/UI:A/VC:N/VI:L/VA:N/SC:N/SI:N/SA:N", 1.8},
		{"rustsec unreported exploit E:U", srcRustSec, "CVSS:4.0/AV:N/AC:H/AT:P/PR:N/UI:N/VC:N/VI:L/VA:N/SC:N/SI:N/SA:N/E:U", 1.7},
		{"rustsec proof of concept E:P", srcRustSec, "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:L/VA:N/SC:N/SI:N/SA:N/E:P", 5.5},
		{"rustsec physical", srcRustSec, "CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N", 1.0},
		{"rustsec subsequent low", srcRustSec, "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:H/VA:N/SC:L/SI:L/SA:N", 9.1},
		{"rustsec subsequent confidentiality", srcRustSec, "CVSS:4.0/AV:N/AC:H/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:H/SI:N/SA:N", 8.9},
		{"EQ1=2 physical", srcCalc, "CVSS:4.0/AV:P/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 7.0},
		{"EQ1=2 nothing none", srcCalc, "CVSS:4.0/AV:A/AC:L/AT:N/PR:L/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 7.0},
		{"EQ1=1 passive interaction", srcCalc, "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 8.7},
		{"EQ2=1 AC:H", srcCalc, "CVSS:4.0/AV:N/AC:H/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.2},
		{"EQ2=1 AC:H AT:P", srcCalc, "CVSS:4.0/AV:N/AC:H/AT:P/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.2},
		{"EQ3=1 one high", srcCalc, "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:L/VA:N/SC:N/SI:N/SA:N", 8.8},
		{"EQ3=2 low only", srcCalc, "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N", 6.9},
		{"EQ4=1 subsequent high", srcCalc, "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:H/SI:N/SA:N", 7.7},
		{"EQ4=2 subsequent only", srcCalc, "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:L/SI:L/SA:L", 6.9},
		{"EQ4=0 MSI:S safety", srcCalc, "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/MSI:S", 10.0},
		{"EQ4=0 MSA:S safety", srcCalc, "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N/MSA:S", 7.7},
		{"EQ5=1 E:P", srcCalc, "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:P", 8.9},
		{"EQ5=2 E:U", srcCalc, "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U", 8.1},
		{"E:A same as not defined", srcCalc, "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A", 9.3},
		{"EQ6=1 low requirements", srcCalc, "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/CR:L/IR:L/AR:L", 8.9},
		{"EQ6=0 one matching high requirement", srcCalc, "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:L/VA:L/SC:N/SI:N/SA:N/CR:H/IR:L/AR:L", 8.7},
		{"EQ3=1 EQ6=1 medium requirements", srcCalc, "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:L/VA:L/SC:N/SI:N/SA:N/CR:M/IR:M/AR:M", 7.9},
		{"modified attack vector physical", srcCalc, "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MAV:P", 7.0},
		{"modified exploitability all worse", srcCalc, "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MAC:H/MAT:P/MPR:H/MUI:A", 7.1},
		{"modified impacts none gives 0.0", srcCalc, "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/MVC:N/MVI:N/MVA:N/MSC:N/MSI:N/MSA:N", 0.0},
		{"modified metrics raise a low base", srcCalc, "CVSS:4.0/AV:L/AC:H/AT:P/PR:H/UI:A/VC:N/VI:N/VA:L/SC:N/SI:N/SA:N/MAV:N/MAC:L/MAT:N/MPR:N/MUI:N/MVC:H/MVI:H/MVA:H", 9.3},
		{"X values change nothing", srcCalc, "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:X/CR:X/IR:X/AR:X/MAV:X/MAC:X/MAT:X/MPR:X/MUI:X/MVC:X/MVI:X/MVA:X/MSC:X/MSI:X/MSA:X", 9.3},
		{"supplemental metrics change nothing", srcCalc, "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/S:P/AU:Y/R:U/V:C/RE:H/U:Red", 9.3},
		{"threat and environmental together", srcCalc, "CVSS:4.0/AV:A/AC:H/AT:P/PR:L/UI:P/VC:L/VI:H/VA:N/SC:L/SI:L/SA:H/E:P/CR:H/IR:M/AR:L/MAV:L/MPR:N/MVC:H/MSI:S/MSA:N", 8.2},
		{"lowest non-zero 0.1", srcCalc, "CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:N/VI:N/VA:L/SC:N/SI:N/SA:N/E:U", 0.1},
		{"subsequent only physical", srcCalc, "CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:N/VI:N/VA:N/SC:L/SI:N/SA:N", 1.0},
		{"canonical order", srcCalc, "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 8.7},
		// GHSA-28g4-38q8-3cwc publishes its impacts interleaved; the calculator rejects the order,
		// the meaning (and so the score of the canonical row above) is unchanged.
		{"interleaved order", srcCalc, "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/SC:N/VI:H/SI:N/VA:H/SA:N", 8.7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ScoreV4(tc.vector)
			if err != nil {
				t.Fatalf("ScoreV4(%s): %v", tc.vector, err)
			}
			if got != tc.want {
				t.Errorf("ScoreV4(%s) = %v, want %v (%s)", tc.vector, got, tc.want, tc.source)
			}
		})
	}
}

// TestScoreV4CoversEveryLevel keeps TestScoreV4 honest: its vectors must reach every level of
// every equivalence set.
func TestScoreV4CoversEveryLevel(t *testing.T) {
	vectors := []string{
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/CR:H",               // 000100 with EQ6=0
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:H/VI:L/VA:L/SC:N/SI:N/SA:N/CR:M/IR:M/AR:M",     // EQ1=1, EQ3=1, EQ6=1
		"CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:N/VI:N/VA:L/SC:N/SI:N/SA:N/E:U",                // EQ1=2, EQ2=1, EQ3=2, EQ5=2
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/MSI:S",              // EQ4=0
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:H/SI:N/SA:N",                    // EQ4=1
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:P",                // EQ5=1
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A/CR:L/IR:L/AR:L", // EQ5=0, EQ6=1
	}
	seen := [6]map[byte]bool{}
	for i := range seen {
		seen[i] = map[byte]bool{}
	}
	for _, s := range vectors {
		v, err := ParseV4(s)
		if err != nil {
			t.Fatal(err)
		}
		mv := v.MacroVector()
		for i := range 6 {
			seen[i][mv[i]] = true
		}
	}
	want := []int{3, 2, 3, 3, 3, 2}
	for i, n := range want {
		if len(seen[i]) != n {
			t.Errorf("EQ%d: levels %v covered, want %d", i+1, seen[i], n)
		}
	}
}

func TestMacroVector(t *testing.T) {
	for _, tc := range []struct{ vector, want string }{
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "000200"},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", "000100"},
		{"CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:N/VI:N/VA:L/SC:N/SI:N/SA:N/E:U", "212221"},
		{"CVSS:4.0/AV:A/AC:L/AT:N/PR:L/UI:P/VC:H/VI:L/VA:N/SC:L/SI:N/SA:N/MSI:S", "201000"},
		{"CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N/E:P/AR:L", "101211"},
	} {
		v, err := ParseV4(tc.vector)
		if err != nil {
			t.Fatal(err)
		}
		if got := v.MacroVector(); got != tc.want {
			t.Errorf("MacroVector(%s) = %s, want %s", tc.vector, got, tc.want)
		}
	}
}

func TestParseV4Rejects(t *testing.T) {
	const base = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
	for _, tc := range []struct{ name, vector, wantErr string }{
		{"empty", "", `prefix ""`},
		{"v3.1 vector", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", `prefix "CVSS:3.1"`},
		{"lower-case prefix", strings.Replace(base, "CVSS", "cvss", 1), "prefix"},
		{"missing SA", strings.TrimSuffix(base, "/SA:N"), "base metric SA missing"},
		{"missing AT", strings.Replace(base, "/AT:N", "", 1), "base metric AT missing"},
		{"v3 user interaction value", strings.Replace(base, "UI:N", "UI:R", 1), "metric UI: invalid value \"R\""},
		{"safety on base SI", strings.Replace(base, "SI:N", "SI:S", 1), "metric SI: invalid value \"S\""},
		{"X on a base metric", strings.Replace(base, "AV:N", "AV:X", 1), "metric AV: invalid value \"X\""},
		{"duplicate", base + "/AV:N", "metric AV given twice"},
		{"duplicate optional", base + "/E:P/E:P", "metric E given twice"},
		{"unknown metric", base + "/XX:Y", `unknown metric "XX"`},
		{"v3 metric", base + "/S:U", "metric S: invalid value \"U\""},
		{"no colon", base + "/E", `part "E": want METRIC:VALUE`},
		{"empty part", base + "/", `part "": want METRIC:VALUE`},
		{"empty value", base + "/E:", `metric E: invalid value ""`},
		{"bad urgency", base + "/U:Purple", `metric U: invalid value "Purple"`},
		{"lower-case value", strings.Replace(base, "AV:N", "AV:n", 1), `metric AV: invalid value "n"`},
		{"bad modified safety", base + "/MSC:S", `metric MSC: invalid value "S"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ScoreV4(tc.vector)
			if err == nil {
				t.Fatalf("ScoreV4(%q): want an error", tc.vector)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ScoreV4(%q) error %q, want it to mention %q", tc.vector, err, tc.wantErr)
			}
		})
	}
}

func TestNomenclatureAndString(t *testing.T) {
	const base = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
	for _, tc := range []struct{ name, vector, wantNom, wantString string }{
		{"base", base, "CVSS-B", base},
		{"threat", base + "/E:U", "CVSS-BT", base + "/E:U"},
		{"environmental", base + "/MAV:L", "CVSS-BE", base + "/MAV:L"},
		{"requirement", base + "/AR:L", "CVSS-BE", base + "/AR:L"},
		{"both", base + "/MSA:S/E:P", "CVSS-BTE", base + "/E:P/MSA:S"},
		{"not defined counts as absent", base + "/E:X/CR:X", "CVSS-B", base + "/E:X/CR:X"},
		{"supplemental only", base + "/U:Amber/AU:Y", "CVSS-B", base + "/AU:Y/U:Amber"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := ParseV4(tc.vector)
			if err != nil {
				t.Fatal(err)
			}
			if got := v.Nomenclature(); got != tc.wantNom {
				t.Errorf("Nomenclature() = %s, want %s", got, tc.wantNom)
			}
			if diff := cmp.Diff(tc.wantString, v.String()); diff != "" {
				t.Errorf("String() (-want +got):\n%s", diff)
			}
		})
	}
}

// TestV4HighestSeverityVectorsDominate checks, over every combination of the metrics each
// equivalence set reads, that one of its level's highest-severity vectors is at least as severe
// in every metric (so a severity distance always exists), that the distance stays within the
// level's depth, and that every level the sets produce has a MacroVector score.
func TestV4HighestSeverityVectorsDominate(t *testing.T) {
	const base = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
	var envs []string
	for _, av := range "NALP" {
		for _, pr := range "NLH" {
			for _, ui := range "NPA" {
				envs = append(envs, "/MAV:"+string(av)+"/MPR:"+string(pr)+"/MUI:"+string(ui))
			}
		}
	}
	for _, ac := range "LH" {
		for _, at := range "NP" {
			envs = append(envs, "/MAC:"+string(ac)+"/MAT:"+string(at))
		}
	}
	imp, req := "HLN", "HML"
	for i := range 729 {
		d := []int{i % 3, i / 3 % 3, i / 9 % 3, i / 27 % 3, i / 81 % 3, i / 243 % 3}
		envs = append(envs, "/MVC:"+string(imp[d[0]])+"/MVI:"+string(imp[d[1]])+"/MVA:"+string(imp[d[2]])+
			"/CR:"+string(req[d[3]])+"/IR:"+string(req[d[4]])+"/AR:"+string(req[d[5]]))
	}
	for _, sc := range "HLN" {
		for _, si := range "SHLN" {
			for _, sa := range "SHLN" {
				envs = append(envs, "/MSC:"+string(sc)+"/MSI:"+string(si)+"/MSA:"+string(sa))
			}
		}
	}
	for _, env := range envs {
		v, err := ParseV4(base + env)
		if err != nil {
			t.Fatal(err)
		}
		eq := v.eqLevels()
		if _, ok := macroScore(eq); !ok {
			t.Errorf("%s: MacroVector %s has no score", env, macroKey(eq))
		}
		for i, p := range v.parts(eq)[:4] {
			dist, ok := v.distance(p.maxVectors)
			if !ok {
				t.Errorf("%s: no highest-severity vector of set %d dominates it", env, i)
			} else if dist > p.depth {
				t.Errorf("%s: distance %d in set %d exceeds depth %d", env, dist, i, p.depth)
			}
		}
		if s := v.Score(); s < 0 || s > 10 {
			t.Errorf("%s: score %v out of range", env, s)
		}
	}
}

func TestMacroScoreTable(t *testing.T) {
	if len(macroScoresV4) != 270 {
		t.Errorf("%d MacroVector scores, want the specification's 270", len(macroScoresV4))
	}
	for k, s := range macroScoresV4 {
		if len(k) != 6 || s < 0 || s > 100 {
			t.Errorf("entry %q: %d", k, s)
		}
	}
	if s := macroScoresV4["000000"]; s != 100 {
		t.Errorf("most severe MacroVector scores %d tenths, want 100", s)
	}
}

// TestScoreV4Calculator compares against testdata/v4-calculator.txt: 1,000 vectors (400 base-only,
// 600 with random threat and environmental metrics) and the score the official FIRST calculator
// gives each; testdata/README.md says how the file was made.
func TestScoreV4Calculator(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "v4-calculator.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for line := 1; sc.Scan(); line++ {
		vector, s, ok := strings.Cut(sc.Text(), " ")
		want, perr := strconv.ParseFloat(s, 64)
		if !ok || perr != nil {
			t.Fatalf("v4-calculator.txt: line %d: want \"VECTOR SCORE\"", line)
		}
		n++
		got, err := ScoreV4(vector)
		if err != nil {
			t.Errorf("line %d: %v", line, err)
		} else if got != want {
			t.Errorf("line %d: ScoreV4(%s) = %v, calculator says %v", line, vector, got, want)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n != 1000 {
		t.Errorf("%d vectors checked, want 1000", n)
	}
}

func TestV4MetricTableFitsVector(t *testing.T) {
	if len(v4Metrics) != len(V4Vector{}.vals) {
		t.Errorf("%d metrics, V4Vector holds %d", len(v4Metrics), len(V4Vector{}.vals))
	}
	seen := map[string]bool{}
	for i, m := range v4Metrics {
		if seen[m.name] {
			t.Errorf("metric %s listed twice", m.name)
		}
		seen[m.name] = true
		if i < v4BaseCount && contains(m.values, "X") {
			t.Errorf("base metric %s must not accept X", m.name)
		}
	}
}

func BenchmarkScoreV4(b *testing.B) {
	const vector = "CVSS:4.0/AV:A/AC:H/AT:P/PR:L/UI:P/VC:L/VI:H/VA:N/SC:L/SI:L/SA:H/E:P/CR:H/IR:M/AR:L/MAV:L/MPR:N/MVC:H/MSI:S/MSA:N"
	for b.Loop() {
		if _, err := ScoreV4(vector); err != nil {
			b.Fatal(err)
		}
	}
}
