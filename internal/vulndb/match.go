package vulndb

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/google/osv-scalibr/semantic"

	"github.com/palisade-sec/palisade/internal/inventory"
	"github.com/palisade-sec/palisade/internal/vulndb/osv"
)

// Match is one package version affected by one advisory.
type Match struct {
	// Package is the inventory entry as given; Index is its position in the slice passed to Match.
	Package inventory.Package
	Index   int
	// Vulnerability is the full advisory.
	Vulnerability *osv.Vulnerability
	// Affected are the advisory's affected[] entries for this package that matched its version.
	Affected []osv.Affected
	// FixedIn are the versions named as fixed in the ranges that matched, each later than the
	// package's version, in ascending order: FixedIn[0] is the nearest upgrade. Empty when the
	// advisory names no fix.
	FixedIn []string
}

// Skipped is a package the matcher could not check, and why. Callers must report these: a
// package that was not checked is not known to be safe.
type Skipped struct {
	Index   int
	Package inventory.Package
	Reason  string
}

// Result is the outcome of matching an inventory.
type Result struct {
	Matches []Match
	Skipped []Skipped
	// DataProblems describe advisory ranges that could not be evaluated (a version the ecosystem's
	// comparator rejects); the rest of that advisory was still evaluated.
	DataProblems []string
}

// Match returns every (package, advisory) pair where the package's version is affected. GIT
// ranges are not evaluated (a package version is not a commit); an advisory whose only data for
// a package is GIT ranges does not match it. Withdrawn advisories are not in the index.
func (db *DB) Match(ctx context.Context, pkgs []inventory.Package) (*Result, error) {
	res := &Result{}
	type cached struct {
		matches []Match
		skip    string
	}
	seen := map[string]*cached{}
	for i, p := range pkgs {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		key := p.Ecosystem + "\x00" + p.Name + "\x00" + p.Version
		c, ok := seen[key]
		if !ok {
			ms, skip, err := db.matchOne(p, res)
			if err != nil {
				return nil, err
			}
			c = &cached{matches: ms, skip: skip}
			seen[key] = c
		}
		if c.skip != "" {
			res.Skipped = append(res.Skipped, Skipped{Index: i, Package: p, Reason: c.skip})
		}
		for _, m := range c.matches {
			m.Package, m.Index = p, i
			res.Matches = append(res.Matches, m)
		}
	}
	return res, nil
}

// matchOne matches one package; a non-empty skip says why it could not be matched.
func (db *DB) matchOne(p inventory.Package, res *Result) (ms []Match, skip string, err error) {
	base, release := baseEcosystem(p.Ecosystem)
	switch {
	case p.Name == "":
		return nil, "the package has no name", nil
	case p.Version == "":
		return nil, "no exact version is pinned (only a range or nothing), so it cannot be matched", nil
	}
	if release == "" && releaseRequired(base) {
		return nil, fmt.Sprintf("%s advisories are per release, and the package's ecosystem names none (%s:<release>): the distribution's release is unknown", base, base), nil
	}
	e, err := db.ecosystem(base)
	if err != nil {
		return nil, "", err
	}
	if e == nil {
		if CheckEcosystem(base) != nil {
			return nil, fmt.Sprintf("ecosystem %q has no version comparator", p.Ecosystem), nil
		}
		return nil, fmt.Sprintf("ecosystem %s is not in the vulnerability database (run 'palisade db update --ecosystems %s')", base, base), nil
	}
	if known := db.meta.Ecosystems[base].Releases; len(known) > 0 && !slices.ContainsFunc(known, func(r string) bool { return releaseMatches(base, release, r) }) {
		// An unknown release would find no entries and look clean: a release the database does
		// not cover yet (an old database, a new release), or an image that misstates its own.
		return nil, fmt.Sprintf("the database has no %s advisories for release %q (it has %s): is the database current, and the release right?", base, release, strings.Join(known, ", ")), nil
	}
	name, version := advisoryKey(base, p)
	entries, err := e.ix.lookup(normalizeName(base, name))
	if err != nil {
		return nil, "", fmt.Errorf("match %s: %s index: %w", p.Key(), base, err)
	}
	if len(entries) == 0 {
		return nil, "", nil
	}
	raw := normalizeVersion(base, name, version)
	ver, err := parseVersion(base, raw)
	if err != nil {
		return nil, fmt.Sprintf("version %q is not a valid %s version: %v", version, base, err), nil
	}
	byAdv := map[uint32]int{} // advisory → index in ms
	for _, en := range entries {
		if !releaseMatches(base, release, en.release) {
			continue
		}
		hit, fixed := db.affects(base, raw, ver, en, e, res)
		if !hit {
			continue
		}
		k, ok := byAdv[en.adv]
		if !ok {
			v, err := db.advisory(base, e, en.adv)
			if err != nil {
				return nil, "", err
			}
			ms = append(ms, Match{Vulnerability: v})
			k = len(ms) - 1
			byAdv[en.adv] = k
		}
		ms[k].FixedIn = append(ms[k].FixedIn, fixed...)
	}
	for k := range ms {
		ms[k].Affected = affectedFor(ms[k].Vulnerability, base, release, normalizeName(base, name))
		ms[k].FixedIn = SortVersions(base, ms[k].FixedIn)
	}
	return ms, "", nil
}

// affects evaluates one affected entry for a version, returning the fixed versions above it in
// the ranges that matched.
func (db *DB) affects(eco, raw string, v semantic.Version, en entry, e *ecoIndex, res *Result) (bool, []string) {
	hit := slices.Contains(en.versions, raw)
	var fixed []string
	for ri, r := range en.ranges {
		if r.typ == rtGit {
			continue
		}
		in, fx, err := rangeAffects(eco, v, r)
		if err != nil {
			res.DataProblems = append(res.DataProblems, fmt.Sprintf("%s: affected range %d: %v", e.ix.advs[en.adv].id, ri, err))
			continue
		}
		if in {
			hit = true
			fixed = append(fixed, fx...)
		}
	}
	return hit, fixed
}

type parsedEvent struct {
	event
	v semantic.Version
}

// rangeAffects implements the OSV evaluation of a SEMVER or ECOSYSTEM range: events in version
// order, each "introduced" at or below v opens the range, a "fixed" at or below v or a
// "last_affected" below v closes it; a "limit" at or below v excludes v altogether.
func rangeAffects(eco string, v semantic.Version, r compactRange) (bool, []string, error) {
	evs, err := parseEvents(eco, r.events)
	if err != nil {
		return false, nil, err
	}
	var cmpErr error
	compare := func(a, b semantic.Version) int {
		switch {
		case a == nil && b == nil:
			return 0
		case a == nil:
			return -1
		case b == nil:
			return 1
		}
		c, err := a.Compare(b)
		if err != nil && cmpErr == nil {
			cmpErr = err
		}
		return c
	}
	slices.SortStableFunc(evs, func(a, b parsedEvent) int { return compare(a.v, b.v) })
	affected := false
	var fixed []string
	for _, ev := range evs {
		c := compare(v, ev.v) // v against the event; ev.v nil means "0", below everything
		switch ev.kind {
		case evIntroduced:
			if c >= 0 {
				affected = true
			}
		case evFixed:
			if c >= 0 {
				affected = false
			} else if affected {
				fixed = append(fixed, ev.version)
			}
		case evLastAffected:
			if c > 0 {
				affected = false
			}
		case evLimit:
			if c >= 0 {
				return false, nil, cmpErr
			}
		}
	}
	if cmpErr != nil {
		return false, nil, cmpErr
	}
	if !affected {
		fixed = nil
	}
	return affected, fixed[:min(len(fixed), 1)], nil
}

// parseEvents parses each event's version with the ecosystem's comparator; introduced "0" stays
// nil, which orders below every version.
func parseEvents(eco string, events []event) ([]parsedEvent, error) {
	evs := make([]parsedEvent, 0, len(events))
	for _, ev := range events {
		pe := parsedEvent{event: ev}
		if !(ev.kind == evIntroduced && ev.version == "0") {
			pv, err := parseVersion(eco, ev.version)
			if err != nil {
				return nil, fmt.Errorf("event version %q: %w", ev.version, err)
			}
			pe.v = pv
		}
		evs = append(evs, pe)
	}
	return evs, nil
}

// affectedFor returns the affected[] entries of v for the package.
func affectedFor(v *osv.Vulnerability, base, release, name string) []osv.Affected {
	var out []osv.Affected
	for _, a := range v.Affected {
		b, r := baseEcosystem(a.Package.Ecosystem)
		if b == base && releaseMatches(base, release, r) && normalizeName(base, a.Package.Name) == name {
			out = append(out, a)
		}
	}
	return out
}

// SortVersions orders versions by the ecosystem's comparator, drops duplicates, and drops versions
// the comparator rejects.
func SortVersions(eco string, vs []string) []string {
	if len(vs) < 2 {
		return vs
	}
	type pv struct {
		s string
		v semantic.Version
	}
	ps := make([]pv, 0, len(vs))
	for _, s := range vs {
		v, err := parseVersion(eco, s)
		if err == nil {
			ps = append(ps, pv{s, v})
		}
	}
	slices.SortFunc(ps, func(a, b pv) int {
		c, _ := a.v.Compare(b.v)
		return c
	})
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		if len(out) == 0 || out[len(out)-1] != p.s {
			out = append(out, p.s)
		}
	}
	return out
}

// semanticVersion names the comparator's version type for this package's signatures.
type semanticVersion = semantic.Version
