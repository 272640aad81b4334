package inventory

import (
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"strings"
	"sync"

	"github.com/palisade-sec/palisade/internal/finding"
)

// pomDep is a <dependency> with the offset of its start tag, for its line.
type pomDep struct {
	GroupID    string `xml:"groupId"`
	ArtifactID string `xml:"artifactId"`
	Version    string `xml:"version"`
	Scope      string `xml:"scope"`
	Optional   string `xml:"optional"`
	offset     int64
}

// UnmarshalXML records where the dependency starts, then decodes it as usual.
func (d *pomDep) UnmarshalXML(dec *xml.Decoder, start xml.StartElement) error {
	off := dec.InputOffset()
	type plain pomDep
	var p plain
	if err := dec.DecodeElement(&p, &start); err != nil {
		return err
	}
	*d = pomDep(p)
	d.offset = off
	return nil
}

// pomProperties collects <properties> children as name → value.
type pomProperties map[string]string

// UnmarshalXML reads each child element's text.
func (p *pomProperties) UnmarshalXML(dec *xml.Decoder, _ xml.StartElement) error {
	*p = pomProperties{}
	for {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			var v string
			if err := dec.DecodeElement(&v, &t); err != nil {
				return err
			}
			(*p)[t.Name.Local] = strings.TrimSpace(v)
		case xml.EndElement:
			return nil
		}
	}
}

type pomCoords struct {
	GroupID      string  `xml:"groupId"`
	ArtifactID   string  `xml:"artifactId"`
	Version      string  `xml:"version"`
	RelativePath *string `xml:"relativePath"`
}

// pom is the part of a Maven project object model that says what it depends on.
type pom struct {
	pomCoords
	Parent               pomCoords     `xml:"parent"`
	Properties           pomProperties `xml:"properties"`
	DependencyManagement struct {
		Dependencies []pomDep `xml:"dependencies>dependency"`
	} `xml:"dependencyManagement"`
	Dependencies []pomDep `xml:"dependencies>dependency"`
	Licenses     []struct {
		Name string `xml:"name"`
		URL  string `xml:"url"`
	} `xml:"licenses>license"`
	lines lineIndex
}

func parsePom(data []byte) (*pom, error) {
	var p pom
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	dec.Entity = xml.HTMLEntity
	dec.CharsetReader = func(charset string, r io.Reader) (io.Reader, error) {
		if strings.EqualFold(charset, "iso-8859-1") || strings.EqualFold(charset, "us-ascii") {
			return r, nil // close enough for element names and versions, which are ASCII
		}
		return nil, fmt.Errorf("unsupported charset %q", charset)
	}
	if err := dec.Decode(&p); err != nil {
		var se *xml.SyntaxError
		if errors.As(err, &se) {
			return nil, errAt(se.Line, "%s", se.Msg)
		}
		return nil, errAt(newLineIndex(data).line(dec.InputOffset()), "%v", err)
	}
	p.lines = newLineIndex(data)
	return &p, nil
}

// pomModel is a pom with its local parents merged in: properties and managed versions, the
// child's winning.
type pomModel struct {
	props   map[string]string
	managed map[string]string // groupId:artifactId → version (not yet interpolated)
}

var pomPropRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\$\{([^}]+)\}`) })

// interpolate replaces ${…} references, following references in property values up to a depth,
// and says which property it could not resolve.
func (m *pomModel) interpolate(s string) (string, string) {
	missing := ""
	for range 10 {
		if !strings.Contains(s, "${") {
			return s, ""
		}
		s = pomPropRe().ReplaceAllStringFunc(s, func(ref string) string {
			name := ref[2 : len(ref)-1]
			if v, ok := m.props[name]; ok {
				return v
			}
			missing = name
			return ref
		})
		if missing != "" {
			return s, missing
		}
	}
	return s, "(reference cycle)"
}

// extractPom reads pom.xml: the <dependencies> of the project, with ${property} references and
// versions from <dependencyManagement> resolved through the parent poms found locally (by
// <relativePath>, by default ../pom.xml). All are direct; test scope is marked dev.
func extractPom(_ context.Context, in *input) ([]Package, error) {
	proj, err := parsePom(in.data)
	if err != nil {
		return nil, err
	}
	model := &pomModel{props: map[string]string{}, managed: map[string]string{}}
	chain := in.pomParents(proj)
	for i := len(chain) - 1; i >= 0; i-- { // the farthest ancestor first, so children override
		pomMerge(model, chain[i])
	}
	var pkgs []Package
	for _, d := range proj.Dependencies {
		line := proj.lines.line(d.offset)
		group, _ := model.interpolate(d.GroupID)
		artifact, _ := model.interpolate(d.ArtifactID)
		if group == "" || artifact == "" {
			return nil, errAt(line, "dependency without groupId or artifactId")
		}
		raw := d.Version
		if raw == "" {
			raw = model.managed[group+":"+artifact]
		}
		p := Package{Name: group + ":" + artifact, Ecosystem: Maven, Direct: true}
		p.Location.StartLine = line
		version, missing := model.interpolate(raw)
		switch {
		case raw == "":
			in.problem(finding.ProblemOther, in.path, line, "resolve pom.xml: %s has no version here or in a local parent's dependencyManagement", p.Name)
		case missing != "":
			in.problem(finding.ProblemOther, in.path, line, "resolve pom.xml: %s: property ${%s} is not defined here or in a local parent", p.Name, missing)
		default:
			p.Version = strings.Trim(version, "[]") // a hard requirement "[1.2.3]" is that version
		}
		switch strings.TrimSpace(d.Scope) {
		case "test":
			setProp(&p, PropScope, ScopeDev)
		default:
			if strings.TrimSpace(d.Optional) == "true" {
				setProp(&p, PropScope, ScopeOptional)
			}
		}
		pkgs = append(pkgs, p)
	}
	return pkgs, nil
}

// pomParents returns the project followed by its local ancestors. A parent that is not in the
// target (usually one from a repository) ends the chain; a parent that does not parse is a problem.
func (in *input) pomParents(proj *pom) []*pom {
	chain := []*pom{proj}
	dir := path.Dir(in.path)
	cur := proj
	for range 8 {
		if cur.Parent.ArtifactID == "" {
			break
		}
		rel := "../pom.xml"
		if cur.Parent.RelativePath != nil {
			rel = strings.TrimSpace(*cur.Parent.RelativePath)
		}
		if rel == "" {
			break
		}
		if !strings.HasSuffix(rel, ".xml") {
			rel = path.Join(rel, "pom.xml")
		}
		p := path.Join(dir, rel)
		if strings.HasPrefix(p, "../") || p == ".." {
			break // outside the target
		}
		data, err := readLimited(in.fsys, p)
		if err != nil {
			break
		}
		parent, err := parsePom(data)
		if err != nil {
			in.problem(finding.ProblemParse, p, lineOf(err), "parse parent pom.xml: %v", err)
			break
		}
		if parent.ArtifactID != cur.Parent.ArtifactID {
			break // relativePath points at some other project: Maven would look in a repository
		}
		chain = append(chain, parent)
		dir, cur = path.Dir(p), parent
	}
	return chain
}

// pomMerge lays one pom of the chain over the model.
func pomMerge(m *pomModel, p *pom) {
	group := cmpOr(p.GroupID, p.Parent.GroupID)
	version := cmpOr(p.Version, p.Parent.Version)
	for k, v := range p.Properties {
		m.props[k] = v
	}
	for _, k := range []string{"project.", "pom.", ""} {
		m.props[k+"groupId"] = group
		m.props[k+"artifactId"] = p.ArtifactID
		m.props[k+"version"] = version
	}
	m.props["project.parent.groupId"] = p.Parent.GroupID
	m.props["project.parent.version"] = p.Parent.Version
	m.props["project.parent.artifactId"] = p.Parent.ArtifactID
	for _, d := range p.DependencyManagement.Dependencies {
		g, _ := m.interpolate(d.GroupID)
		a, _ := m.interpolate(d.ArtifactID)
		if d.Version != "" {
			m.managed[g+":"+a] = d.Version
		}
	}
}

// extractGradleLock reads gradle.lockfile (and the per-configuration *.lockfile of older Gradle):
// "group:artifact:version=configurations" lines. Gradle does not record which are direct, so none
// is marked direct; a package only in test configurations is marked dev.
func extractGradleLock(_ context.Context, in *input) ([]Package, error) {
	var pkgs []Package
	sc := bufio.NewScanner(bytes.NewReader(in.data))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") || strings.HasPrefix(text, "empty=") {
			continue
		}
		coords, confs, _ := strings.Cut(text, "=")
		parts := strings.Split(coords, ":")
		if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
			return nil, errAt(n, "want group:artifact:version=configurations, got %q", clip(text))
		}
		p := Package{Name: parts[0] + ":" + parts[1], Version: parts[2], Ecosystem: Maven}
		p.Location.StartLine = n
		if confs != "" && gradleTestOnly(confs) {
			setProp(&p, PropScope, ScopeDev)
		}
		pkgs = append(pkgs, p)
	}
	if err := sc.Err(); err != nil {
		return nil, errAt(n+1, "%v", err)
	}
	return pkgs, nil
}

func gradleTestOnly(confs string) bool {
	for _, c := range strings.Split(confs, ",") {
		if !strings.HasPrefix(strings.ToLower(strings.TrimSpace(c)), "test") {
			return false
		}
	}
	return true
}
