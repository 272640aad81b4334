package scan

import (
	"errors"
	"fmt"
	"runtime"

	"github.com/palisade-sec/palisade/internal/errkind"
	"github.com/palisade-sec/palisade/internal/scan/gitignore"
)

// DefaultMaxFileSize is the size above which a file is not read whole into memory unless
// Options.MaxFileSize says otherwise: it is streamed to analyzers that can (secrets), and it is a
// problem for those that need the whole file (a lockfile parser).
const DefaultMaxFileSize = 10 << 20

// SkipIrregular is the skip reason for directory entries that are neither regular files,
// directories nor symlinks (sockets, pipes, devices): opening a pipe would block the scan.
const SkipIrregular = "irregular"

// SkipCompressed is the skip reason for an archive or compressed stream (zip, gzip, xz, zstd,
// 7z, rar …) or a PDF: analyzers that read binary content looked at its printable bytes — stored,
// not deflated, entries and names — but what it holds compressed was not decompressed and scanned.
const SkipCompressed = "compressed"

// SkipOwnOutput is the skip reason for a file Palisade itself wrote about this tree — an SBOM
// from `palisade sbom`, a JSON or SARIF report — or an SBOM of this tree: tree analyzers do not
// read it as an input, since its packages are the tree's own and would be reported twice. File
// analyzers (secrets) still read it.
const SkipOwnOutput = "palisade-output"

// SkipTreeSBOM is the skip reason for an SBOM another tool wrote about this tree (its subject is
// named like the scan root or a directory the SBOM sits in): like SkipOwnOutput, tree analyzers
// do not read it as an input, file analyzers do.
const SkipTreeSBOM = "sbom-of-this-tree"

// SkipSubmodule is the skip reason, in history mode, for a submodule entry: its history lives in
// another repository, and its diff lines are commit hashes that look like secrets to a scanner.
const SkipSubmodule = "submodule"

// Options says what a scan looks at and how. The zero value scans with .gitignore files honoured,
// the default skip list on, a 10 MiB size limit and GOMAXPROCS workers.
type Options struct {
	// Analyzers run over the target, in the order given (which is also the order of
	// report.Run.Scanners). Each must implement FileAnalyzer, TreeAnalyzer or both.
	Analyzers []Analyzer

	// NoGitignore turns off .gitignore and .git/info/exclude handling: ignored files are scanned.
	NoGitignore bool
	// NoDefaultSkips turns off the default skip list (see DefaultSkips).
	NoDefaultSkips bool
	// Exclude holds the user's own patterns, in .gitignore syntax relative to the scan root (the
	// repository's top in history mode): "docs/", "*.pem", "/build/**/gen". Matching paths are
	// skipped as finding.SkipExcluded.
	Exclude []string
	// MaxFileSize is the largest file, in bytes, read whole into memory; zero means
	// DefaultMaxFileSize. A larger file is streamed to analyzers that implement StreamAnalyzer
	// and is a problem for the others; tree analyzers get the limit in Tree.MaxFileSize. In
	// history mode it bounds each fragment of added lines.
	MaxFileSize int64
	// Concurrency bounds the number of files analysed at once; zero means GOMAXPROCS.
	Concurrency int
	// Progress, when set, is told how much work there is and how much is done. The engine
	// itself never writes to a terminal.
	Progress Progress
}

// Progress receives the progress of a long scan. The engine serialises its calls, so an
// implementation need not be safe for concurrent use. Total is -1 when it is not known.
type Progress interface {
	// Start is called once, before any Add, with the number of units (files, or commits in
	// history mode).
	Start(total int)
	// Add reports n more units done.
	Add(n int)
	// Done is called once after Start, when the work ends or is abandoned (an error, a
	// cancelled context), so a bar can clear itself.
	Done()
}

// settings is Options checked and compiled once per scan.
type settings struct {
	analyzers []Analyzer
	files     []FileAnalyzer
	trees     []TreeAnalyzer
	names     []string
	gitignore bool
	defaults  []compiledSkip
	exclude   *gitignore.Matcher
	maxSize   int64
	workers   int
	progress  Progress
}

func (o *Options) compile() (*settings, error) {
	s := &settings{
		gitignore: !o.NoGitignore,
		maxSize:   o.MaxFileSize,
		workers:   o.Concurrency,
		progress:  o.Progress,
	}
	if s.maxSize <= 0 {
		s.maxSize = DefaultMaxFileSize
	}
	if s.workers <= 0 {
		s.workers = runtime.GOMAXPROCS(0)
	}
	if len(o.Analyzers) == 0 {
		return nil, errkind.Wrap(errkind.Invalid, errors.New("no analyzers selected"))
	}
	seen := map[string]bool{}
	for _, a := range o.Analyzers {
		if a == nil {
			return nil, errkind.Wrap(errkind.Invalid, errors.New("nil analyzer in the list"))
		}
		if seen[a.Name()] {
			return nil, errkind.Wrap(errkind.Invalid, fmt.Errorf("analyzer %q listed twice", a.Name()))
		}
		seen[a.Name()] = true
		fa, isFile := a.(FileAnalyzer)
		ta, isTree := a.(TreeAnalyzer)
		if !isFile && !isTree {
			return nil, errkind.Wrap(errkind.Invalid, fmt.Errorf("analyzer %q implements neither FileAnalyzer nor TreeAnalyzer", a.Name()))
		}
		if isFile {
			s.files = append(s.files, fa)
		}
		if isTree {
			s.trees = append(s.trees, ta)
		}
		s.analyzers = append(s.analyzers, a)
		s.names = append(s.names, a.Name())
	}
	if !o.NoDefaultSkips {
		d, err := compileSkips(DefaultSkips())
		if err != nil {
			return nil, fmt.Errorf("default skip list: %w", err)
		}
		s.defaults = d
	}
	var ex []gitignore.Pattern
	for _, e := range o.Exclude {
		p, ok, err := gitignore.ParsePattern(e, "")
		if err != nil {
			return nil, errkind.Wrap(errkind.Invalid, fmt.Errorf("exclude: %w", err))
		}
		if !ok {
			return nil, errkind.Wrap(errkind.Invalid, fmt.Errorf("exclude: pattern %q is empty or a comment", e))
		}
		ex = append(ex, p)
	}
	s.exclude = gitignore.NewMatcher(ex...)
	return s, nil
}
