package inventory

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/palisade-sec/palisade/internal/boundedread"
	"github.com/palisade-sec/palisade/internal/finding"
)

// MaxFileSize bounds how much of one lockfile or manifest Extract reads into memory; a larger file
// is reported as a problem rather than read, so a hostile repository cannot exhaust memory.
const MaxFileSize = 128 << 20

// scanner is the name Extract puts on the problems it reports.
const scanner = "inventory"

// extractor reads one kind of file. Each is listed once in builtins.
type extractor struct {
	// name identifies the extractor in problems and docs; unique.
	name string
	// patterns are path.Match patterns matched against the file's base name, or against its last
	// two path elements when the pattern has a slash ("requirements/*.txt").
	patterns []string
	// byContent marks an extractor for files with no telling name (compiled binaries): it is
	// tried on files no pattern claims and returns errNotMine for what is not its format.
	byContent bool
	// installed marks a format of packages as installed (node_modules, site-packages, gem
	// specifications, archives): read only when Options.Installed asks, so a repository scan keeps
	// taking its lockfiles as the truth.
	installed bool
	// where, when set, must also accept the whole path (a package.json only inside node_modules).
	where func(p string) bool
	// opensFile marks an extractor that opens the file itself (archives read by offset): in.data
	// stays nil and the size limit is the extractor's.
	opensFile bool
	extract   func(ctx context.Context, in *input) ([]Package, error)
}

// builtins is the one list of file formats Extract understands, in documentation order.
func builtins() []extractor {
	return []extractor{
		{name: "go.mod", patterns: []string{"go.mod"}, extract: extractGoMod},
		{name: "package-lock.json", patterns: []string{"package-lock.json", "npm-shrinkwrap.json"}, extract: extractPackageLock},
		{name: "yarn.lock", patterns: []string{"yarn.lock"}, extract: extractYarnLock},
		{name: "pnpm-lock.yaml", patterns: []string{"pnpm-lock.yaml"}, extract: extractPnpmLock},
		{name: "requirements.txt", patterns: []string{"requirements*.txt", "requirements/*.txt"}, extract: extractRequirements},
		{name: "poetry.lock", patterns: []string{"poetry.lock"}, extract: extractPoetryLock},
		{name: "Pipfile.lock", patterns: []string{"Pipfile.lock"}, extract: extractPipfileLock},
		{name: "uv.lock", patterns: []string{"uv.lock"}, extract: extractUVLock},
		{name: "Cargo.lock", patterns: []string{"Cargo.lock"}, extract: extractCargoLock},
		{name: "pom.xml", patterns: []string{"pom.xml"}, extract: extractPom},
		{name: "gradle.lockfile", patterns: []string{"gradle.lockfile", "*.lockfile"}, extract: extractGradleLock},
		{name: "Gemfile.lock", patterns: []string{"Gemfile.lock", "gems.locked"}, extract: extractGemfileLock},
		{name: "composer.lock", patterns: []string{"composer.lock"}, extract: extractComposerLock},
		{name: "packages.lock.json", patterns: []string{"packages.lock.json"}, extract: extractNuGetLock},
		{name: "cyclonedx", patterns: []string{"bom.json", "*.cdx.json", "*.cyclonedx.json"}, extract: extractCycloneDX},
		{name: "spdx", patterns: []string{"*.spdx.json"}, extract: extractSPDX},
		// OS package databases (ospkg.go): what a root file system or image has installed.
		{name: "dpkg", patterns: []string{"dpkg/status"}, extract: extractDpkgStatus},
		{name: "dpkg-distroless", patterns: []string{"status.d/*"}, extract: extractDpkgStatusD},
		{name: "apk", patterns: []string{"db/installed"}, extract: extractApkInstalled},
		{name: "rpm-sqlite", patterns: []string{"rpm/rpmdb.sqlite"}, extract: extractRPMSQLite},
		{name: "rpm-bdb", patterns: []string{"rpm/Packages"}, extract: extractRPMBDB},
		{name: "rpm-ndb", patterns: []string{"rpm/Packages.db"}, extract: extractRPMNDB},
		{name: "go-binary", byContent: true, extract: extractGoBinary},
		{name: "rust-binary", byContent: true, extract: extractRustBinary},
		{name: "node_modules", patterns: []string{"package.json"}, installed: true, where: inNodeModules, extract: extractNodeModule},
		{name: ".package-lock.json", patterns: []string{".package-lock.json"}, installed: true, where: inNodeModules, extract: extractHiddenLock},
		{name: "python-installed", patterns: []string{"*.dist-info/METADATA", "*.egg-info/PKG-INFO", "*.egg-info", "EGG-INFO/PKG-INFO"}, installed: true, extract: extractPyInstalled},
		{name: "python-egg", patterns: []string{"*.egg"}, installed: true, opensFile: true, extract: extractPyEgg},
		{name: "java-archive", patterns: []string{"*.jar", "*.war", "*.ear", "*.jpi", "*.hpi"}, installed: true, opensFile: true, extract: extractJavaArchive},
		{name: "gemspec", patterns: []string{"specifications/*.gemspec", "default/*.gemspec"}, installed: true, where: inGemSpecifications, extract: extractGemspec},
		{name: "deps.json", patterns: []string{"*.deps.json"}, installed: true, extract: extractDepsJSON},
		{name: "composer-installed", patterns: []string{"composer/installed.json"}, installed: true, extract: extractComposerInstalled},
	}
}

// forMode is the list of extractors a run uses: the installed-package formats only when asked.
func forMode(list []extractor, installed bool) []extractor {
	if installed {
		return list
	}
	return slices.DeleteFunc(list, func(e extractor) bool { return e.installed })
}

// Format describes one file format Extract reads, for documentation and help text.
type Format struct {
	Name     string
	Patterns []string // empty for a format recognised by content
	// Installed is true for a format of installed packages, read only with Options.Installed.
	Installed bool
}

// Formats lists the file formats ExtractWith reads, in the order it tries them; those marked
// Installed only with Options.Installed.
func Formats() []Format {
	var out []Format
	for _, e := range builtins() {
		out = append(out, Format{Name: e.name, Patterns: slices.Clone(e.patterns), Installed: e.installed})
	}
	return out
}

// Wants reports whether Extract reads the file at the slash path p by its name alone. Go binaries
// are recognised by content; Walk finds them.
func Wants(p string) bool {
	_, ok := extractorFor(forMode(builtins(), false), p)
	return ok
}

// WantsInstalled is Wants for ExtractWith with Options.Installed: it also accepts the files of
// installed packages (node_modules/*/package.json, *.dist-info/METADATA, *.jar, …), so a caller
// that keeps only some files of an image knows which to keep.
func WantsInstalled(p string) bool {
	_, ok := extractorFor(builtins(), p)
	return ok
}

// insideInstalled leaves out, when installed packages are read, a lockfile or manifest inside an
// installed package (node_modules/x/package-lock.json, site-packages/x/requirements.txt): it
// describes its author's build, not what is installed.
func insideInstalled(e extractor, p string) bool {
	return !e.installed && !e.byContent && underInstalledTree(p)
}

func extractorFor(list []extractor, p string) (extractor, bool) {
	// forMode keeps installed formats in the list only when installed packages are read.
	installed := slices.ContainsFunc(list, func(e extractor) bool { return e.installed })
	base := path.Base(p)
	parent := path.Base(path.Dir(p)) + "/" + base
	for _, e := range list {
		for _, pat := range e.patterns {
			name := base
			if strings.Contains(pat, "/") {
				name = parent
			}
			if ok, _ := path.Match(pat, name); ok && (e.where == nil || e.where(p)) {
				if installed && insideInstalled(e, p) {
					return extractor{}, false
				}
				return e, true
			}
		}
	}
	return extractor{}, false
}

// Options tune ExtractWith. The zero value reads only what lies inside the target.
type Options struct {
	// GoModCache is the Go module cache ($GOMODCACHE) as a file system, where licences of Go
	// modules not vendored in the target are looked up; nil looks only inside the target.
	GoModCache fs.FS
	// MavenRepo is a local Maven repository (~/.m2/repository) as a file system, where licences
	// of Maven packages are read from their .pom files (following local parent poms); nil skips it.
	MavenRepo fs.FS
	// Skip, when set, leaves out the files for which it returns true: files the caller knows are
	// not inputs, such as an SBOM an earlier run wrote about this same tree (read back, it would
	// list every package once more). The caller is responsible for saying what it left out.
	Skip func(path string) bool
	// Installed also reads what package managers installed: node_modules, Python dist-info and
	// egg-info, Java archives (nested ones too), Ruby gem specifications, .NET deps.json and
	// Composer's installed.json; FromFS then enters node_modules, vendor, site-packages and testdata.
	// An image's file system is read this way. A source repository is not (its lockfiles are the
	// truth, and what a developer installed locally is not what ships), so it is off by default.
	Installed bool
}

// Extract finds the packages that the given files declare. files are slash paths in fsys; those
// no extractor knows (and that are not Go binaries) are ignored. A file that cannot be read or
// parsed becomes a finding.Problem naming it and, where known, the line; the others are still
// extracted. The error is non-nil only when ctx ends. The packages are sorted by path, line and
// key, each with a purl and, where local metadata says it, its licences.
func Extract(ctx context.Context, fsys fs.FS, files []string) ([]Package, []finding.Problem, error) {
	return ExtractWith(ctx, fsys, files, Options{})
}

// ExtractWith is Extract with options.
func ExtractWith(ctx context.Context, fsys fs.FS, files []string, opts Options) ([]Package, []finding.Problem, error) {
	list := forMode(builtins(), opts.Installed)
	files = slices.Clone(files)
	slices.Sort(files)
	files = slices.Compact(files)
	var pkgs []Package
	var problems []finding.Problem
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		// Skip may read the file (an earlier SBOM is recognised by its content): inside the loop,
		// so a cancelled context stops it too.
		if opts.Skip != nil && opts.Skip(f) {
			continue
		}
		got, probs := extractFile(ctx, fsys, list, f)
		pkgs = append(pkgs, got...)
		problems = append(problems, probs...)
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	pkgs = dedupeAcrossFiles(pkgs)
	if opts.Installed {
		var joinProblems []finding.Problem
		pkgs, joinProblems = joinInstalled(fsys, files, pkgs)
		problems = append(problems, joinProblems...)
	}
	lr := licenseResolver{fsys: fsys, modCache: opts.GoModCache, mavenRepo: opts.MavenRepo, files: files}
	for i := range pkgs {
		if i%256 == 0 && ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		if len(pkgs[i].Licenses) == 0 {
			pkgs[i].Licenses = lr.lookup(&pkgs[i])
		}
	}
	slices.SortStableFunc(pkgs, func(a, b Package) int {
		return cmp.Or(strings.Compare(a.Location.Path, b.Location.Path),
			cmp.Compare(a.Location.StartLine, b.Location.StartLine),
			strings.Compare(a.Key(), b.Key()))
	})
	return pkgs, problems, nil
}

// extractFile runs the extractor for one file and turns every failure into problems.
func extractFile(ctx context.Context, fsys fs.FS, list []extractor, p string) (pkgs []Package, problems []finding.Problem) {
	e, known := extractorFor(list, p)
	if !known {
		if sourceOrText(p) {
			return nil, nil // callers may pass every file of a tree: do not open each to sniff it
		}
		// Every content-recognised format is tried: one program can be both a Go binary and
		// carry a Rust dependency list (a Go program linking a Rust library through cgo).
		for _, c := range list {
			if c.byContent {
				got, probs := extractWith(ctx, fsys, c, p, false)
				pkgs = append(pkgs, got...)
				problems = append(problems, probs...)
			}
		}
		return pkgs, problems
	}
	return extractWith(ctx, fsys, e, p, !e.opensFile)
}

// extractWith runs one extractor on one file, reading it whole first when read is set.
func extractWith(ctx context.Context, fsys fs.FS, e extractor, p string, read bool) (pkgs []Package, problems []finding.Problem) {
	in := &input{fsys: fsys, path: p}
	defer func() {
		// A parser bug must not take the whole scan down or hide the file: report it.
		if r := recover(); r != nil {
			pkgs = nil
			problems = append(in.problems, finding.Problem{Path: p, Scanner: scanner, Kind: finding.ProblemParse,
				Message: fmt.Sprintf("parse %s: internal error: %v", e.name, r)})
		}
	}()
	if read {
		data, err := readLimited(fsys, p)
		if err != nil {
			return nil, []finding.Problem{{Path: p, Scanner: scanner, Kind: readKind(err), Message: fmt.Sprintf("read %s: %v", e.name, err)}}
		}
		in.data = data
	}
	got, err := e.extract(ctx, in)
	problems = in.problems
	if err != nil {
		if errors.Is(err, errNotMine) {
			return nil, problems
		}
		prob := finding.Problem{Path: p, Scanner: scanner, Kind: finding.ProblemParse, Message: fmt.Sprintf("parse %s: %v", e.name, err)}
		var le *lineError
		if errors.As(err, &le) {
			prob.Line = le.line
		}
		return nil, append(problems, prob)
	}
	pkgs = finish(in, got)
	return pkgs, in.problems
}

// finish fills what every extractor leaves to the caller: the location path, the purl, and one
// entry per package key (a lockfile may list the same version in several places; the first wins
// and the DependsOn lists are merged). An entry without a name cannot be matched or listed: it is
// reported as a problem instead.
func finish(in *input, pkgs []Package) []Package {
	seen := make(map[string]int, len(pkgs))
	out := pkgs[:0]
	for _, pkg := range pkgs {
		if pkg.Location.Path == "" {
			pkg.Location.Path = in.path
		}
		if strings.TrimSpace(pkg.Name) == "" {
			in.problem(finding.ProblemParse, pkg.Location.Path, pkg.Location.StartLine, "parse %s: entry without a package name", path.Base(in.path))
			continue
		}
		if pkg.PURL == "" {
			pkg.PURL = PURL(pkg.Ecosystem, pkg.Name, pkg.Version)
		}
		k := pkg.Key()
		if i, ok := seen[k]; ok {
			prev := &out[i]
			prev.Direct = prev.Direct || pkg.Direct
			prev.DependsOn = mergeSorted(prev.DependsOn, pkg.DependsOn)
			continue
		}
		seen[k] = len(out)
		pkg.DependsOn = mergeSorted(nil, pkg.DependsOn)
		out = append(out, pkg)
	}
	return out
}

func mergeSorted(a, b []string) []string {
	if len(a) == 0 && len(b) == 0 {
		return nil
	}
	out := append(slices.Clone(a), b...)
	slices.Sort(out)
	return slices.Compact(out)
}

// readLimited reads a file through fsys, at most MaxFileSize bytes; every extractor reads
// through it (the one bounded reader, kept under this name for the extractors' call sites).
func readLimited(fsys fs.FS, p string) ([]byte, error) {
	return boundedread.File(fsys, p, MaxFileSize)
}

// readKind is the problem kind of a failed read: too-large for a file over MaxFileSize, read
// for anything else.
func readKind(err error) string {
	if errors.Is(err, boundedread.ErrTooLarge) {
		return finding.ProblemTooLarge
	}
	return finding.ProblemRead
}

// errNotMine tells extractFile that a file it tried by content is not of the format (a file that
// is not a Go binary): not a problem, just not an input.
var errNotMine = errors.New("not this format")

// input is one file handed to an extractor, with the file system around it for the siblings some
// formats need (go.sum beside go.mod, package.json beside a lockfile, a parent pom.xml).
type input struct {
	fsys     fs.FS
	path     string
	data     []byte
	problems []finding.Problem
}

// sibling reads the file name in the same directory as the input; a missing file returns an error
// satisfying errors.Is(err, fs.ErrNotExist).
func (in *input) sibling(name string) (string, []byte, error) {
	p := path.Join(path.Dir(in.path), name)
	data, err := readLimited(in.fsys, p)
	return p, data, err
}

// problem records a problem of the given kind (one of finding.ProblemKinds) with a file other than
// the input's main one, or one that did not stop the extraction.
func (in *input) problem(kind, p string, line int, format string, args ...any) {
	in.problems = append(in.problems, finding.Problem{Path: p, Line: line, Scanner: scanner, Kind: kind, Message: fmt.Sprintf(format, args...)})
}

// lineError is a parse error at a line of the input.
type lineError struct {
	line int
	err  error
}

func (e *lineError) Error() string { return fmt.Sprintf("line %d: %v", e.line, e.err) }
func (e *lineError) Unwrap() error { return e.err }

// errAt builds a lineError.
func errAt(line int, format string, args ...any) error {
	return &lineError{line: line, err: fmt.Errorf(format, args...)}
}

// markUnrequiredDirect is the fallback when a lockfile does not say which packages the project
// itself requires and no manifest beside it does either: a package that no other package in the
// lockfile depends on must have been required by the project.
func markUnrequiredDirect(pkgs []Package) {
	required := make(map[string]bool)
	for _, p := range pkgs {
		for _, d := range p.DependsOn {
			required[d] = true
		}
	}
	for i := range pkgs {
		pkgs[i].Direct = !required[pkgs[i].Key()]
	}
}

func setProp(p *Package, k, v string) {
	if v == "" {
		return
	}
	if p.Properties == nil {
		p.Properties = map[string]string{}
	}
	p.Properties[k] = v
}

func addHash(p *Package, alg, v string) {
	if v == "" || alg == "" {
		return
	}
	if p.Hashes == nil {
		p.Hashes = map[string]string{}
	}
	if _, ok := p.Hashes[alg]; !ok {
		p.Hashes[alg] = v
	}
}

// sortBy sorts s stably by an integer key.
func sortBy[T any](s []T, key func(T) int) {
	slices.SortStableFunc(s, func(a, b T) int { return cmp.Compare(key(a), key(b)) })
}

// hashFromSRI turns a subresource-integrity value ("sha512-<base64>") into the Hashes entry
// ("sha512" → hex), the form SBOM formats require; anything else is dropped as unknown.
func hashFromSRI(p *Package, sri string) {
	for _, one := range strings.Fields(sri) {
		alg, b64, ok := strings.Cut(one, "-")
		if !ok {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			continue
		}
		switch alg {
		case "sha1", "sha256", "sha384", "sha512":
			addHash(p, alg, hex.EncodeToString(raw))
		}
	}
}

// dedupeAcrossFiles drops the second report of the same package at the same place, which happens
// when a file is both listed itself and included by another (requirements -r).
func dedupeAcrossFiles(pkgs []Package) []Package {
	seen := map[string]int{}
	out := pkgs[:0]
	for _, p := range pkgs {
		k := p.Key() + "\x00" + p.Location.Path + "\x00" + strconv.Itoa(p.Location.StartLine)
		if i, ok := seen[k]; ok {
			out[i].Direct = out[i].Direct || p.Direct
			out[i].DependsOn = mergeSorted(out[i].DependsOn, p.DependsOn)
			continue
		}
		seen[k] = len(out)
		out = append(out, p)
	}
	return out
}

// markDevOnly gives the dev scope to packages that only development needs: reachable through
// DependsOn from a dev root and from no production root. Lockfiles that record a graph but not
// scopes (yarn, pnpm 9) get their dev-only packages marked this way; a package reachable from no
// root at all keeps no scope, since nothing says it is dev-only.
func markDevOnly(pkgs []Package, prodRoots, devRoots []string) {
	index := make(map[string][]int, len(pkgs)) // a key can repeat before finish merges it
	for i, p := range pkgs {
		index[p.Key()] = append(index[p.Key()], i)
	}
	reach := func(roots []string) map[string]bool {
		seen := map[string]bool{}
		queue := slices.Clone(roots)
		for len(queue) > 0 {
			k := queue[len(queue)-1]
			queue = queue[:len(queue)-1]
			if seen[k] || len(index[k]) == 0 {
				continue
			}
			seen[k] = true
			for _, i := range index[k] {
				queue = append(queue, pkgs[i].DependsOn...)
			}
		}
		return seen
	}
	prod, dev := reach(prodRoots), reach(devRoots)
	for k := range dev {
		if prod[k] {
			continue
		}
		for _, i := range index[k] {
			if pkgs[i].Properties[PropScope] == "" {
				setProp(&pkgs[i], PropScope, ScopeDev)
			}
		}
	}
}

// sourceOrText reports whether p's extension marks a source, text, data or image file, which
// cannot be a compiled binary; Extract does not open those to look for one.
func sourceOrText(p string) bool {
	switch strings.ToLower(path.Ext(p)) {
	case ".go", ".s", ".c", ".h", ".cc", ".cpp", ".rs", ".java", ".kt", ".scala", ".py", ".rb", ".php",
		".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx", ".cs", ".swift", ".sh", ".bash", ".ps1",
		".md", ".txt", ".rst", ".adoc", ".json", ".yaml", ".yml", ".toml", ".xml", ".ini", ".cfg",
		".conf", ".mod", ".sum", ".lock", ".tf", ".hcl", ".tpl", ".tmpl", ".proto", ".sql", ".csv",
		".html", ".css", ".scss", ".svg", ".png", ".jpg", ".jpeg", ".gif", ".ico", ".pdf", ".gz",
		".zip", ".tar", ".pem", ".crt", ".key", ".env", ".gitignore", ".dockerignore", ".golden":
		return true
	}
	return false
}
