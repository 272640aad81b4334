package inventory

import (
	"bufio"
	"bytes"
	"context"
	"debug/buildinfo"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"strings"
	"sync"

	"golang.org/x/mod/modfile"

	"github.com/palisade-sec/palisade/internal/finding"
	"golang.org/x/mod/semver"
)

// extractGoMod reads go.mod: the require blocks (direct unless marked // indirect), with replace
// directives applied, h1: hashes from go.sum beside it, and the Go standard library as the package
// "stdlib" at the toolchain's version. For go < 1.17, whose go.mod lists only some of the
// modules built, the modules only go.sum names are added as transitive.
func extractGoMod(_ context.Context, in *input) ([]Package, error) {
	f, err := modfile.Parse(in.path, in.data, nil)
	if err != nil {
		return nil, goModErr(err)
	}
	sums := in.goSum()
	var pkgs []Package
	listed := map[string]bool{}
	for _, r := range f.Require {
		p := Package{
			Name: r.Mod.Path, Version: goVersion(r.Mod.Version), Ecosystem: Go,
			Direct: !r.Indirect,
		}
		p.Location.StartLine = r.Syntax.Start.Line
		listed[r.Mod.Path] = true
		applyReplace(&p, r.Mod.Path, r.Mod.Version, f.Replace)
		if h := sums[p.Name+"@v"+p.Version]; h.hash != "" {
			addHash(&p, "h1", strings.TrimPrefix(h.hash, "h1:"))
		}
		pkgs = append(pkgs, p)
	}
	if std, ok := goStdlib(f); ok {
		pkgs = append(pkgs, std)
	}
	if f.Go != nil && semver.Compare("v"+f.Go.Version, "v1.17") < 0 {
		for _, s := range sums.sorted() {
			if listed[s.path] {
				continue
			}
			listed[s.path] = true
			p := Package{Name: s.path, Version: goVersion(s.version), Ecosystem: Go}
			p.Location = locAt(s.file, s.line)
			addHash(&p, "h1", strings.TrimPrefix(s.hash, "h1:"))
			pkgs = append(pkgs, p)
		}
	}
	return pkgs, nil
}

// goModErr keeps the line of modfile's first error.
func goModErr(err error) error {
	var list modfile.ErrorList
	if errors.As(err, &list) && len(list) > 0 {
		return &lineError{line: list[0].Pos.Line, err: list[0].Err}
	}
	return err
}

// applyReplace swaps in the replacement a replace directive names for path@version (a replace of
// the bare path applies to every version).
func applyReplace(p *Package, modPath, version string, reps []*modfile.Replace) {
	var hit *modfile.Replace
	for _, r := range reps {
		if r.Old.Path != modPath {
			continue
		}
		if r.Old.Version == version {
			hit = r
			break
		}
		if r.Old.Version == "" {
			hit = r
		}
	}
	if hit == nil {
		return
	}
	if hit.New.Version == "" { // a directory: the code built is local, not the named version
		setProp(p, PropLocalReplace, hit.New.Path)
		return
	}
	setProp(p, PropReplaces, modPath+"@"+version)
	p.Name, p.Version = hit.New.Path, goVersion(hit.New.Version)
}

// goStdlib is the standard library as a package: at the toolchain line's version if there is one,
// else at the go line's (a minimum only).
func goStdlib(f *modfile.File) (Package, bool) {
	p := Package{Name: Stdlib, Ecosystem: Go, Direct: true}
	switch {
	case f.Toolchain != nil && f.Toolchain.Name != "default":
		v, ok := goToolchainVersion(f.Toolchain.Name)
		if !ok {
			return p, false
		}
		p.Version = v
		p.Location.StartLine = f.Toolchain.Syntax.Start.Line
		setProp(&p, PropVersionSource, VersionFromToolchain)
	case f.Go != nil:
		v, ok := goToolchainVersion("go" + f.Go.Version)
		if !ok {
			return p, false
		}
		p.Version = v
		p.Location.StartLine = f.Go.Syntax.Start.Line
		setProp(&p, PropVersionSource, VersionFromGoDirective)
	default:
		return p, false
	}
	if f.Go != nil {
		setProp(&p, PropGoDirective, f.Go.Version)
	}
	return p, true
}

var goToolchainRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^go(\d+)\.(\d+)(?:\.(\d+))?(?:(rc|beta)(\d+))?`) })

// goToolchainVersion turns a Go toolchain name ("go1.22.3", "go1.21", "go1.23rc1",
// "go1.22.3-custom") into the semver form the Go vulnerability database uses for stdlib
// ("1.22.3", "1.21.0", "1.23.0-rc.1").
func goToolchainVersion(name string) (string, bool) {
	m := goToolchainRe().FindStringSubmatch(name)
	if m == nil {
		return "", false
	}
	patch := m[3]
	if patch == "" {
		patch = "0"
	}
	v := m[1] + "." + m[2] + "." + patch
	if m[4] != "" {
		v += "-" + m[4] + "." + m[5]
	}
	// Before Go 1.21, "go1.20" was the first release of 1.20, so 1.20.0 is right there too.
	return v, true
}

// goVersion drops the "v" that Go module versions carry, as the OSV Go ecosystem does.
func goVersion(v string) string { return strings.TrimPrefix(v, "v") }

type goSumEntry struct {
	file, path, version, hash string
	line                      int
}

type goSums map[string]goSumEntry

func (s goSums) sorted() []goSumEntry {
	out := make([]goSumEntry, 0, len(s))
	for _, e := range s {
		out = append(out, e)
	}
	sortBy(out, func(e goSumEntry) int { return e.line })
	return out
}

// goSum reads go.sum beside the input, keyed by "path@version" of each module's content hash (the
// /go.mod hashes are skipped). A malformed line is a problem against go.sum; a missing go.sum is
// fine (a module without dependencies has none).
func (in *input) goSum() goSums {
	p, data, err := in.sibling("go.sum")
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			in.problem(readKind(err), p, 0, "read go.sum: %v", err)
		}
		return nil
	}
	sums, err := parseGoSum(p, data)
	if err != nil {
		var le *lineError
		line := 0
		if errors.As(err, &le) {
			line = le.line
		}
		in.problem(finding.ProblemParse, p, line, "parse go.sum: %v", err)
	}
	return sums
}

func parseGoSum(p string, data []byte) (goSums, error) {
	sums := goSums{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		if len(fields) != 3 || !strings.HasPrefix(fields[2], "h1:") {
			return sums, errAt(line, "want \"module version h1:hash\", got %d fields", len(fields))
		}
		if strings.HasSuffix(fields[1], "/go.mod") {
			continue
		}
		sums[fields[0]+"@"+fields[1]] = goSumEntry{file: p, path: fields[0], version: fields[1], hash: fields[2], line: line}
	}
	if err := sc.Err(); err != nil {
		return sums, errAt(line+1, "%v", err)
	}
	return sums, nil
}

// binaryMagic are the first bytes of the executable formats Go builds: ELF, Mach-O (32/64-bit,
// both byte orders, universal) and PE.
func binaryMagic() [][]byte {
	return [][]byte{
		[]byte("\x7fELF"), []byte("MZ"),
		{0xfe, 0xed, 0xfa, 0xce}, {0xfe, 0xed, 0xfa, 0xcf}, {0xce, 0xfa, 0xed, 0xfe}, {0xcf, 0xfa, 0xed, 0xfe},
		{0xca, 0xfe, 0xba, 0xbe},
	}
}

// isBinaryMagic reports whether head starts like an executable.
// openExecutable opens the input as an executable to read sections from: errNotMine when its
// first bytes are not an object file's magic; read whole (within the size limit) when the file
// system gives no io.ReaderAt. The caller calls closeFile when done.
func openExecutable(in *input) (ra io.ReaderAt, closeFile func(), err error) {
	f, err := in.fsys.Open(in.path)
	if err != nil {
		return nil, nil, fmt.Errorf("open: %w", err)
	}
	head := make([]byte, 4)
	if n, _ := io.ReadFull(f, head); !isBinaryMagic(head[:n]) {
		f.Close()
		return nil, nil, errNotMine
	}
	ra, ok := f.(io.ReaderAt)
	if !ok {
		data, err := readLimited(in.fsys, in.path)
		if err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("read: %w", err)
		}
		ra = bytes.NewReader(data)
	}
	return ra, func() { f.Close() }, nil
}

func isBinaryMagic(head []byte) bool {
	for _, m := range binaryMagic() {
		if bytes.HasPrefix(head, m) {
			return true
		}
	}
	return false
}

// extractGoBinary reads the module build information a Go binary carries: the main module's
// dependencies (replacements applied) and the toolchain that built it as "stdlib". A file that is
// not an executable is not this format; an executable without Go build information neither.
func extractGoBinary(_ context.Context, in *input) ([]Package, error) {
	ra, closeFile, err := openExecutable(in)
	if err != nil {
		return nil, err
	}
	defer closeFile()
	bi, err := buildinfo.Read(ra)
	if err != nil {
		return nil, errNotMine // a C program, a shell-less binary stripped of build info: not Go
	}
	return goBinaryPackages(bi), nil
}

func goBinaryPackages(bi *buildinfo.BuildInfo) []Package {
	var pkgs []Package
	for _, d := range bi.Deps {
		p := Package{Name: d.Path, Version: goVersion(d.Version), Ecosystem: Go}
		if d.Replace != nil {
			setProp(&p, PropReplaces, d.Path+"@"+d.Version)
			if d.Replace.Version == "" {
				setProp(&p, PropLocalReplace, d.Replace.Path)
			} else {
				p.Name, p.Version = d.Replace.Path, goVersion(d.Replace.Version)
				d = d.Replace
			}
		}
		if h, ok := strings.CutPrefix(d.Sum, "h1:"); ok {
			addHash(&p, "h1", h)
		}
		pkgs = append(pkgs, p)
	}
	if v, ok := goToolchainVersion(bi.GoVersion); ok {
		p := Package{Name: Stdlib, Version: v, Ecosystem: Go, Direct: true}
		setProp(&p, PropVersionSource, VersionFromBinary)
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// locAt is a location at a line of a file other than the input.
func locAt(p string, line int) (l finding.Location) {
	l.Path, l.StartLine = path.Clean(p), line
	return l
}
