package inventory

import (
	"context"
	"path"
	"regexp"
	"strings"
	"sync"

	"github.com/palisade-sec/palisade/internal/finding"
)

// reqLine is one logical line of a requirements file (continuations joined).
type reqLine struct {
	text string
	line int
}

// requirementsLines joins backslash continuations and keeps the line each logical line starts on.
func requirementsLines(data []byte) []reqLine {
	var out []reqLine
	var cur strings.Builder
	start := 0
	for i, raw := range strings.Split(string(data), "\n") {
		raw = strings.TrimRight(raw, "\r")
		if cur.Len() == 0 {
			start = i + 1
		}
		if body, ok := strings.CutSuffix(raw, "\\"); ok && !strings.HasPrefix(strings.TrimSpace(raw), "#") {
			cur.WriteString(body)
			cur.WriteByte(' ')
			continue
		}
		cur.WriteString(raw)
		out = append(out, reqLine{text: cur.String(), line: start})
		cur.Reset()
	}
	if cur.Len() > 0 {
		out = append(out, reqLine{text: cur.String(), line: start})
	}
	return out
}

// reqRe is a requirement: name, optional [extras], then the specifier and anything after it.
var reqRe = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(\[[^\]]*\])?\s*(.*)$`)
})

// reqOptionRe is an option taking a file argument: -r/--requirement and -c/--constraint.
var reqOptionRe = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+)(\S+)`)
})

// reqParser reads one requirements file and the files it includes.
type reqParser struct {
	in      *input
	visited map[string]bool
	pins    map[string]string // constraints: normalised name → version
}

// extractRequirements reads pip requirements files: "name[extras]==version ; marker --hash=…"
// lines, following -r includes and -c constraints relative to the file. Only an exact "==" (or
// "===") pin gives a version; other specifiers are kept as PropSpecifier with an empty version.
// pip-compile's "# via" annotations, when present, say which packages are transitive and who
// requires them; without them every listed package counts as direct.
func extractRequirements(ctx context.Context, in *input) ([]Package, error) {
	rp := &reqParser{in: in, visited: map[string]bool{}, pins: map[string]string{}}
	pkgs, err := rp.file(ctx, in.path, in.data, 0)
	if err != nil {
		return nil, err
	}
	for i := range pkgs {
		if pkgs[i].Version == "" {
			if v, ok := rp.pins[normalizePyPI(pkgs[i].Name)]; ok {
				pkgs[i].Version = v
			}
		}
	}
	return pkgs, nil
}

func (rp *reqParser) file(ctx context.Context, p string, data []byte, depth int) ([]Package, error) {
	rp.visited[p] = true
	var pkgs []Package
	var via map[int][]string // index in pkgs → the names pip-compile says require it
	last := -1
	inVia := false
	for _, l := range requirementsLines(data) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		text := strings.TrimSpace(l.text)
		if c, ok := strings.CutPrefix(text, "#"); ok {
			c = strings.TrimSpace(c)
			if rest, ok := strings.CutPrefix(c, "via"); ok && last >= 0 && (rest == "" || rest[0] == ' ') {
				inVia = true
				if via == nil {
					via = map[int][]string{}
				}
				if rest = strings.TrimSpace(rest); rest != "" {
					via[last] = append(via[last], rest)
				}
			} else if inVia && c != "" {
				via[last] = append(via[last], c)
			}
			continue
		}
		inVia = false
		if i := strings.Index(text, " #"); i >= 0 {
			text = strings.TrimSpace(text[:i])
		}
		if text == "" {
			continue
		}
		if strings.HasPrefix(text, "-") {
			got, err := rp.option(ctx, p, l.line, text, depth)
			if err != nil {
				return nil, err
			}
			pkgs = append(pkgs, got...)
			continue
		}
		pkg, ok, err := parseRequirement(text, l.line)
		if err != nil { // one bad line must not hide the others
			rp.in.problem(finding.ProblemParse, p, l.line, "parse requirements.txt: %v", err)
			continue
		}
		if !ok {
			continue // a URL or local path: nothing versioned to match
		}
		pkg.Location = locAt(p, l.line)
		pkg.Direct = true
		pkgs = append(pkgs, pkg)
		last = len(pkgs) - 1
	}
	if via != nil {
		applyVia(pkgs, via)
	}
	return pkgs, nil
}

// applyVia turns pip-compile's annotations into Direct and DependsOn: a package is direct when a
// requirements input ("-r requirements.in") asks for it, and each named parent depends on it.
func applyVia(pkgs []Package, via map[int][]string) {
	byName := map[string]int{}
	for i, p := range pkgs {
		byName[normalizePyPI(p.Name)] = i
	}
	for i := range pkgs {
		parents, annotated := via[i]
		if !annotated {
			continue
		}
		pkgs[i].Direct = false
		for _, parent := range parents {
			if strings.HasPrefix(parent, "-r ") || strings.HasPrefix(parent, "-c ") {
				pkgs[i].Direct = pkgs[i].Direct || strings.HasPrefix(parent, "-r ")
				continue
			}
			if j, ok := byName[normalizePyPI(strings.Fields(parent)[0])]; ok {
				pkgs[j].DependsOn = append(pkgs[j].DependsOn, pkgs[i].Key())
			}
		}
	}
}

// option handles a line starting with "-": includes and constraints are read, other pip options
// (index URLs, --hash on its own line, -e local paths) carry no package version.
func (rp *reqParser) option(ctx context.Context, p string, line int, text string, depth int) ([]Package, error) {
	m := reqOptionRe().FindStringSubmatch(text)
	if m == nil {
		return nil, nil
	}
	target := path.Join(path.Dir(p), m[2])
	if strings.Contains(m[2], "://") || rp.visited[target] {
		return nil, nil
	}
	if depth >= 16 {
		return nil, errAt(line, "includes nested deeper than 16 files at %q", clip(m[2]))
	}
	data, err := readLimited(rp.in.fsys, target)
	if err != nil {
		rp.in.problem(readKind(err), p, line, "read %s included by %s: %v", target, p, err)
		return nil, nil
	}
	got, err := rp.file(ctx, target, data, depth+1)
	if err != nil {
		rp.in.problem(finding.ProblemParse, target, lineOf(err), "parse requirements.txt: %v", err)
		return nil, nil
	}
	if m[1] == "-c" || m[1] == "--constraint" {
		for _, c := range got { // a constraint pins a version, it does not install the package
			if c.Version != "" {
				rp.pins[normalizePyPI(c.Name)] = c.Version
			}
		}
		return nil, nil
	}
	return got, nil
}

// parseRequirement reads one requirement specifier line. ok is false for lines naming no
// registry package (URLs, paths).
func parseRequirement(text string, line int) (pkg Package, ok bool, err error) {
	if first := strings.Fields(text)[0]; strings.Contains(first, "://") || strings.HasPrefix(first, ".") ||
		strings.HasPrefix(first, "/") || strings.HasSuffix(first, ".whl") || strings.HasSuffix(first, ".tar.gz") {
		return pkg, false, nil // a URL, VCS reference or local path: nothing registry-versioned
	}
	var hashes []string
	fields := strings.Fields(text)
	var kept []string
	for i := 0; i < len(fields); i++ {
		f := fields[i]
		if h, found := strings.CutPrefix(f, "--hash="); found {
			hashes = append(hashes, h)
			continue
		}
		if f == "--hash" && i+1 < len(fields) {
			hashes = append(hashes, fields[i+1])
			i++
			continue
		}
		kept = append(kept, f)
	}
	text = strings.Join(kept, " ")
	spec, marker, _ := strings.Cut(text, ";")
	m := reqRe().FindStringSubmatch(strings.TrimSpace(spec))
	if m == nil {
		return pkg, false, errAt(line, "not a requirement: %q", clip(text))
	}
	pkg = Package{Name: m[1], Ecosystem: PyPI}
	setProp(&pkg, PropExtras, strings.ReplaceAll(strings.Trim(m[2], "[]"), " ", ""))
	rest := strings.TrimSpace(m[3])
	if strings.HasPrefix(rest, "@") { // "name @ https://…": a direct URL reference
		setProp(&pkg, PropSpecifier, rest)
		return pkg, true, nil
	}
	rest = strings.Trim(rest, "()")
	rest = strings.ReplaceAll(rest, " ", "")
	if v, pinned := strings.CutPrefix(rest, "==="); pinned && !strings.Contains(v, ",") {
		pkg.Version = v
	} else if v, pinned := strings.CutPrefix(rest, "=="); pinned && !strings.ContainsAny(v, ",*") {
		pkg.Version = v
	} else if rest != "" && !strings.ContainsAny(rest[:1], "=<>!~") {
		return pkg, false, errAt(line, "bad version specifier %q for %s", clip(rest), m[1])
	} else {
		setProp(&pkg, PropSpecifier, rest)
	}
	setProp(&pkg, PropMarker, strings.TrimSpace(marker))
	for _, h := range hashes {
		if alg, v, ok := strings.Cut(h, ":"); ok {
			addHash(&pkg, alg, v)
		}
	}
	return pkg, true, nil
}
