package scan

import (
	"fmt"

	"github.com/palisade-sec/palisade/internal/scan/gitignore"
)

// SkipRule is one entry of the default skip list: a path pattern and the reason a scan leaves
// matching paths alone by default.
//
// Patterns use .gitignore syntax relative to the scan root. A pattern ending in "/" names
// directories: the walk does not enter them at all, for any analyzer. Any other pattern names
// files: they are withheld from analyzers that look at every file (secrets), but an analyzer that
// implements FileFilter and Wants the path still receives it — the dependency analyzer reads the
// lock files the secret scanner should not.
type SkipRule struct {
	Pattern string
	Reason  string
}

// DefaultSkips returns the default skip list, a fresh copy on each call, in the order docs show
// it. Options.NoDefaultSkips turns it off.
func DefaultSkips() []SkipRule {
	return []SkipRule{
		{Pattern: ".git/", Reason: "version-control metadata; use history mode to scan commits"},
		{Pattern: "node_modules/", Reason: "installed npm packages: third-party code, scanned by the dependency analyzer through lock files"},
		{Pattern: "bower_components/", Reason: "installed Bower packages: third-party code"},
		{Pattern: "vendor/", Reason: "vendored dependencies (Go, PHP Composer, Ruby Bundler): third-party code"},
		{Pattern: "third_party/", Reason: "vendored third-party code"},
		{Pattern: ".venv/", Reason: "Python virtual environment: installed packages"},
		{Pattern: "site-packages/", Reason: "installed Python packages"},
		{Pattern: ".terraform/", Reason: "downloaded Terraform providers and modules"},
		{Pattern: "testdata/", Reason: "test fixtures, which hold fake secrets and broken inputs on purpose"},
		{Pattern: "package-lock.json", Reason: "npm lock file: integrity hashes, not secrets"},
		{Pattern: "npm-shrinkwrap.json", Reason: "npm lock file: integrity hashes, not secrets"},
		{Pattern: "yarn.lock", Reason: "Yarn lock file: integrity hashes, not secrets"},
		{Pattern: "pnpm-lock.yaml", Reason: "pnpm lock file: integrity hashes, not secrets"},
		{Pattern: "go.sum", Reason: "Go checksum database entries, not secrets"},
		{Pattern: "go.work.sum", Reason: "Go checksum database entries, not secrets"},
		{Pattern: "Cargo.lock", Reason: "Cargo lock file: checksums, not secrets"},
		{Pattern: "poetry.lock", Reason: "Poetry lock file: hashes, not secrets"},
		{Pattern: "Pipfile.lock", Reason: "Pipenv lock file: hashes, not secrets"},
		{Pattern: "uv.lock", Reason: "uv lock file: hashes, not secrets"},
		{Pattern: "composer.lock", Reason: "Composer lock file: hashes, not secrets"},
		{Pattern: "Gemfile.lock", Reason: "Bundler lock file"},
		{Pattern: "packages.lock.json", Reason: "NuGet lock file: content hashes, not secrets"},
		{Pattern: "gradle.lockfile", Reason: "Gradle lock file"},
		{Pattern: "pubspec.lock", Reason: "Dart pub lock file: hashes, not secrets"},
		{Pattern: "mix.lock", Reason: "Elixir Mix lock file: hashes, not secrets"},
		{Pattern: ".terraform.lock.hcl", Reason: "Terraform provider lock file: hashes, not secrets"},
		{Pattern: "*.min.js", Reason: "minified JavaScript: generated, one huge line"},
		{Pattern: "*.min.mjs", Reason: "minified JavaScript: generated, one huge line"},
		{Pattern: "*.min.css", Reason: "minified CSS: generated, one huge line"},
		{Pattern: "*.js.map", Reason: "JavaScript source map: generated"},
		{Pattern: "*.css.map", Reason: "CSS source map: generated"},
	}
}

// compiledSkip is a SkipRule ready to match.
type compiledSkip struct {
	rule    SkipRule
	pattern gitignore.Pattern
	dir     bool
}

// compileSkips turns rules into patterns anchored at the scan root. A rule that does not parse is
// an error: a skip list that silently matched nothing would scan what the user meant to skip, or
// the other way round.
func compileSkips(rules []SkipRule) ([]compiledSkip, error) {
	out := make([]compiledSkip, 0, len(rules))
	for i, r := range rules {
		p, ok, err := gitignore.ParsePattern(r.Pattern, "")
		if err != nil {
			return nil, fmt.Errorf("skip rule %d: %w", i+1, err)
		}
		if !ok || p.Negated() {
			return nil, fmt.Errorf("skip rule %d: pattern %q is empty, a comment or negated", i+1, r.Pattern)
		}
		out = append(out, compiledSkip{rule: r, pattern: p, dir: r.Pattern[len(r.Pattern)-1] == '/'})
	}
	return out, nil
}

// matchSkip returns the first rule matching path, or nil.
func matchSkip(rules []compiledSkip, path string, isDir bool) *SkipRule {
	for i := range rules {
		r := &rules[i]
		if r.dir != isDir {
			continue
		}
		if r.pattern.Match(path, isDir) {
			return &r.rule
		}
	}
	return nil
}
