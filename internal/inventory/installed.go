package inventory

import (
	"io/fs"
	"path"
	"strings"

	"github.com/palisade-sec/palisade/internal/finding"
)

// joinInstalled is what ExtractWith does across files when it reads installed packages: one npm
// package from its package.json and the hidden lockfile, direct npm installs from the project's
// package.json, and one Python distribution from the several metadata directories a distro may
// install for it.
func joinInstalled(fsys fs.FS, files []string, pkgs []Package) ([]Package, []finding.Problem) {
	pkgs = mergeHiddenLocks(pkgs)
	problems := markNodeDirect(fsys, files, pkgs)
	return dedupePyInstalls(pkgs), problems
}

// pySiteDir is the directory a Python metadata file describes a distribution of (site-packages),
// and whether the file is a .dist-info one; "" for a package from anything else.
func pySiteDir(p Package) (dir string, distInfo bool) {
	if p.Ecosystem != PyPI {
		return "", false
	}
	loc := p.Location.Path
	switch {
	case strings.HasSuffix(loc, ".dist-info/METADATA"):
		return path.Dir(path.Dir(loc)), true
	case strings.HasSuffix(loc, "/EGG-INFO/PKG-INFO"), loc == "EGG-INFO/PKG-INFO":
		return path.Dir(path.Dir(path.Dir(loc))), false
	case strings.HasSuffix(loc, ".egg-info/PKG-INFO"):
		return path.Dir(path.Dir(loc)), false
	case strings.HasSuffix(loc, ".egg-info"), strings.HasSuffix(loc, ".egg"):
		return path.Dir(loc), false
	}
	return "", false
}

// dedupePyInstalls keeps one package per distribution version and site directory: Debian, for
// one, installs both NAME-VERSION.dist-info and NAME.egg-info for some packages, and one install
// reported twice would double every finding on it. The .dist-info one is kept (it is what pip
// and importlib.metadata read first); a licence only the other states is kept with it.
func dedupePyInstalls(pkgs []Package) []Package {
	keep := map[string]int{} // site dir + key → index of the package kept
	drop := map[int]bool{}
	for i, p := range pkgs {
		dir, distInfo := pySiteDir(p)
		if dir == "" {
			continue
		}
		k := dir + "\x00" + p.Key()
		j, seen := keep[k]
		if !seen {
			keep[k] = i
			continue
		}
		if _, keptDistInfo := pySiteDir(pkgs[j]); distInfo && !keptDistInfo {
			keep[k], i, j = i, j, i
		}
		drop[i] = true
		if len(pkgs[j].Licenses) == 0 {
			pkgs[j].Licenses = pkgs[i].Licenses
		}
	}
	if len(drop) == 0 {
		return pkgs
	}
	out := pkgs[:0]
	for i, p := range pkgs {
		if !drop[i] {
			out = append(out, p)
		}
	}
	return out
}
