// Package deps is the dependency analyzer (`palisade scan --scanners deps`): it asks an extractor
// for the packages the target's lockfiles, manifests and binaries declare, matches them against
// the local OSV database, and reports one finding per vulnerable package and vulnerability, plus
// licence-policy findings.
//
// Invariants: a package that could not be checked (unknown ecosystem, unparseable version,
// ecosystem missing from the database) is reported as a problem, never treated as clean; a stale
// database is reported too; advisories that are aliases of each other yield one finding.
package deps

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/inventory"
	"github.com/palisade-sec/palisade/internal/scan"
	"github.com/palisade-sec/palisade/internal/vulndb"
)

// Name is the analyzer's ID for --scanners.
const Name = "deps"

// Extractor finds the packages in a tree: files are slash paths in fsys, and the extractor picks
// the ones it understands. Files it cannot parse come back as problems.
type Extractor interface {
	Extract(ctx context.Context, fsys fs.FS, files []string) ([]inventory.Package, []finding.Problem, error)
}

// ExtractorFunc adapts a function (such as inventory.Extract) to Extractor.
type ExtractorFunc func(ctx context.Context, fsys fs.FS, files []string) ([]inventory.Package, []finding.Problem, error)

// Extract calls f.
func (f ExtractorFunc) Extract(ctx context.Context, fsys fs.FS, files []string) ([]inventory.Package, []finding.Problem, error) {
	return f(ctx, fsys, files)
}

// Matcher matches packages against vulnerability data; *vulndb.DB is one.
type Matcher interface {
	Match(ctx context.Context, pkgs []inventory.Package) (*vulndb.Result, error)
}

// metaSource is an optional capability of a Matcher: databases that know their age are checked
// against Options.MaxAge.
type metaSource interface {
	Meta() vulndb.Meta
}

// Options tune the analyzer. The zero value is usable.
type Options struct {
	// DefaultSeverity is given to advisories without a CVSS v3 vector or a database severity
	// (the Go vulnerability database publishes none). Zero means medium.
	DefaultSeverity finding.Severity
	// DemoteNotImported lowers findings for Go packages that the scanned module does not import
	// directly (see docs/deps.md) to severity info, so a gate at low or above ignores them. They
	// stay in the report with their original severity in a property.
	DemoteNotImported bool
	// GateUnfixed keeps the severity of findings in OS packages for which the distribution
	// publishes no fixed version (unfixed, "will not fix"). By default they are lowered to info,
	// so a gate at low or above does not fail on what no upgrade can remove; they stay in the
	// report, marked fixState=unfixed, with their original severity in a property.
	GateUnfixed bool
	// IncludeTests counts imports of _test.go files as imports of the module.
	IncludeTests bool
	// StdlibFromGoDirective matches the Go standard library at the go.mod go line's version when
	// there is no toolchain line. The go line is only a minimum, so this reports fixed issues the
	// real toolchain may not have; off by default.
	StdlibFromGoDirective bool
	// LicenseAllow and LicenseDeny are SPDX licence IDs. With a non-empty allow list, a package
	// whose known licences are not allowed is a finding; a denied licence always is.
	LicenseAllow []string
	LicenseDeny  []string
	// MaxAge is how old the database may be before the scan reports a problem; zero means
	// vulndb.DefaultMaxAge, negative disables the check.
	MaxAge time.Duration
	// Now is the clock for the age check; nil means time.Now.
	Now func() time.Time
}

// Analyzer is the deps scan.TreeAnalyzer.
type Analyzer struct {
	db Matcher
	x  Extractor
	// installed reads a tree that is an installed system (scan.Tree.Installed, a container
	// image): OS package databases and installed language packages as well as lockfiles.
	installed Extractor
	opts      Options
}

var _ scan.TreeAnalyzer = (*Analyzer)(nil)
var _ scan.RuleLister = (*Analyzer)(nil)
var _ io.Closer = (*Analyzer)(nil)

// Close releases the database when it holds open files; the analyzer is unusable afterwards.
func (a *Analyzer) Close() error {
	if c, ok := a.db.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// New returns the analyzer. db and x are required.
func New(db Matcher, x Extractor, opts Options) *Analyzer {
	if opts.DefaultSeverity == finding.SeverityUnknown {
		opts.DefaultSeverity = finding.SeverityMedium
	}
	if opts.MaxAge == 0 {
		opts.MaxAge = vulndb.DefaultMaxAge
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Analyzer{db: db, x: x, installed: ExtractorFunc(extractInstalled), opts: opts}
}

// extractInstalled is the extractor of an installed system: the same extractors a source tree
// gets, with the installed-package formats added.
func extractInstalled(ctx context.Context, fsys fs.FS, files []string) ([]inventory.Package, []finding.Problem, error) {
	return inventory.ExtractWith(ctx, fsys, files, inventory.Options{Installed: true})
}

// Name returns "deps".
func (a *Analyzer) Name() string { return Name }

// Rules lists the licence rules; vulnerability findings take their rule ID from the advisory.
func (a *Analyzer) Rules() []finding.Rule { return licenseRules() }

// Result is what one analysis produced.
type Result struct {
	Findings []finding.Finding `json:"findings"`
	// Problems are inputs that could not be fully checked: unparseable lockfiles, packages the
	// database could not match, a stale database.
	Problems []finding.Problem `json:"problems"`
	// Packages is how many packages were checked.
	Packages int `json:"packages"`
}

// Incomplete is the error AnalyzeTree returns, together with its findings, when some inputs
// could not be checked: the engine's scan.Incomplete, so each problem is reported on its own.
type Incomplete = scan.Incomplete

// AnalyzeTree implements scan.TreeAnalyzer. When some inputs could not be checked it returns the
// findings AND an *Incomplete error listing them; engines that know Analyze should call it
// instead to get the problems as data.
func (a *Analyzer) AnalyzeTree(ctx context.Context, t *scan.Tree) ([]finding.Finding, error) {
	res, err := a.Analyze(ctx, t)
	if err != nil {
		return nil, err
	}
	if len(res.Problems) > 0 {
		return res.Findings, &Incomplete{Problems: res.Problems}
	}
	return res.Findings, nil
}

// Analyze extracts, matches and reports.
func (a *Analyzer) Analyze(ctx context.Context, t *scan.Tree) (*Result, error) {
	if a.db == nil || a.x == nil {
		return nil, errors.New("deps: analyzer built without a database or an extractor")
	}
	res := &Result{}
	res.Problems = append(res.Problems, a.ageProblems()...)
	files, tooLarge := t.WithinLimit(Name, "a lockfile or manifest is parsed whole", readWhole)
	t = &scan.Tree{FS: t.FS, Files: files, MaxFileSize: t.MaxFileSize}
	res.Problems = append(res.Problems, tooLarge...)
	x := a.x
	if t.Installed {
		x = a.installed
	}
	pkgs, problems, err := x.Extract(ctx, t.FS, t.Files)
	if err != nil {
		return nil, fmt.Errorf("deps: extract packages: %w", err)
	}
	for i := range problems {
		if problems[i].Scanner == "" {
			problems[i].Scanner = Name
		}
	}
	res.Problems = append(res.Problems, problems...)
	mods, modProblems := readGoModules(t)
	res.Problems = append(res.Problems, modProblems...)
	pkgs, stdProblems := a.stdlibPackages(pkgs, mods)
	res.Problems = append(res.Problems, stdProblems...)
	res.Packages = len(pkgs)

	m, err := a.db.Match(ctx, pkgs)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		// The packages could not be matched, but every other input's problems (a lockfile that
		// does not parse) and the licence policy still stand: dropping them with this error
		// would hide them behind the database's own problem.
		p := finding.Problem{Scanner: Name, Message: fmt.Sprintf("deps: match: %v", err)}
		if errors.Is(err, vulndb.ErrNoDatabase) {
			p.Kind = finding.ProblemNoVulnDB
		}
		res.Problems = append(res.Problems, p)
		m = &vulndb.Result{}
	}
	res.Problems = append(res.Problems, skippedProblems(m.Skipped)...)
	for _, d := range m.DataProblems {
		res.Problems = append(res.Problems, finding.Problem{Scanner: Name, Message: "advisory data: " + d, Kind: finding.ProblemUnmatched})
	}
	if len(mods) > 0 && slices.ContainsFunc(m.Matches, func(m vulndb.Match) bool { return m.Package.Ecosystem == inventory.Go }) {
		res.Problems = append(res.Problems, loadImports(ctx, t, mods, a.opts.IncludeTests)...)
	}
	res.Findings = append(res.Findings, a.vulnFindings(pkgs, m.Matches, mods)...)
	lf, lp := a.licenseFindings(pkgs)
	res.Findings = append(res.Findings, lf...)
	res.Problems = append(res.Problems, lp...)
	finding.Sort(res.Findings)
	return res, nil
}

// skippedProblems reports the packages the matcher could not check: one problem each, except that
// the OS packages of one database skipped for one reason (a distribution without OSV data has
// hundreds) are one problem that counts them and names the first few.
func skippedProblems(skipped []vulndb.Skipped) []finding.Problem {
	var out []finding.Problem
	type group struct {
		at          int // index in out
		eco, reason string
		names       []string
	}
	var groups []*group
	byKey := map[string]*group{}
	for _, s := range skipped {
		p := s.Package
		if !osPURL(p.PURL) {
			out = append(out, finding.Problem{
				Path: p.Location.Path, Line: p.Location.StartLine, Scanner: Name,
				Message: fmt.Sprintf("%s not checked for vulnerabilities: %s", p.Key(), s.Reason),
				Kind:    finding.ProblemUnmatched,
			})
			continue
		}
		k := p.Location.Path + "\x00" + p.Ecosystem + "\x00" + s.Reason
		g, ok := byKey[k]
		if !ok {
			g = &group{at: len(out), eco: p.Ecosystem, reason: s.Reason}
			byKey[k] = g
			groups = append(groups, g)
			out = append(out, finding.Problem{Path: p.Location.Path, Scanner: Name, Kind: finding.ProblemUnmatched})
		}
		g.names = append(g.names, p.Name+"@"+p.Version)
	}
	for _, g := range groups {
		shown := g.names[:min(len(g.names), 5)]
		more := ""
		if len(g.names) > len(shown) {
			more = fmt.Sprintf(" and %d more", len(g.names)-len(shown))
		}
		out[g.at].Message = fmt.Sprintf("%d %s packages not checked for vulnerabilities (%s%s): %s",
			len(g.names), g.eco, strings.Join(shown, ", "), more, g.reason)
	}
	return out
}

// osPURL says whether a purl is an OS package's (deb, apk, rpm).
func osPURL(purl string) bool {
	for _, t := range []string{"pkg:deb/", "pkg:apk/", "pkg:rpm/"} {
		if strings.HasPrefix(purl, t) {
			return true
		}
	}
	return false
}

// readWhole reports whether the analyzer reads the file at p whole into memory to find packages.
// (Go source, read for import analysis only when a Go package matched, is checked there.)
func readWhole(p string) bool {
	return inventory.Wants(p) || path.Base(p) == "go.mod"
}

// ageProblems reports a database older than MaxAge.
func (a *Analyzer) ageProblems() []finding.Problem {
	ms, ok := a.db.(metaSource)
	if !ok || a.opts.MaxAge < 0 {
		return nil
	}
	oldest := ms.Meta().Oldest()
	if oldest.IsZero() {
		return []finding.Problem{{Scanner: Name, Message: "the vulnerability database is empty (run 'palisade db update')", Kind: finding.ProblemNoVulnDB}}
	}
	age := a.opts.Now().Sub(oldest)
	if age <= a.opts.MaxAge {
		return nil
	}
	return []finding.Problem{{Scanner: Name, Message: fmt.Sprintf(
		"the vulnerability database is %s old (fetched %s; the limit is %s): recent advisories are missing; run 'palisade db update'",
		age.Round(time.Hour), oldest.Format(time.RFC3339), a.opts.MaxAge), Kind: finding.ProblemStaleVulnDB}}
}
