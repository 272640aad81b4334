// Package suppress marks findings as accepted instead of dropping them, so every suppression stays
// visible in reports with an audit trail: which layer, why, where it was decided, until when.
//
// Three layers are applied in a fixed order, and the first that matches a finding is the one
// recorded in finding.Suppression:
//
//  1. inline: a `palisade:ignore <rule-id|*> <reason…>` comment on the finding's line, or alone on
//     the line directly above it (ParseDirective, FileLines);
//  2. the ignore file, `.palisadeignore.yaml` (ParseIgnoreFile), first matching entry in file order;
//  3. a baseline: the fingerprints of a previous Palisade JSON or SARIF report (ReadBaseline).
//
// Load reads the layers a configuration names; Apply applies them.
//
// Suppression fails closed: a directive without a reason, an expired ignore entry, or a file that
// cannot be read suppresses nothing and is reported as a finding.Problem.
package suppress

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/palisade-sec/palisade/internal/errkind"
	"github.com/palisade-sec/palisade/internal/finding"
)

// Options selects the layers Apply uses; a nil layer is off.
type Options struct {
	// Lines finds the source lines around each finding for inline directives (see FileLines).
	Lines LineLookup
	// Ignore is the parsed ignore file.
	Ignore *IgnoreFile
	// Baseline is the previous report's fingerprints.
	Baseline *Baseline
	// Now decides which ignore entries have expired. It is required when Ignore is set, so the
	// clock is always the caller's (tests inject it; nothing here reads time.Now).
	Now time.Time
	// KnownRules are the rule IDs of the scanners that ran. When set, an inline directive naming
	// a rule that is neither among them nor the rule of any finding of the run (advisory IDs,
	// policy rules) is reported: a typo there silently suppresses nothing.
	KnownRules map[string]bool
	// KnownRulesComplete says KnownRules holds every rule any scanner has (every scanner ran), so
	// an ignore-file entry whose rule matches none of them, nor any finding of the run, is
	// reported too. Advisory IDs (GO-…, GHSA-…, CVE-…) are exempt: the database decides which
	// exist, and one that no longer fires is simply fixed.
	KnownRulesComplete bool
	// Gosec maps gosec's rule IDs (G401) to the rules that find the same weakness (the rules'
	// "gosec:" tags), so `#nosec G401` suppresses those and only those.
	Gosec map[string][]string
}

// ErrNoClock is returned when an ignore file is given without Options.Now.
var ErrNoClock = errors.New("suppress: Options.Now is required to check ignore-file expiry")

// Apply returns a copy of findings in the same order, with Suppression set on each finding a layer
// covers, and the problems found on the way: invalid inline directives, files that could not be
// read for directives, and expired ignore entries. A finding that already carries a Suppression
// keeps it. The error is non-nil only when ctx ends, Options are inconsistent, or (with the
// complete rule catalogue) an ignore entry matches every rule without `all: true`.
func Apply(ctx context.Context, findings []finding.Finding, opts Options) ([]finding.Finding, []finding.Problem, error) {
	if opts.Ignore != nil && opts.Now.IsZero() {
		return nil, nil, ErrNoClock
	}
	if opts.Ignore != nil && opts.KnownRulesComplete {
		if err := refuseCatalogueWide(opts.Ignore, opts.KnownRules); err != nil {
			return nil, nil, err
		}
	}
	out := slices.Clone(findings)
	var problems problemSet
	if opts.Lines != nil {
		var known func(string) bool
		if opts.KnownRules != nil {
			fired := map[string]bool{}
			for i := range findings {
				fired[findings[i].RuleID] = true
			}
			known = func(id string) bool { return opts.KnownRules[id] || fired[id] }
		}
		if err := applyInline(ctx, out, opts.Lines, known, opts.Gosec, &problems); err != nil {
			return nil, nil, err
		}
	}
	if opts.Ignore != nil && opts.KnownRules != nil && opts.KnownRulesComplete {
		unknownIgnoreRules(opts.Ignore, opts.KnownRules, findings, &problems)
	}
	if opts.Ignore != nil {
		for _, e := range opts.Ignore.Expired(opts.Now) {
			problems.add(finding.Problem{
				Path:    opts.Ignore.Name,
				Line:    e.Line,
				Message: fmt.Sprintf("ignore entry expired on %s (%s); it no longer suppresses anything: renew or remove it", e.ExpiresText, describeEntry(e)),
			})
		}
	}
	for i := range out {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, nil, fmt.Errorf("apply suppressions: %w", err)
			}
		}
		f := &out[i]
		if f.Suppression != nil {
			continue
		}
		if opts.Ignore != nil {
			if e, ok := opts.Ignore.Match(f, opts.Now); ok {
				f.Suppression = ignoreSuppression(opts.Ignore.Name, e)
				continue
			}
		}
		if opts.Baseline != nil && opts.Baseline.Contains(f.Fingerprint) {
			f.Suppression = &finding.Suppression{
				Kind:   finding.SuppressedBaseline,
				Reason: "present in baseline " + opts.Baseline.Name,
				Source: opts.Baseline.Name,
			}
		}
	}
	return out, problems.list, nil
}

func ignoreSuppression(file string, e *IgnoreEntry) *finding.Suppression {
	reason := e.Reason
	if e.Owner != "" {
		reason += " (owner: " + e.Owner + ")"
	}
	s := &finding.Suppression{
		Kind:   finding.SuppressedIgnoreFile,
		Reason: reason,
		Source: fmt.Sprintf("%s:%d", file, e.Line),
	}
	if e.Expires != nil {
		t := *e.Expires
		s.Expires = &t
	}
	return s
}

// describeEntry names an entry in a message by what it matches.
func describeEntry(e *IgnoreEntry) string {
	var parts []string
	if e.Rule != "" {
		parts = append(parts, "rule "+e.Rule)
	}
	if len(e.Paths) > 0 {
		parts = append(parts, "paths "+strings.Join(e.Paths, ", "))
	}
	if e.Fingerprint != "" {
		parts = append(parts, "fingerprint "+e.Fingerprint)
	}
	if e.Owner != "" {
		parts = append(parts, "owner "+e.Owner)
	}
	return strings.Join(parts, "; ")
}

// applyInline visits findings grouped by commit and path, so a LineLookup that caches one file
// reads each file once.
func applyInline(ctx context.Context, out []finding.Finding, lookup LineLookup, known func(string) bool, gosec map[string][]string, problems *problemSet) error {
	order := make([]int, len(out))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		fa, fb := &out[a], &out[b]
		return cmp.Or(
			strings.Compare(commitOf(fa), commitOf(fb)),
			strings.Compare(fa.Location.Path, fb.Location.Path),
			cmp.Compare(fa.Location.StartLine, fb.Location.StartLine),
		)
	})
	for n, i := range order {
		if n%256 == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("apply inline suppressions: %w", err)
			}
		}
		f := &out[i]
		if f.Suppression != nil {
			continue
		}
		lines, ok, err := lookup(f)
		if err != nil {
			problems.add(finding.Problem{
				Path:    f.Location.Path,
				Message: fmt.Sprintf("inline suppression: read %s%s: %v; its findings were not checked for palisade:ignore comments", f.Location.Path, atCommit(f), err),
			})
			continue
		}
		if ok {
			f.Suppression = inlineSuppression(f, lines, known, gosec, problems)
		}
	}
	return nil
}

// inlineSuppression checks the finding's own line, then a standalone directive directly above it.
// An invalid directive on either line is reported and suppresses nothing, and so is one naming a
// rule known (when known is set) to nothing in the run.
func inlineSuppression(f *finding.Finding, l Lines, known func(string) bool, gosec map[string][]string, problems *problemSet) *finding.Suppression {
	type candidate struct {
		text string
		line int
		own  bool
	}
	cands := []candidate{{maskFinding(l.Line, f), f.Location.StartLine, true}}
	if l.HasAbove {
		cands = append(cands, candidate{l.Above, f.Location.StartLine - 1, false})
	}
	for _, c := range cands {
		d, found, err := ParseDirective(c.text)
		if !found || (!c.own && !d.Standalone) {
			continue
		}
		if err != nil {
			problems.add(finding.Problem{
				Path:    f.Location.Path,
				Line:    c.line,
				Message: fmt.Sprintf("palisade:ignore%s: %v; it suppresses nothing", atCommit(f), err),
			})
			continue
		}
		if d.Matches(f.RuleID) {
			return &finding.Suppression{
				Kind:   finding.SuppressedInline,
				Reason: d.Reason,
				Source: inlineSource(f, c.line),
			}
		}
		if known != nil && d.RuleID != AllRules && !known(d.RuleID) {
			problems.add(finding.Problem{
				Path:    f.Location.Path,
				Line:    c.line,
				Message: fmt.Sprintf("palisade:ignore%s names rule %s, which no scanner that ran has (see palisade scan --list-rules); it suppresses nothing", atCommit(f), shownRuleID(d.RuleID)),
			})
		}
	}
	if f.Scanner != NosecScanner {
		return nil
	}
	for _, c := range cands {
		n, found := parseNosec(c.text)
		if !found || (!c.own && !isStandaloneComment(c.text)) || !n.matches(f.RuleID, gosec) {
			continue
		}
		reason := n.reason
		if reason == "" {
			reason = "gosec #nosec comment, without a justification"
		}
		return &finding.Suppression{Kind: finding.SuppressedInline, Reason: reason, Source: inlineSource(f, c.line)}
	}
	return nil
}

// maskFinding redacts the finding's own text in its line before the line is parsed. When the
// flagged text sits inside the directive's comment (`// palisade:ignore github-pat old token ghp_…`)
// it would otherwise become part of the reason and be printed in every report. Columns are
// 1-based byte offsets.
func maskFinding(line string, f *finding.Finding) string {
	loc := &f.Location
	start := loc.StartColumn - 1
	if start < 0 || start >= len(line) || (loc.EndLine != 0 && loc.EndLine != loc.StartLine) {
		return line
	}
	// End at the (exclusive) end column when known, then extend to the end of the token, which
	// covers an inclusive end column and an unknown one without leaving the secret's tail behind.
	end := min(max(start, loc.EndColumn-1), len(line))
	for end < len(line) && !isSpace(line[end]) && line[end] != '"' && line[end] != '\'' {
		end++
	}
	return line[:start] + finding.Redact(line[start:end]) + line[end:]
}

// inlineSource is "path:line", with the commit for findings from history.
func inlineSource(f *finding.Finding, line int) string {
	src := fmt.Sprintf("%s:%d", f.Location.Path, line)
	if line <= 0 {
		src = f.Location.Path
	}
	if h := commitOf(f); h != "" {
		src += "@" + shortHash(h)
	}
	return src
}

func atCommit(f *finding.Finding) string {
	if h := commitOf(f); h != "" {
		return " at commit " + shortHash(h)
	}
	return ""
}

func shortHash(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// problemSet collects problems once each, in the order first seen.
type problemSet struct {
	seen map[finding.Problem]bool
	list []finding.Problem
}

// add records p once. Every problem suppression reports is of kind suppression: the producer names
// it, so the gate never has to guess from the message.
func (s *problemSet) add(p finding.Problem) {
	p.Kind = finding.ProblemSuppression
	if s.seen == nil {
		s.seen = map[finding.Problem]bool{}
	}
	if !s.seen[p] {
		s.seen[p] = true
		s.list = append(s.list, p)
	}
}

// shownRuleID prints a directive's rule ID in a problem only when it has the shape of a rule
// (lower-case words joined by "-" with a letter past "f", so not hex or a UUID) or of an
// advisory ID (GHSA-…, CVE-…, GO-…, PYSEC-…, RUSTSEC-…, OSV-…); anything else is redacted, because
// a credential pasted where the rule ID goes must not be printed back.
func shownRuleID(id string) string {
	if len(id) <= 64 && ruleShaped(id) || advisoryShaped(id) {
		return strconv.Quote(id)
	}
	return strconv.Quote(finding.Redact(id))
}

func ruleShaped(id string) bool {
	dash, pastF := false, false
	for i := 0; i < len(id); i++ {
		switch c := id[i]; {
		case c == '-':
			if i == 0 || i == len(id)-1 || id[i-1] == '-' {
				return false
			}
			dash = true
		case c >= 'g' && c <= 'z':
			pastF = true
		case c >= 'a' && c <= 'f', c >= '0' && c <= '9':
		default:
			return false
		}
	}
	return dash && pastF
}

func advisoryShaped(id string) bool {
	prefix, rest, ok := strings.Cut(id, "-")
	if !ok || len(id) > 40 || rest == "" {
		return false
	}
	switch prefix {
	case "GHSA", "CVE", "GO", "PYSEC", "RUSTSEC", "OSV", "GSD":
	default:
		return false
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// refuseCatalogueWide refuses an entry that, without `all: true`, matches every rule in the
// complete catalogue (known) on every probe path: the parse-time check tries a few made-up rule
// IDs, which a pattern such as `[a-z]*` or `[!Z]*` misses while it covers every real rule.
func refuseCatalogueWide(ig *IgnoreFile, known map[string]bool) error {
	if len(known) < 2 {
		return nil
	}
	ids := slices.Sorted(maps.Keys(known))
	coversAll := func(e *IgnoreEntry) bool {
		for _, r := range ids {
			for _, p := range probePaths {
				if !e.Matches(&finding.Finding{RuleID: r, Location: finding.Location{Path: p}}) {
					return false
				}
			}
		}
		return true
	}
	for k := range ig.Entries {
		e := &ig.Entries[k]
		if e.All || e.Fingerprint != "" || e.rule == nil || !coversAll(e) {
			continue
		}
		return errkind.Wrap(errkind.Invalid, fmt.Errorf("%s:%d: ignore[%d]: rule %s matches every rule of every scanner: it would turn the scan off; narrow it, or write `all: true` with a reason and an expiry if that is really meant",
			ig.Name, e.Line, k, shownRulePattern(e.Rule)))
	}
	return nil
}

// unknownIgnoreRules reports every ignore entry whose rule (an ID or a glob) matches no known rule
// and no finding of the run: it suppresses nothing, and its author believes it does something.
func unknownIgnoreRules(ig *IgnoreFile, known map[string]bool, findings []finding.Finding, problems *problemSet) {
	// Each ID once: a run may hold many findings of a few rules, and every glob entry is tried
	// against the whole list.
	set := maps.Clone(known)
	for i := range findings {
		set[findings[i].RuleID] = true
	}
	ids := slices.Sorted(maps.Keys(set))
	for k := range ig.Entries {
		e := &ig.Entries[k]
		if e.rule == nil || advisoryShaped(e.Rule) || known[e.Rule] {
			continue
		}
		if slices.ContainsFunc(ids, e.rule.match) {
			continue
		}
		problems.add(finding.Problem{
			Path:    ig.Name,
			Line:    e.Line,
			Message: fmt.Sprintf("ignore entry names rule %s, which no scanner has (see palisade scan --list-rules); it suppresses nothing", shownRulePattern(e.Rule)),
		})
	}
}

// shownRulePattern is shownRuleID for a rule glob: a short pattern of rule-ID characters and
// wildcards is shown as written (it cannot hold a token), anything else as shownRuleID shows it.
func shownRulePattern(p string) string {
	if len(p) <= 64 && strings.ContainsAny(p, "*?[") && strings.Trim(p, "abcdefghijklmnopqrstuvwxyz0123456789-_.*?[]!") == "" {
		return strconv.Quote(p)
	}
	return shownRuleID(p)
}
