package inventory

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// yarnEntry is one resolved package of a yarn.lock, whichever generation wrote it.
type yarnEntry struct {
	descriptors []string // "name@range" keys that resolve to this entry
	version     string
	integrity   string // classic: an SRI value; berry: checksum (not SRI, not kept)
	resolution  string
	line        int
	deps        map[string]string // name → range
}

// yarnName is the package name of a descriptor "name@range" (a scope's leading "@" is kept).
func yarnName(desc string) string {
	if i := strings.Index(desc[min(1, len(desc)):], "@"); i >= 0 {
		return desc[:i+1]
	}
	return desc
}

// name is the package the entry installs. An alias ("alias@npm:real-name@^1.0.0") installs
// real-name, which is what advisories name.
func (e *yarnEntry) name() string {
	desc := e.descriptors[0]
	name := yarnName(desc)
	if rest, ok := strings.CutPrefix(desc[len(name):], "@npm:"); ok {
		if real := yarnName(rest); real != rest && real != "" {
			return real
		}
	}
	return name
}

// extractYarnLock reads yarn.lock: the classic v1 format and the YAML that yarn berry (v2+)
// writes, told apart by berry's __metadata entry.
func extractYarnLock(ctx context.Context, in *input) ([]Package, error) {
	var entries []yarnEntry
	var err error
	berry := bytes.Contains(in.data, []byte("\n__metadata:")) || bytes.HasPrefix(in.data, []byte("__metadata:"))
	if berry {
		entries, err = parseYarnBerry(in.data)
	} else {
		entries, err = parseYarnClassic(ctx, in.data)
	}
	if err != nil {
		return nil, err
	}
	byDesc := map[string]*yarnEntry{}
	for i := range entries {
		for _, d := range entries[i].descriptors {
			byDesc[d] = &entries[i]
		}
	}
	lookup := func(name, rng string) (*yarnEntry, bool) {
		if e, ok := byDesc[name+"@"+rng]; ok {
			return e, true
		}
		e, ok := byDesc[name+"@npm:"+rng] // berry spells registry ranges with their protocol
		return e, ok
	}
	keyOf := func(e *yarnEntry) string {
		return Package{Name: e.name(), Version: e.version, Ecosystem: NPM}.Key()
	}
	var pkgs []Package
	direct := map[string]bool{}
	workspaces := 0
	for i := range entries {
		e := &entries[i]
		if strings.Contains(e.resolution, "@workspace:") {
			workspaces++
			for n, r := range e.deps {
				if d, ok := lookup(n, r); ok {
					direct[keyOf(d)] = true
				}
			}
			continue
		}
		p := Package{Name: e.name(), Version: e.version, Ecosystem: NPM}
		p.Location.StartLine = e.line
		if !berry {
			hashFromSRI(&p, e.integrity)
		}
		for n, r := range e.deps {
			if d, ok := lookup(n, r); ok {
				p.DependsOn = append(p.DependsOn, keyOf(d))
			}
		}
		pkgs = append(pkgs, p)
	}
	m := in.npmRootManifest()
	if m == nil && workspaces == 0 {
		markUnrequiredDirect(pkgs)
		return pkgs, nil
	}
	// package.json's own lists: the direct set without workspaces, and the roots that tell
	// dev-only packages apart (only for a single-package project, whose roots are all here).
	var prod, dev []string
	if m != nil {
		for _, list := range []struct {
			deps  map[string]string
			isDev bool
		}{{m.Dependencies, false}, {m.OptionalDependencies, false}, {m.PeerDependencies, false}, {m.DevDependencies, true}} {
			for n, r := range list.deps {
				d, ok := lookup(n, r)
				if !ok {
					continue
				}
				if workspaces == 0 {
					direct[keyOf(d)] = true
				}
				if list.isDev {
					dev = append(dev, keyOf(d))
				} else {
					prod = append(prod, keyOf(d))
				}
			}
		}
	}
	for i := range pkgs {
		pkgs[i].Direct = direct[pkgs[i].Key()]
	}
	if m != nil && workspaces <= 1 && len(m.Workspaces) == 0 {
		markDevOnly(pkgs, prod, dev)
	}
	return pkgs, nil
}

// yarnClassic is the state of a yarn v1 lockfile parse.
type yarnClassic struct {
	entries []yarnEntry
	section string // the two-space key whose four-space list is being read
}

// parseYarnClassic reads the yarn v1 lockfile syntax: unindented headers listing descriptors,
// two-space fields, and four-space dependency lists.
func parseYarnClassic(ctx context.Context, data []byte) ([]yarnEntry, error) {
	var y yarnClassic
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	n := 0
	for sc.Scan() {
		n++
		if n%4096 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		raw := strings.TrimRight(sc.Text(), " \r")
		text := strings.TrimLeft(raw, " ")
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		if err := y.line(n, len(raw)-len(text), text); err != nil {
			return nil, err
		}
	}
	if err := sc.Err(); err != nil {
		return nil, errAt(n+1, "%v", err)
	}
	for _, e := range y.entries {
		if e.version == "" {
			return nil, errAt(e.line, "entry %q has no version", clip(e.descriptors[0]))
		}
	}
	return y.entries, nil
}

// line reads one non-blank, non-comment line at the given indentation.
func (y *yarnClassic) line(n, indent int, text string) error {
	var cur *yarnEntry
	if len(y.entries) > 0 {
		cur = &y.entries[len(y.entries)-1]
	}
	switch indent {
	case 0:
		head, ok := strings.CutSuffix(text, ":")
		if !ok {
			return errAt(n, "entry header %q does not end with \":\"", clip(text))
		}
		var descs []string
		for _, d := range strings.Split(head, ",") {
			d = yarnUnquote(strings.TrimSpace(d))
			if d == "" {
				return errAt(n, "empty descriptor in %q", clip(text))
			}
			descs = append(descs, d)
		}
		y.entries = append(y.entries, yarnEntry{descriptors: descs, line: n})
		y.section = ""
	case 2:
		if cur == nil {
			return errAt(n, "field outside an entry")
		}
		if key, ok := strings.CutSuffix(text, ":"); ok {
			y.section = key
			return nil
		}
		y.section = ""
		key, val, _ := strings.Cut(text, " ")
		val = yarnUnquote(strings.TrimSpace(val))
		switch key {
		case "version":
			cur.version = val
		case "integrity":
			cur.integrity = val
		case "resolved":
			cur.resolution = val
		}
	case 4:
		if cur == nil || y.section == "" {
			return errAt(n, "dependency outside a dependencies list")
		}
		if y.section != "dependencies" && y.section != "optionalDependencies" {
			return nil
		}
		name, rng, ok := strings.Cut(text, " ")
		if !ok {
			return errAt(n, "dependency %q has no range", clip(text))
		}
		if cur.deps == nil {
			cur.deps = map[string]string{}
		}
		cur.deps[yarnUnquote(name)] = yarnUnquote(strings.TrimSpace(rng))
	default:
		return errAt(n, "unexpected indentation of %d spaces", indent)
	}
	return nil
}

func yarnUnquote(s string) string {
	if len(s) >= 2 && s[0] == '"' {
		if u, err := strconv.Unquote(s); err == nil {
			return u
		}
		return strings.Trim(s, `"`)
	}
	return s
}

// parseYarnBerry reads the YAML lockfile of yarn 2 and later.
func parseYarnBerry(data []byte) ([]yarnEntry, error) {
	root, err := yamlRoot(data)
	if err != nil {
		return nil, err
	}
	var entries []yarnEntry
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Value == "__metadata" {
			continue
		}
		if v.Kind != yaml.MappingNode {
			return nil, errAt(k.Line, "entry %q is not a mapping", clip(k.Value))
		}
		var body struct {
			Version      string            `yaml:"version"`
			Resolution   string            `yaml:"resolution"`
			Dependencies map[string]string `yaml:"dependencies"`
			Optional     map[string]string `yaml:"optionalDependencies"`
		}
		if err := v.Decode(&body); err != nil {
			return nil, errAt(v.Line, "entry %q: %v", clip(k.Value), err)
		}
		var descs []string
		for _, d := range strings.Split(k.Value, ",") {
			if d = strings.TrimSpace(d); d != "" {
				descs = append(descs, d)
			}
		}
		if len(descs) == 0 || body.Version == "" {
			return nil, errAt(k.Line, "entry %q has no descriptor or no version", clip(k.Value))
		}
		e := yarnEntry{descriptors: descs, version: body.Version, resolution: body.Resolution, line: k.Line, deps: body.Dependencies}
		for n, r := range body.Optional {
			if e.deps == nil {
				e.deps = map[string]string{}
			}
			e.deps[n] = r
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// yamlRoot parses a YAML document whose top level must be a mapping.
func yamlRoot(data []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, yamlErr(err)
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("empty document")
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, errAt(root.Line, "top level is not a mapping")
	}
	return root, nil
}

// yamlErr keeps the line that yaml's error text names ("yaml: line 12: …").
func yamlErr(err error) error {
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, "yaml: line "); ok {
		if num, tail, ok := strings.Cut(rest, ": "); ok {
			if line, convErr := strconv.Atoi(num); convErr == nil {
				return &lineError{line: line, err: fmt.Errorf("%s", tail)}
			}
		}
	}
	return err
}

// clip shortens input quoted in an error, so a hostile file cannot flood a report.
func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
