package deps

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/inventory"
	"github.com/palisade-sec/palisade/internal/vulndb"
	"github.com/palisade-sec/palisade/internal/vulndb/cvss"
	"github.com/palisade-sec/palisade/internal/vulndb/osv"
)

// The finding properties of vulnerability findings.
const (
	PropEcosystem      = "ecosystem"
	PropPackage        = "package"
	PropVersion        = "version"
	PropFixedIn        = "fixedIn"       // the nearest fixed version
	PropFixedVersions  = "fixedVersions" // every fixed version above the installed one, comma-separated
	PropAliases        = "aliases"       // the other IDs of the same vulnerability, comma-separated
	PropCVSS           = "cvss"          // the vector the severity came from
	PropCVSSScore      = "cvssScore"
	PropSeveritySource = "severitySource" // "cvss-v3", "cvss-v4", "database", "informational-<kind>", or "default"
	PropDirect         = "direct"
	PropDependencyPath = "dependencyPath" // "a@1 > b@2 > vulnerable@3" for transitive packages
	PropImported       = "imported"       // Go: "true", "false" or "unknown"
	PropVulnerablePkgs = "vulnerablePackages"
	PropOrigSeverity   = "originalSeverity"
	PropSourcePackage  = "sourcePackage" // OS packages: the source package advisories name
	PropSourceVersion  = "sourceVersion" // and its installed version
	PropFixState       = "fixState"      // OS packages: "fixed" (an upgrade exists) or "unfixed"
	PropPURL           = "purl"          // the package's purl, which ignore-file entries can name
)

// The values of PropFixState.
const (
	FixStateFixed   = "fixed"
	FixStateUnfixed = "unfixed"
)

// vulnFindings turns matches into findings: one per package entry and vulnerability, with
// records that are aliases of each other merged.
func (a *Analyzer) vulnFindings(pkgs []inventory.Package, matches []vulndb.Match, mods []*goModule) []finding.Finding {
	byPkg := map[int][]vulndb.Match{}
	var order []int
	for _, m := range matches {
		if _, ok := byPkg[m.Index]; !ok {
			order = append(order, m.Index)
		}
		byPkg[m.Index] = append(byPkg[m.Index], m)
	}
	graphs := dependencyGraphs(pkgs)
	var out []finding.Finding
	for _, i := range order {
		for _, group := range aliasGroups(byPkg[i]) {
			out = append(out, a.vulnFinding(pkgs[i], group, mods, graphs))
		}
	}
	return out
}

// aliasGroups partitions one package's matches into sets that share an ID or alias.
func aliasGroups(ms []vulndb.Match) [][]vulndb.Match {
	parent := make([]int, len(ms))
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	owner := map[string]int{}
	for i, m := range ms {
		// Distro records name the CVE they derive from as upstream, not alias: a DSA and the
		// DEBIAN-CVE record of its CVE are one vulnerability of the package.
		ids := append([]string{m.Vulnerability.ID}, m.Vulnerability.Aliases...)
		for _, id := range append(ids, m.Vulnerability.Upstream...) {
			if j, ok := owner[id]; ok {
				parent[find(i)] = find(j)
			} else {
				owner[id] = i
			}
		}
	}
	groups := map[int][]vulndb.Match{}
	var roots []int
	for i, m := range ms {
		r := find(i)
		if _, ok := groups[r]; !ok {
			roots = append(roots, r)
		}
		groups[r] = append(groups[r], m)
	}
	out := make([][]vulndb.Match, 0, len(roots))
	for _, r := range roots {
		out = append(out, groups[r])
	}
	return out
}

// idRank orders candidate primary IDs: the ecosystem's own database first (its advisories are
// curated for that ecosystem), then GHSA, then the rest, CVE last.
func idRank(id string) int {
	switch {
	case strings.HasPrefix(id, "GO-"), strings.HasPrefix(id, "RUSTSEC-"), strings.HasPrefix(id, "PYSEC-"):
		return 0
	case strings.HasPrefix(id, "GHSA-"):
		return 1
	case strings.HasPrefix(id, "CVE-"):
		return 3
	}
	return 2
}

// vulnFinding builds the one finding for a package and a group of alias records.
func (a *Analyzer) vulnFinding(p inventory.Package, group []vulndb.Match, mods []*goModule, graphs map[string]*depGraph) finding.Finding {
	slices.SortFunc(group, func(x, y vulndb.Match) int {
		return cmp.Or(cmp.Compare(idRank(x.Vulnerability.ID), idRank(y.Vulnerability.ID)), strings.Compare(x.Vulnerability.ID, y.Vulnerability.ID))
	})
	primary := group[0].Vulnerability
	props := map[string]string{
		PropEcosystem: p.Ecosystem, PropPackage: p.Name, PropVersion: p.Version,
		PropDirect: strconv.FormatBool(p.Direct),
	}
	if p.PURL != "" {
		props[PropPURL] = p.PURL
	}
	if aliases := groupAliases(group); len(aliases) > 0 {
		props[PropAliases] = strings.Join(aliases, ",")
	}
	sev, src, vector, score := a.severity(group)
	props[PropSeveritySource] = src
	if vector != "" {
		props[PropCVSS] = vector
		props[PropCVSSScore] = strconv.FormatFloat(score, 'f', 1, 64)
	}
	fixed := groupFixed(group)
	remediation := remediationFor(p, primary.ID, fixed, props)
	title := fmt.Sprintf("%s@%s: %s", p.Name, p.Version, clip(titleOf(primary), 200))
	if osPackage(p) {
		sev, title = a.osPackageFinding(p, fixed, sev, title, props)
	}
	if !p.Direct {
		if dp := graphs[p.Location.Path].pathTo(p.Key()); dp != "" {
			props[PropDependencyPath] = dp
			remediation += " It is pulled in through " + dp + "."
		}
	}
	confidence := finding.ConfidenceHigh
	if p.Ecosystem == inventory.Go {
		imported, vulnPkgs := goImported(p, group, mods)
		props[PropImported] = imported
		if len(vulnPkgs) > 0 {
			props[PropVulnerablePkgs] = strings.Join(vulnPkgs, ",")
		}
		// The standard library is exempt: its packages import each other throughout (net/http
		// pulls in crypto/tls, crypto/x509, mime/multipart …), so "not imported directly" says
		// little about whether a program uses the vulnerable one.
		if imported == "false" && p.Name != "stdlib" {
			confidence = finding.ConfidenceLow
			if a.opts.DemoteNotImported {
				props[PropOrigSeverity] = sev.String()
				sev = finding.SeverityInfo
			}
		}
	}
	return finding.Finding{
		RuleID:      primary.ID,
		Title:       title,
		Description: clip(primary.Details, 2000),
		Severity:    sev,
		Confidence:  confidence,
		Location:    p.Location,
		Fingerprint: finding.Fingerprint(primary.ID, p.Location.Path, p.Key()),
		Remediation: remediation,
		References:  referencesOf(primary),
		Scanner:     Name,
		Properties:  props,
	}
}

// osPackageFinding adds what an OS package's finding says besides a language package's: the
// source package, whether a fix exists, and — unless deps.gate-unfixed — an unfixed advisory
// lowered to info, its severity kept in a property, so it is listed apart and does not gate.
func (a *Analyzer) osPackageFinding(p inventory.Package, fixed []string, sev finding.Severity, title string, props map[string]string) (finding.Severity, string) {
	if p.Source != "" && p.Source != p.Name {
		props[PropSourcePackage] = p.Source
		props[PropSourceVersion] = p.SourceVersion
	}
	if len(fixed) > 0 {
		props[PropFixState] = FixStateFixed
		return sev, title
	}
	props[PropFixState] = FixStateUnfixed
	if !a.opts.GateUnfixed {
		props[PropOrigSeverity] = sev.String()
		sev = finding.SeverityInfo
	}
	return sev, title + " (no fix yet)"
}

// groupAliases returns every ID and alias of the group except the primary (group[0]'s), sorted.
func groupAliases(group []vulndb.Match) []string {
	ids := map[string]bool{}
	for _, m := range group {
		ids[m.Vulnerability.ID] = true
		for _, al := range m.Vulnerability.Aliases {
			ids[al] = true
		}
	}
	delete(ids, group[0].Vulnerability.ID)
	return slices.Sorted(maps.Keys(ids))
}

// groupFixed merges the fixed versions of the group's records, nearest first.
func groupFixed(group []vulndb.Match) []string {
	if len(group) == 1 {
		return group[0].FixedIn
	}
	var fixed []string
	for _, m := range group {
		fixed = append(fixed, m.FixedIn...)
	}
	return vulndb.SortVersions(group[0].Package.Ecosystem, fixed)
}

// remediationFor says what to upgrade to, and records the fixed versions in props.
func remediationFor(p inventory.Package, id string, fixed []string, props map[string]string) string {
	if len(fixed) == 0 && osPackage(p) {
		return fmt.Sprintf("%s publishes no fixed version of %s for %s yet (or will not fix it); remove the package if the image does not need it, or mitigate as the advisory describes. Listed apart; it fails the gate only with deps.gate-unfixed.", p.Ecosystem, sourceOrName(p), id)
	}
	if len(fixed) == 0 {
		return fmt.Sprintf("No fixed version of %s is published for %s; consider removing or replacing it, or mitigating as the advisory describes.", p.Name, id)
	}
	props[PropFixedIn] = fixed[0]
	props[PropFixedVersions] = strings.Join(fixed, ",")
	if p.Ecosystem == inventory.Go && p.Name == "stdlib" {
		return fmt.Sprintf("Build with Go %s or later (the toolchain line of go.mod, or the toolchain that builds the binary).", fixed[0])
	}
	if osPackage(p) && p.Source != "" && p.Source != p.Name {
		return fmt.Sprintf("Upgrade %s to the build of source package %s %s or later (%s), or rebuild on a base image that has it.", p.Name, p.Source, fixed[0], p.Ecosystem)
	}
	if osPackage(p) {
		return fmt.Sprintf("Upgrade %s to %s or later (%s), or rebuild on a base image that has it.", p.Name, fixed[0], p.Ecosystem)
	}
	return fmt.Sprintf("Upgrade %s to %s or later.", p.Name, fixed[0])
}

// titleOf is the advisory's summary, else the first line of its details, else its ID.
func titleOf(v *osv.Vulnerability) string {
	if v.Summary != "" {
		return v.Summary
	}
	if first, _, _ := strings.Cut(strings.TrimSpace(v.Details), "\n"); first != "" {
		return first
	}
	return v.ID
}

// referencesOf lists the advisory's page on osv.dev first, then its own references.
func referencesOf(v *osv.Vulnerability) []string {
	refs := []string{"https://osv.dev/vulnerability/" + v.ID}
	for _, r := range v.References {
		if !slices.Contains(refs, r.URL) {
			refs = append(refs, r.URL)
		}
	}
	return refs
}

// osPackage says whether p came from an OS package database (its ecosystem is a distribution's),
// where unfixed advisories, distro severities and source packages apply.
func osPackage(p inventory.Package) bool {
	base, _, _ := strings.Cut(p.Ecosystem, ":")
	switch base {
	case "Debian", "Ubuntu", "Alpine", "Red Hat", "AlmaLinux", "Rocky Linux", "Wolfi", "Chainguard", "SUSE", "openSUSE":
		return true
	}
	return false
}

func sourceOrName(p inventory.Package) string {
	if p.Source != "" {
		return p.Source
	}
	return p.Name
}

// distroSeverity is the distribution's own rating of the group, for OS packages: the
// distribution judges the package as it builds and ships it, which NVD's score of the upstream
// project does not (a flaw in a feature compiled out, a hardening flag that blocks it). It reads
// severity entries of type "Ubuntu" (top level, per package, and per CVE in a notice's
// database_specific.cves_map); affected[].ecosystem_specific or database_specific "severity"
// (Red Hat's Low/Moderate/Important/Critical) or "urgency" (Debian's); the rating AlmaLinux and
// Rocky put before the summary ("Important: …"). The highest found wins.
func distroSeverity(group []vulndb.Match) (finding.Severity, bool) {
	best, found := finding.SeverityUnknown, false
	take := func(s string) {
		if sev, ok := distroRating(s); ok && (!found || sev > best) {
			best, found = sev, true
		}
	}
	for _, m := range group {
		for _, s := range allSeverities(m) {
			if s.Type == "Ubuntu" {
				take(s.Score)
			}
		}
		for _, af := range m.Affected {
			for _, raw := range []json.RawMessage{af.EcosystemSpecific, af.DatabaseSpecific} {
				var ds struct {
					Severity json.RawMessage `json:"severity"`
					Urgency  string          `json:"urgency"`
					// Ubuntu's notices rate each CVE they fix here.
					CVEsMap struct {
						CVEs []struct {
							Severity []osv.Severity `json:"severity"`
						} `json:"cves"`
					} `json:"cves_map"`
				}
				if len(raw) == 0 || json.Unmarshal(raw, &ds) != nil {
					continue
				}
				var s string
				if json.Unmarshal(ds.Severity, &s) == nil {
					take(s)
				}
				take(ds.Urgency)
				for _, c := range ds.CVEsMap.CVEs {
					for _, sv := range c.Severity {
						if sv.Type == "Ubuntu" {
							take(sv.Score)
						}
					}
				}
			}
		}
		if rating, _, ok := strings.Cut(m.Vulnerability.Summary, ": "); ok {
			take(rating)
		}
	}
	return best, found
}

// distroRating maps the words distributions rate with; anything else is not a rating.
func distroRating(s string) (finding.Severity, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "critical":
		return finding.SeverityCritical, true
	case "important", "high":
		return finding.SeverityHigh, true
	case "moderate", "medium":
		return finding.SeverityMedium, true
	case "low", "negligible", "unimportant":
		return finding.SeverityLow, true
	}
	return 0, false
}

// severity picks the highest CVSS v3 base score of the group's records (top-level severity, then
// per-package severity); without one, the highest CVSS v4.0 score (cvss.ScoreV4: CVSS-B, or
// CVSS-BT/BE/BTE when the advisory's vector carries threat or environmental metrics); then a
// database-given severity (GHSA's database_specific); else the configured default.
func (a *Analyzer) severity(group []vulndb.Match) (sev finding.Severity, source, vector string, score float64) {
	if len(group) > 0 && osPackage(group[0].Package) {
		if s, ok := distroSeverity(group); ok {
			return s, "distro", "", 0
		}
	}
	best := -1.0
	for _, m := range group {
		for _, s := range allSeverities(m) {
			if s.Type != osv.SeverityCVSSv3 {
				continue
			}
			sc, err := cvss.Score(s.Score)
			if err == nil && sc > best {
				best, vector = sc, s.Score
			}
		}
	}
	if best >= 0 {
		return ratingSeverity(cvss.RatingOf(best)), "cvss-v3", vector, best
	}
	for _, m := range group {
		for _, s := range allSeverities(m) {
			if s.Type != osv.SeverityCVSSv4 {
				continue
			}
			sc, err := cvss.ScoreV4(s.Score)
			if err == nil && sc > best {
				best, vector = sc, s.Score
			}
		}
	}
	if best >= 0 {
		return ratingSeverity(cvss.RatingOf(best)), "cvss-v4", vector, best
	}
	for _, m := range group {
		if s, ok := databaseSeverity(m.Vulnerability.DatabaseSpecific); ok {
			return s, "database", "", 0
		}
	}
	if kind := informational(group); kind != "" {
		// RustSec's informational advisories (unmaintained, unsound, notice) report a risk, not a
		// known exploitable flaw; without a score they rank low rather than at the default.
		return finding.SeverityLow, "informational-" + kind, "", 0
	}
	return a.opts.DefaultSeverity, "default", "", 0
}

// informational returns RustSec's affected[].database_specific.informational value ("unmaintained",
// "unsound", "notice") when every record of the group is informational, else "".
func informational(group []vulndb.Match) string {
	kind := ""
	for _, m := range group {
		found := ""
		for _, af := range m.Affected {
			var ds struct {
				Informational string `json:"informational"`
			}
			if len(af.DatabaseSpecific) > 0 && json.Unmarshal(af.DatabaseSpecific, &ds) == nil && ds.Informational != "" {
				found = ds.Informational
			}
		}
		if found == "" {
			return ""
		}
		kind = found
	}
	return kind
}

// allSeverities returns the record's top-level severities, then those of the matched packages.
func allSeverities(m vulndb.Match) []osv.Severity {
	all := slices.Clone(m.Vulnerability.Severity)
	for _, af := range m.Affected {
		all = append(all, af.Severity...)
	}
	return all
}

func ratingSeverity(r cvss.Rating) finding.Severity {
	switch r {
	case cvss.Critical:
		return finding.SeverityCritical
	case cvss.High:
		return finding.SeverityHigh
	case cvss.Medium:
		return finding.SeverityMedium
	case cvss.Low:
		return finding.SeverityLow
	}
	return finding.SeverityInfo
}

// databaseSeverity reads database_specific.severity as GitHub's advisory database writes it.
func databaseSeverity(raw json.RawMessage) (finding.Severity, bool) {
	if len(raw) == 0 {
		return 0, false
	}
	var ds struct {
		Severity string `json:"severity"`
	}
	if json.Unmarshal(raw, &ds) != nil {
		return 0, false
	}
	switch strings.ToUpper(ds.Severity) {
	case "CRITICAL":
		return finding.SeverityCritical, true
	case "HIGH":
		return finding.SeverityHigh, true
	case "MODERATE", "MEDIUM":
		return finding.SeverityMedium, true
	case "LOW":
		return finding.SeverityLow, true
	}
	return 0, false
}

// goImported says whether the module that declares p imports one of the vulnerable packages the
// advisory names: "true", "false", or "unknown" (no Go source in the tree for that module, or the
// advisory names no packages).
func goImported(p inventory.Package, group []vulndb.Match, mods []*goModule) (string, []string) {
	var vulnPkgs []string
	for _, m := range group {
		for _, af := range m.Affected {
			imps, err := af.GoImports()
			if err != nil {
				continue
			}
			for _, im := range imps {
				if !slices.Contains(vulnPkgs, im.Path) {
					vulnPkgs = append(vulnPkgs, im.Path)
				}
			}
		}
	}
	slices.Sort(vulnPkgs)
	mod := moduleFor(mods, p)
	if len(vulnPkgs) == 0 || mod == nil || mod.imports == nil {
		return "unknown", vulnPkgs
	}
	for _, vp := range vulnPkgs {
		if mod.imports[vp] {
			return "true", vulnPkgs
		}
	}
	return "false", vulnPkgs
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
