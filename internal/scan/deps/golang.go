package deps

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/inventory"
	"github.com/palisade-sec/palisade/internal/scan"
	"github.com/palisade-sec/palisade/internal/vulndb"
)

// goModule is one go.mod in the tree, with what the Go-specific rules need from it.
type goModule struct {
	gomod         string // slash path of the go.mod
	dir           string // its directory ("." at the root)
	path          string // the module path
	toolchain     string // "go1.22.3"; empty when there is no toolchain line
	toolchainLine int
	goVersion     string
	goLine        int
	// imports are the import paths of the module's own non-generated .go files (its directly
	// imported packages); nil when the tree holds no Go source for the module.
	imports map[string]bool
}

// readGoModules finds the go.mod files of the tree and reads their module, go and toolchain lines.
func readGoModules(t *scan.Tree) ([]*goModule, []finding.Problem) {
	var mods []*goModule
	var problems []finding.Problem
	for _, f := range t.Files {
		if path.Base(f) != "go.mod" || inIgnoredGoDir(path.Dir(f)) {
			continue
		}
		data, err := fs.ReadFile(t.FS, f)
		if err != nil {
			problems = append(problems, finding.Problem{Path: f, Scanner: Name, Message: "read go.mod: " + err.Error(), Kind: finding.ProblemRead})
			continue
		}
		mods = append(mods, parseGoMod(f, data))
	}
	return mods, problems
}

// loadImports records the direct imports of each module's own Go files, parsed with go/parser
// in ImportsOnly mode (fast; nothing is type-checked or built). It runs only when some Go package
// matched, so trees without Go findings pay nothing for it.
func loadImports(ctx context.Context, t *scan.Tree, mods []*goModule, includeTests bool) []finding.Problem {
	var problems []finding.Problem
	fset := token.NewFileSet()
	for i, f := range t.Files {
		if i%64 == 0 && ctx.Err() != nil {
			return append(problems, finding.Problem{Scanner: Name, Message: "Go import analysis interrupted: " + ctx.Err().Error()})
		}
		if !strings.HasSuffix(f, ".go") || (!includeTests && strings.HasSuffix(f, "_test.go")) || inIgnoredGoDir(path.Dir(f)) {
			continue
		}
		m := owningModule(mods, f)
		if m == nil {
			continue
		}
		if info, err := fs.Stat(t.FS, f); err == nil && t.MaxFileSize > 0 && info.Size() > t.MaxFileSize {
			problems = append(problems, finding.Problem{Path: f, Scanner: Name, Message: fmt.Sprintf(
				"Go source not read for import analysis (imported-package check less precise): %d bytes is over the size limit (--max-file-size %d)",
				info.Size(), t.MaxFileSize), Kind: finding.ProblemTooLarge})
			continue
		}
		src, err := fs.ReadFile(t.FS, f)
		if err != nil {
			problems = append(problems, finding.Problem{Path: f, Scanner: Name, Message: "read Go source for import analysis: " + err.Error(),
				Kind: finding.ProblemRead})
			continue
		}
		af, err := parser.ParseFile(fset, f, src, parser.ImportsOnly)
		if err != nil {
			problems = append(problems, finding.Problem{Path: f, Scanner: Name, Message: "parse Go imports (imported-package check less precise): " + err.Error(),
				Kind: finding.ProblemParse})
			continue
		}
		if m.imports == nil {
			m.imports = map[string]bool{}
		}
		for _, im := range af.Imports {
			if p, err := strconv.Unquote(im.Path.Value); err == nil {
				m.imports[p] = true
			}
		}
	}
	return problems
}

// inIgnoredGoDir reports directories the go command ignores (testdata, _x, .x) and vendor/,
// whose code belongs to other modules.
func inIgnoredGoDir(dir string) bool {
	for _, el := range strings.Split(dir, "/") {
		if el == "testdata" || el == "vendor" || (len(el) > 1 && (el[0] == '_' || el[0] == '.')) {
			return true
		}
	}
	return false
}

// owningModule returns the module whose directory most closely encloses file.
func owningModule(mods []*goModule, file string) *goModule {
	var best *goModule
	bestLen := -1
	for _, m := range mods {
		n := len(m.dir)
		if m.dir == "." {
			n = 0
		} else if !strings.HasPrefix(file, m.dir+"/") {
			continue
		}
		if n > bestLen {
			best, bestLen = m, n
		}
	}
	return best
}

// parseGoMod reads the module, go and toolchain directives; the extractor reads the rest.
func parseGoMod(file string, data []byte) *goModule {
	m := &goModule{gomod: file, dir: path.Dir(file)}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if i := strings.Index(line, "//"); i >= 0 {
			line = line[:i]
		}
		fields := strings.Fields(line)
		if len(fields) != 2 {
			continue
		}
		switch fields[0] {
		case "module":
			m.path = strings.Trim(fields[1], "\"`")
		case "go":
			m.goVersion, m.goLine = fields[1], n
		case "toolchain":
			if fields[1] != "default" {
				m.toolchain, m.toolchainLine = fields[1], n
			}
		}
	}
	return m
}

// stdlibPackages decides the Go standard library versions to match: the toolchain line of each
// go.mod (the toolchain actually used), never the go line unless StdlibFromGoDirective is set.
// Standard-library packages the extractor derived from go.mod are replaced by this decision;
// those from compiled binaries (the exact toolchain that built them) are kept.
func (a *Analyzer) stdlibPackages(pkgs []inventory.Package, mods []*goModule) ([]inventory.Package, []finding.Problem) {
	isGoMod := map[string]bool{}
	for _, m := range mods {
		isGoMod[m.gomod] = true
	}
	out := make([]inventory.Package, 0, len(pkgs)+len(mods))
	for _, p := range pkgs {
		if p.Ecosystem == inventory.Go && (p.Name == "stdlib" || p.Name == "toolchain") && isGoMod[p.Location.Path] {
			continue
		}
		out = append(out, p)
	}
	var problems []finding.Problem
	for _, m := range mods {
		std := inventory.Package{Name: "stdlib", Ecosystem: inventory.Go, Direct: true}
		switch {
		case m.toolchain != "":
			std.Version = vulndb.GoToolchainSemver(m.toolchain)
			std.Location.Path, std.Location.StartLine = m.gomod, m.toolchainLine
		case m.goVersion != "" && a.opts.StdlibFromGoDirective:
			std.Version = vulndb.GoToolchainSemver(m.goVersion)
			std.Location.Path, std.Location.StartLine = m.gomod, m.goLine
		default:
			problems = append(problems, finding.Problem{Path: m.gomod, Scanner: Name, Message: fmt.Sprintf(
				"the Go standard library was not checked: go.mod has no toolchain line, and the go line (%q) is only a minimum; add a toolchain line, scan the built binary, or enable matching the go line",
				m.goVersion), Kind: finding.ProblemUnmatched})
			continue
		}
		out = append(out, std)
	}
	return out, problems
}

// moduleFor returns the go.mod module a Go package was declared by (its go.mod or the go.sum
// beside it), or nil.
func moduleFor(mods []*goModule, p inventory.Package) *goModule {
	dir := path.Dir(p.Location.Path)
	for _, m := range mods {
		if m.gomod == p.Location.Path || m.dir == dir {
			return m
		}
	}
	return nil
}
