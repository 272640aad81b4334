package inventory

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/palisade-sec/palisade/internal/finding"
)

// skipDir names the directories Walk does not enter: version control, installed dependencies
// (their own lockfiles describe someone else's build; licences are read from them directly) and
// test fixtures, which Go tooling ignores too.
func skipDir(name string) bool {
	switch name {
	case ".git", ".hg", ".svn", "node_modules", "vendor", "site-packages", "__pycache__", "testdata", ".tox":
		return true
	}
	return false
}

// underInstalledTree reports whether p lies inside a directory of installed or downloaded
// packages: node_modules, vendor, site-packages and dist-packages, the Go module cache
// (GOPATH/pkg/mod) and Cargo's registry and git checkouts (CARGO_HOME/registry, CARGO_HOME/git,
// with CARGO_HOME named .cargo or cargo).
// The lockfiles and manifests there are other projects' builds: a Go builder image's module cache
// holds thousands of go.mod files, none of them the image's program.
func underInstalledTree(p string) bool {
	dirs := strings.Split(path.Dir(p), "/")
	for i, dir := range dirs {
		switch dir {
		case "node_modules", "vendor", "site-packages", "dist-packages":
			return true
		case "mod":
			if i > 0 && dirs[i-1] == "pkg" {
				return true
			}
		case "registry", "git":
			if i > 0 && (dirs[i-1] == ".cargo" || dirs[i-1] == "cargo") { // the rust image's CARGO_HOME is /usr/local/cargo
				return true
			}
		}
	}
	return false
}

// vcsDir names the version-control directories, which even an installed-package walk skips.
func vcsDir(name string) bool { return name == ".git" || name == ".hg" || name == ".svn" }

// walk lists the files of fsys that Extract reads: those Wants accepts by name, and executables
// (candidate Go binaries, which Extract confirms by content). It skips version-control metadata,
// installed dependency trees (node_modules, vendor, site-packages), testdata and symbolic links,
// so a link cannot lead the walk outside the target. A directory that cannot be read is reported
// as a problem and the walk goes on; the error is for an unreadable root or an ended ctx. Paths
// are slash-separated and sorted. With installed (an image, a root filesystem) it also enters
// installed dependency trees and testdata (only version-control metadata stays out) and lists the
// files WantsInstalled accepts.
func walk(ctx context.Context, fsys fs.FS, installed bool) ([]string, []finding.Problem, error) {
	wants := Wants
	if installed {
		wants = WantsInstalled
	}
	var out []string
	var problems []finding.Problem
	n := 0
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == "." {
				return err
			}
			problems = append(problems, finding.Problem{Path: p, Scanner: scanner, Kind: finding.ProblemRead, Message: fmt.Sprintf("walk: %v", err)})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if n++; n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if d.IsDir() {
			if p != "." && skipDir(d.Name()) && (!installed || vcsDir(d.Name())) {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		if wants(p) || executable(d) {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return out, problems, nil
}

// executable reports whether a file may be a compiled program: it has an execute bit or an .exe
// name, and is not an obvious script or library source.
func executable(d fs.DirEntry) bool {
	if strings.EqualFold(path.Ext(d.Name()), ".exe") {
		return true
	}
	info, err := d.Info()
	if err != nil || info.Mode().Perm()&0o111 == 0 || info.Size() < 1024 {
		return false
	}
	return !sourceOrText(d.Name())
}

// FromFS walks fsys and extracts every package its files declare: Walk followed by ExtractWith,
// the one call a command needs to inventory a directory. With opts.Installed the walk also enters
// installed trees (node_modules, vendor, site-packages, testdata), as an image's file system needs.
func FromFS(ctx context.Context, fsys fs.FS, opts Options) ([]Package, []finding.Problem, error) {
	files, walkProblems, err := walk(ctx, fsys, opts.Installed)
	if err != nil {
		return nil, nil, fmt.Errorf("walk: %w", err)
	}
	pkgs, problems, err := ExtractWith(ctx, fsys, files, opts)
	return pkgs, append(walkProblems, problems...), err
}
