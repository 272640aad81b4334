package suppress

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/palisade-sec/palisade/internal/boundedread"
	"github.com/palisade-sec/palisade/internal/config/strictyaml"
	"github.com/palisade-sec/palisade/internal/finding"
)

// DefaultIgnoreFile is the ignore file a scan reads from its root when none is configured.
const DefaultIgnoreFile = ".palisadeignore.yaml"

// IgnoreFileVersion is the only ignore-file format version this build reads.
const IgnoreFileVersion = 1

// IgnoreFile is a parsed `.palisadeignore.yaml`: an ordered list of entries, each suppressing the
// findings it matches, with a mandatory reason and an optional expiry date.
type IgnoreFile struct {
	// Name is how the file is named in errors, problems and Suppression.Source.
	Name    string
	Entries []IgnoreEntry
}

// IgnoreEntry is one entry of an ignore file. A finding matches when it satisfies every criterion
// the entry sets (rule, paths, fingerprint). An entry whose criteria match every finding
// (`rule: "*"`, `paths: ["**"]`, …) is refused unless it says so with `all: true`, a reason and
// an expiry, so no entry can suppress everything by accident or quietly.
type IgnoreEntry struct {
	// Line is where the entry starts in the file; it is the audit trail's pointer back to it.
	Line int
	// Rule is a rule ID or a glob over rule IDs ("generic-*"); empty means any rule.
	Rule string
	// Paths are doublestar globs over slash-separated paths relative to the scan root; a finding
	// matches when any of them does. Empty means any path.
	Paths []string
	// Fingerprint, when set, matches one finding's Fingerprint exactly (case-insensitively).
	Fingerprint string
	// Packages name packages by name ("zlib1g"), source package ("zlib") or purl with or without
	// version and qualifiers ("pkg:deb/debian/zlib1g"); a finding matches when it is about any of
	// them (its "package", "sourcePackage" or "purl" property). Empty means any package.
	Packages []string
	// Reason is why the findings are accepted; mandatory.
	Reason string
	// Owner is who answers for the entry; optional.
	Owner string
	// Expires is the instant the entry stops applying, or nil if it never does. A date-only
	// `expires: 2027-01-31` applies through that day in UTC, so Expires is 2027-02-01T00:00:00Z.
	Expires *time.Time
	// ExpiresText is the expiry as written, for messages.
	ExpiresText string
	// All is the explicit acknowledgement that the entry matches every finding.
	All bool

	rule  *glob
	paths []glob
}

// Expired reports whether the entry no longer applies at now.
func (e *IgnoreEntry) Expired(now time.Time) bool {
	return e.Expires != nil && !now.Before(*e.Expires)
}

// Matches reports whether the entry covers f, ignoring expiry.
func (e *IgnoreEntry) Matches(f *finding.Finding) bool {
	if e.rule != nil && !e.rule.match(f.RuleID) && !slices.ContainsFunc(aliases(f), e.rule.match) {
		return false
	}
	if len(e.Packages) > 0 && !slices.ContainsFunc(e.Packages, func(p string) bool { return aboutPackage(f, p) }) {
		return false
	}
	if e.Fingerprint != "" && !strings.EqualFold(e.Fingerprint, f.Fingerprint) {
		return false
	}
	if len(e.paths) == 0 {
		return true
	}
	for _, g := range e.paths {
		if g.match(f.Location.Path) {
			return true
		}
	}
	return false
}

// aliases are the other IDs of a vulnerability finding's advisory (a CVE for a DSA): an entry
// for the CVE covers the finding whichever ID the database chose as its rule.
func aliases(f *finding.Finding) []string {
	if f.Properties["aliases"] == "" {
		return nil
	}
	return strings.Split(f.Properties["aliases"], ",")
}

// aboutPackage reports whether f is about the package p names: its name, its source package, or
// its purl (p may leave out the version and qualifiers).
func aboutPackage(f *finding.Finding, p string) bool {
	props := f.Properties
	if props == nil {
		return false
	}
	if !strings.HasPrefix(p, "pkg:") {
		return props["package"] == p || props["sourcePackage"] == p
	}
	purl := props["purl"]
	if purl == "" {
		return false
	}
	if purl == p {
		return true
	}
	rest, ok := strings.CutPrefix(purl, p)
	return ok && (strings.HasPrefix(rest, "@") || strings.HasPrefix(rest, "?") || strings.HasPrefix(rest, "#"))
}

// Match returns the first entry, in file order, that covers f and has not expired at now. File
// order makes the recorded entry deterministic when several would match.
func (i *IgnoreFile) Match(f *finding.Finding, now time.Time) (*IgnoreEntry, bool) {
	for k := range i.Entries {
		e := &i.Entries[k]
		if !e.Expired(now) && e.Matches(f) {
			return e, true
		}
	}
	return nil, false
}

// Expired lists the entries that have expired at now, in file order.
func (i *IgnoreFile) Expired(now time.Time) []*IgnoreEntry {
	var out []*IgnoreEntry
	for k := range i.Entries {
		if i.Entries[k].Expired(now) {
			out = append(out, &i.Entries[k])
		}
	}
	return out
}

// ReadIgnoreFile reads and parses the ignore file at path. A missing file yields an error that
// wraps fs.ErrNotExist, so a caller can treat an absent default file as empty while failing on an
// absent file the user named.
func ReadIgnoreFile(path string) (*IgnoreFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read ignore file: %w", err)
	}
	return ParseIgnoreFile(path, data)
}

// maxIgnoreFileSize bounds an ignore file read from the scanned tree: tens of thousands of
// entries, far more than a hand-kept file holds.
const maxIgnoreFileSize = 4 << 20

// ReadIgnoreFileFS reads and parses the ignore file name from fsys, normally the scan root opened
// with os.OpenRoot, so the file cannot resolve outside the root. The file is named by its
// root-relative path in errors and suppression sources, which keeps reports the same on every
// machine. A missing file wraps fs.ErrNotExist. The file must be a regular file of at most
// maxIgnoreFileSize bytes: a repository could plant a named pipe under the default name, which
// would block the scan that opened it.
func ReadIgnoreFileFS(fsys fs.FS, name string) (*IgnoreFile, error) {
	data, err := boundedread.File(fsys, name, maxIgnoreFileSize)
	if err != nil {
		return nil, fmt.Errorf("read ignore file: %w", err)
	}
	return ParseIgnoreFile(name, data)
}

// ignoreDoc and ignoreItem mirror the file's YAML; ParseIgnoreFile checks them and builds the
// exported, compiled form.
type ignoreDoc struct {
	Version int          `yaml:"version"`
	Ignore  []ignoreItem `yaml:"ignore"`
}

type ignoreItem struct {
	Rule        string   `yaml:"rule"`
	Paths       []string `yaml:"paths"`
	Packages    []string `yaml:"packages"`
	Fingerprint string   `yaml:"fingerprint"`
	Reason      string   `yaml:"reason"`
	Expires     expiry   `yaml:"expires"`
	Owner       string   `yaml:"owner"`
	All         bool     `yaml:"all"`
}

// expiry is an `expires:` value: a date (applies through that day, UTC) or an RFC 3339 instant.
type expiry struct {
	at   *time.Time
	text string
}

// UnmarshalText parses the date or instant.
func (x *expiry) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		end := t.AddDate(0, 0, 1)
		*x = expiry{at: &end, text: s}
		return nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		t = t.UTC()
		*x = expiry{at: &t, text: s}
		return nil
	}
	return fmt.Errorf("want a date like 2027-01-31 or an RFC 3339 time, got %q", s)
}

// ParseIgnoreFile parses an ignore file's content; name is used in errors and in the Source of
// every suppression it causes. Errors name the file, the line and the field.
func ParseIgnoreFile(name string, data []byte) (*IgnoreFile, error) {
	var doc ignoreDoc
	fields, err := strictyaml.Decode(name, data, &doc)
	if err != nil {
		return nil, fmt.Errorf("parse ignore file: %w", err)
	}
	at := func(field string, err error) error {
		return fmt.Errorf("parse ignore file: %w", &strictyaml.Error{File: name, Pos: fields.Nearest(field), Field: field, Err: err})
	}
	if len(fields) == 0 {
		return &IgnoreFile{Name: name}, nil // an empty file ignores nothing
	}
	if _, ok := fields["version"]; !ok {
		return nil, at("version", fmt.Errorf("required; add `version: %d` at the top", IgnoreFileVersion))
	}
	if doc.Version != IgnoreFileVersion {
		return nil, at("version", fmt.Errorf("unsupported version %d (this build reads version %d)", doc.Version, IgnoreFileVersion))
	}
	out := &IgnoreFile{Name: name, Entries: make([]IgnoreEntry, 0, len(doc.Ignore))}
	for i, item := range doc.Ignore {
		field := fmt.Sprintf("ignore[%d]", i)
		e, err := compileEntry(item, func(sub string, err error) error {
			if sub == "" {
				return at(field, err)
			}
			return at(field+"."+sub, err)
		})
		if err != nil {
			return nil, err
		}
		e.Line = fields[field].Line
		out.Entries = append(out.Entries, e)
	}
	return out, nil
}

// compileEntry checks one entry and compiles its globs; at builds an error for a sub-field.
func compileEntry(item ignoreItem, at func(sub string, err error) error) (IgnoreEntry, error) {
	e := IgnoreEntry{
		Rule:        strings.TrimSpace(item.Rule),
		Fingerprint: strings.ToLower(strings.TrimSpace(item.Fingerprint)),
		Reason:      strings.Join(strings.Fields(item.Reason), " "),
		Owner:       strings.TrimSpace(item.Owner),
		Expires:     item.Expires.at,
		ExpiresText: item.Expires.text,
	}
	if e.Reason == "" {
		return e, at("reason", errors.New("required: say why these findings are accepted"))
	}
	if e.Rule == "" && len(item.Paths) == 0 && e.Fingerprint == "" && len(item.Packages) == 0 {
		return e, at("", errors.New("set at least one of rule, paths, packages, fingerprint; an entry without them would suppress everything"))
	}
	for k, p := range item.Packages {
		p = strings.TrimSpace(p)
		if p == "" || strings.ContainsAny(p, "*?[") {
			return e, at(fmt.Sprintf("packages[%d]", k), fmt.Errorf("want a package name or purl, got %q (no patterns: name each package)", item.Packages[k]))
		}
		e.Packages = append(e.Packages, p)
	}
	if e.Rule != "" {
		g, err := compileGlob(e.Rule)
		if err != nil {
			return e, at("rule", err)
		}
		e.rule = &g
	}
	if e.Fingerprint != "" && strings.Trim(e.Fingerprint, "0123456789abcdef") != "" {
		return e, at("fingerprint", fmt.Errorf("want the hexadecimal fingerprint from a report, got %q", item.Fingerprint))
	}
	for k, p := range item.Paths {
		g, err := compileGlob(strings.TrimSpace(p))
		if err != nil {
			return e, at(fmt.Sprintf("paths[%d]", k), err)
		}
		e.Paths = append(e.Paths, g.text)
		e.paths = append(e.paths, g)
	}
	e.All = item.All
	switch everything := e.matchesEverything(); {
	case everything && !e.All:
		return e, at("", errors.New("this entry matches every finding (a rule of only `*`, a path such as `**`, or patterns that cover every path): it would turn the scan off; narrow it, or write `all: true` with a reason and an expiry if that is really meant"))
	case everything && e.Expires == nil:
		return e, at("expires", errors.New("required with `all: true`: an entry that suppresses everything must end"))
	case !everything && e.All:
		return e, at("all", errors.New("`all: true` is only for an entry that matches every finding, and this one does not; remove it"))
	}
	return e, nil
}

// Findings no narrow entry covers all of: if an entry matches every one of them, it matches
// (nearly) everything, whatever its patterns look like (`**/?*`, `[a-z]*/**` plus `[!a-z]*/**` …).
var (
	probeRules = []string{"aws-access-key", "generic-password", "k8s-privileged-container", "dockerfile-latest-tag",
		"GO-2024-2687", "GHSA-xxxx-yyyy-zzzz", "a", "Z_9.x"}
	probePaths = []string{"a", "main.go", ".env", "src/app/config.yaml", "deploy/k8s/pod.yaml", "Z-9_q.TXT",
		"x/y/z/w/v.tf", "vendor/lib.min.js", "a b/ü.txt"}
)

// matchesEverything reports whether the entry covers every finding: no fingerprint, and a rule
// and paths that are absent, made only of stars, or that match every probe.
func (e *IgnoreEntry) matchesEverything() bool {
	if e.Fingerprint != "" || len(e.Packages) > 0 {
		return false
	}
	if (e.rule == nil || starsOnly(*e.rule)) && (len(e.paths) == 0 || slices.ContainsFunc(e.paths, starsOnly)) {
		return true
	}
	for _, r := range probeRules {
		for _, p := range probePaths {
			if !e.Matches(&finding.Finding{RuleID: r, Location: finding.Location{Path: p}}) {
				return false
			}
		}
	}
	return true
}

// starsOnly reports whether every segment of g is made of `*` alone (`*`, `**`, `**/*`, `*/**`).
func starsOnly(g glob) bool {
	for _, s := range g.segments {
		if strings.Trim(s, "*") != "" {
			return false
		}
	}
	return true
}
