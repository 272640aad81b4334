package inventory

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io/fs"
	"path"
	"strings"
	"unicode"

	"github.com/palisade-sec/palisade/internal/inventory/license"
)

// licenseFileNames are the names a licence file has at the root of a module or package.
func licenseFileNames() []string {
	return []string{"LICENSE", "LICENSE.md", "LICENSE.txt", "LICENCE", "LICENCE.md", "LICENCE.txt", "COPYING", "LICENSE-MIT", "LICENSE-APACHE"}
}

// licenseResolver finds licences in local metadata: the Go module cache or vendor/, node_modules,
// Python site-packages, and pom.xml files of the target. It reads only what it is asked about and
// caches per directory.
type licenseResolver struct {
	fsys      fs.FS
	modCache  fs.FS
	mavenRepo fs.FS
	files     []string
	sitePkgs  map[string]map[string]string // lockfile dir → "name@version" → dist-info dir
	poms      map[string][]string          // "group:artifact@version" → licences
}

// lookup returns the licences local metadata states for p, or nil.
func (lr *licenseResolver) lookup(p *Package) []string {
	dir := path.Dir(p.Location.Path)
	switch p.Ecosystem {
	case Go:
		return lr.goLicense(dir, p)
	case NPM:
		return lr.npmLicense(dir, p)
	case PyPI:
		return lr.pyLicense(dir, p)
	case Maven:
		return lr.mavenLicense(p)
	}
	return nil
}

// classifyDir reads the first licence file in dir of fsys and classifies it.
func classifyDir(fsys fs.FS, dir string) []string {
	if fsys == nil {
		return nil
	}
	for _, name := range licenseFileNames() {
		data, err := readLimited(fsys, path.Join(dir, name))
		if err != nil {
			continue
		}
		if id, ok := license.Classify(data); ok {
			return []string{id}
		}
		return nil // a licence file we cannot classify: say nothing rather than guess
	}
	return nil
}

func (lr *licenseResolver) goLicense(dir string, p *Package) []string {
	if p.Name == Stdlib {
		return []string{"BSD-3-Clause"}
	}
	if p.Properties[PropLocalReplace] != "" {
		return nil
	}
	if got := classifyDir(lr.fsys, path.Join(dir, "vendor", p.Name)); got != nil {
		return got
	}
	esc, ok := escapeModulePath(p.Name)
	if !ok || lr.modCache == nil {
		return nil
	}
	return classifyDir(lr.modCache, esc+"@v"+p.Version)
}

// escapeModulePath is the module cache's spelling of a module path: each upper-case letter as "!"
// and its lower case, so the cache works on case-insensitive file systems.
func escapeModulePath(p string) (string, bool) {
	var b strings.Builder
	for _, r := range p {
		switch {
		case r == '!' || r > unicode.MaxASCII:
			return "", false
		case unicode.IsUpper(r):
			b.WriteByte('!')
			b.WriteRune(unicode.ToLower(r))
		default:
			b.WriteRune(r)
		}
	}
	s := b.String()
	if !fs.ValidPath(s) {
		return "", false
	}
	return s, true
}

func (lr *licenseResolver) npmLicense(dir string, p *Package) []string {
	// The hoisted install (npm, yarn), then pnpm's content-addressed store, where every version
	// has its own folder named "name@version" with the scope's "/" as "+".
	for _, at := range []string{
		path.Join(dir, "node_modules", p.Name, "package.json"),
		path.Join(dir, "node_modules", ".pnpm", strings.ReplaceAll(p.Name, "/", "+")+"@"+p.Version, "node_modules", p.Name, "package.json"),
	} {
		data, err := readLimited(lr.fsys, at)
		if err != nil {
			continue
		}
		var m npmManifest
		if json.Unmarshal(data, &m) != nil || m.Version != p.Version {
			continue // another version is installed there: its licence may differ
		}
		return npmLicense(m.License)
	}
	return nil
}

// siteDirs are where a project's virtual environment usually keeps its packages.
func siteDirs() []string {
	return []string{"*/lib/python*/site-packages", "*/Lib/site-packages", "lib/python*/site-packages"}
}

func (lr *licenseResolver) pyLicense(dir string, p *Package) []string {
	if lr.sitePkgs == nil {
		lr.sitePkgs = map[string]map[string]string{}
	}
	index, ok := lr.sitePkgs[dir]
	if !ok {
		index = map[string]string{}
		for _, pat := range siteDirs() {
			matches, _ := fs.Glob(lr.fsys, path.Join(dir, pat))
			for _, sp := range matches {
				entries, _ := fs.ReadDir(lr.fsys, sp)
				for _, e := range entries {
					base, ok := strings.CutSuffix(e.Name(), ".dist-info")
					if !ok || !e.IsDir() {
						continue
					}
					if i := strings.LastIndex(base, "-"); i > 0 {
						index[normalizePyPI(base[:i])+"@"+base[i+1:]] = path.Join(sp, e.Name())
					}
				}
			}
		}
		lr.sitePkgs[dir] = index
	}
	di, ok := index[normalizePyPI(p.Name)+"@"+p.Version]
	if !ok {
		return nil
	}
	data, err := readLimited(lr.fsys, path.Join(di, "METADATA"))
	if err != nil {
		return nil
	}
	return pyMetadataLicense(data)
}

// pyMetadataLicense reads the licence from core metadata headers: License-Expression (PEP 639)
// first, then "License ::" classifiers, then the free-text License field.
func pyMetadataLicense(data []byte) []string {
	var expr, free string
	var classifiers []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			break // the body (long description) follows the headers
		}
		name, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		val = strings.TrimSpace(val)
		switch strings.ToLower(name) {
		case "license-expression":
			expr = val
		case "license":
			free = val
		case "classifier":
			if strings.HasPrefix(val, "License ::") {
				classifiers = append(classifiers, val)
			}
		}
	}
	if expr != "" {
		return license.Declared(expr)
	}
	var out []string
	for _, c := range classifiers {
		if id, ok := license.Normalize(c); ok {
			out = append(out, id)
		}
	}
	if len(out) > 0 {
		return out
	}
	return license.Declared(free)
}

// mavenLicense looks for the package among the target's own pom.xml files (the modules of a
// multi-module build) and returns their <licenses>.
func (lr *licenseResolver) mavenLicense(p *Package) []string {
	if lr.poms == nil {
		lr.poms = map[string][]string{}
		for _, f := range lr.files {
			if path.Base(f) != "pom.xml" {
				continue
			}
			data, err := readLimited(lr.fsys, f)
			if err != nil {
				continue
			}
			proj, err := parsePom(data)
			if err != nil {
				continue
			}
			var lic []string
			for _, l := range proj.Licenses {
				lic = append(lic, license.Declared(l.Name)...)
			}
			k := cmpOr(proj.GroupID, proj.Parent.GroupID) + ":" + proj.ArtifactID + "@" + cmpOr(proj.Version, proj.Parent.Version)
			lr.poms[k] = lic
		}
	}
	if lic, ok := lr.poms[p.Name+"@"+p.Version]; ok && len(lic) > 0 {
		return lic
	}
	group, artifact, ok := strings.Cut(p.Name, ":")
	if !ok || lr.mavenRepo == nil || p.Version == "" {
		return nil
	}
	return mavenRepoLicense(lr.mavenRepo, group, artifact, p.Version)
}

// mavenRepoLicense reads <licenses> from group/artifact/version/artifact-version.pom in a local
// Maven repository, following <parent> there when the pom declares none (licences are commonly
// declared once in a parent).
func mavenRepoLicense(repo fs.FS, group, artifact, version string) []string {
	for range 6 {
		p := path.Join(strings.ReplaceAll(group, ".", "/"), artifact, version, artifact+"-"+version+".pom")
		if !fs.ValidPath(p) {
			return nil
		}
		data, err := readLimited(repo, p)
		if err != nil {
			return nil
		}
		proj, err := parsePom(data)
		if err != nil {
			return nil
		}
		var lic []string
		for _, l := range proj.Licenses {
			lic = append(lic, license.Declared(cmpOr(l.Name, l.URL))...)
		}
		if len(lic) > 0 {
			return lic
		}
		if proj.Parent.ArtifactID == "" {
			return nil
		}
		group, artifact, version = proj.Parent.GroupID, proj.Parent.ArtifactID, proj.Parent.Version
	}
	return nil
}
