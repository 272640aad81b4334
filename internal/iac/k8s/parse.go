package k8s

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"go.yaml.in/yaml/v3"

	"github.com/palisade-sec/palisade/internal/config/strictyaml"
	"github.com/palisade-sec/palisade/internal/finding"
)

// Parse reads every Kubernetes object from a YAML or JSON manifest, multi-document YAML and
// `kind: List` included, keeping each object's source positions. Documents that are not
// Kubernetes objects (no apiVersion and kind) are ignored; a document that does not parse, or a
// field of the wrong type, becomes a Problem naming the file and line, and the objects read so far
// are kept.
func Parse(file string, data []byte) ([]*Resource, []finding.Problem) {
	var (
		out      []*Resource
		problems []finding.Problem
	)
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			// The decoder cannot resume after a syntax error; parse the documents one by one so
			// the ones after the broken document are still checked.
			return parseEach(file, data)
		}
		if len(doc.Content) == 0 {
			continue
		}
		rs, ps := decodeObject(file, doc.Content[0])
		out = append(out, rs...)
		problems = append(problems, ps...)
	}
	return out, problems
}

// ParseRendered parses manifests produced by rendering (a Helm chart, a Kustomize overlay) and
// attributes them to the source file: locate maps a line of data and the YAML key on it to the
// line in file that produced it, so findings land on the template a user edits.
func ParseRendered(file string, data []byte, locate func(line int, key string) int) ([]*Resource, []finding.Problem) {
	rs, ps := Parse(file, data)
	for _, r := range rs {
		r.locate = locate
	}
	for i := range ps {
		if ps[i].Line > 0 && locate != nil {
			ps[i].Line = locate(ps[i].Line, "")
		}
	}
	return rs, ps
}

// parseEach splits a multi-document file at its "---" lines and parses each document on its own,
// shifting node lines back to the file's numbering.
func parseEach(file string, data []byte) ([]*Resource, []finding.Problem) {
	var (
		out      []*Resource
		problems []finding.Problem
	)
	for _, d := range splitDocuments(data) {
		var doc yaml.Node
		if err := yaml.Unmarshal(d.text, &doc); err != nil {
			p := problem(file, 0, "parse YAML", err)
			if p.Line > 0 {
				p.Line += d.offset
			}
			problems = append(problems, p)
			continue
		}
		if len(doc.Content) == 0 {
			continue
		}
		shiftLines(&doc, d.offset, 0)
		rs, ps := decodeObject(file, doc.Content[0])
		out = append(out, rs...)
		problems = append(problems, ps...)
	}
	return out, problems
}

type document struct {
	text   []byte
	offset int // lines before the document's first line
}

// splitDocuments cuts data at lines that start a new YAML document ("---", "--- …").
func splitDocuments(data []byte) []document {
	var (
		out   []document
		start int
		first int
		line  int
	)
	for i := 0; i <= len(data); {
		end := bytes.IndexByte(data[i:], '\n')
		if end < 0 {
			end = len(data) - i
		}
		l := data[i : i+end]
		if bytes.Equal(bytes.TrimRight(l, " \t\r"), []byte("---")) || bytes.HasPrefix(l, []byte("--- ")) {
			out = append(out, document{text: data[start:i], offset: first})
			start, first = i, line
		}
		line++
		i += end + 1
	}
	return append(out, document{text: data[start:], offset: first})
}

// shiftLines adds offset to the line of n and everything under it; depth bounds the walk.
func shiftLines(n *yaml.Node, offset, depth int) {
	if n == nil || depth > 10000 {
		return
	}
	n.Line += offset
	if n.Kind == yaml.AliasNode {
		return // the anchor is shifted where it is defined
	}
	for _, c := range n.Content {
		shiftLines(c, offset, depth+1)
	}
}

// decodeObject decodes one document root: an object, a List of objects, or something else.
func decodeObject(file string, n *yaml.Node) ([]*Resource, []finding.Problem) {
	return decodeNode(file, n, map[*yaml.Node]bool{})
}

// decodeNode decodes an object or a List. Its apiVersion, kind and items are read as the API
// server reads them, through aliases and merge keys (`kind: *k`, `<<: {kind: Pod}`,
// `items: [*pod]`): read only as plain scalars, such an object was not seen at all. seen holds
// the nodes already decoded, so an object that aliases name more than once (or a List that
// contains itself) is decoded once.
func decodeNode(file string, n *yaml.Node, seen map[*yaml.Node]bool) ([]*Resource, []finding.Problem) {
	if n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n == nil || n.Kind != yaml.MappingNode || seen[n] {
		return nil, nil
	}
	seen[n] = true
	var head struct {
		APIVersion string    `yaml:"apiVersion"`
		Kind       string    `yaml:"kind"`
		Items      yaml.Node `yaml:"items"`
	}
	if err := n.Decode(&head); err != nil {
		if te := (*yaml.TypeError)(nil); !errors.As(err, &te) {
			return nil, []finding.Problem{problem(file, n.Line, "decode object", err)}
		}
	}
	apiVersion, kind, items := head.APIVersion, head.Kind, &head.Items
	if apiVersion == "" || kind == "" {
		return nil, nil
	}
	if items.Kind == yaml.AliasNode {
		items = items.Alias
	}
	if items != nil && items.Kind == 0 {
		items = nil // no items key
	}
	if kind == "List" || (len(kind) > 4 && kind[len(kind)-4:] == "List" && items != nil) {
		if items == nil || items.Kind != yaml.SequenceNode {
			return nil, nil
		}
		var (
			out []*Resource
			ps  []finding.Problem
		)
		for _, it := range items.Content {
			rs, p := decodeNode(file, it, seen)
			out = append(out, rs...)
			ps = append(ps, p...)
		}
		return out, ps
	}
	r := &Resource{File: file, node: n}
	var problems []finding.Problem
	var target any = &r.Object
	if !Modelled(kind) {
		// Kinds the checks do not read are decoded only as far as metadata: their spec may use
		// field names the model gives another shape (PodSecurityPolicy's spec.volumes).
		target = &struct {
			APIVersion *string     `yaml:"apiVersion"`
			Kind       *string     `yaml:"kind"`
			Metadata   *ObjectMeta `yaml:"metadata"`
		}{&r.APIVersion, &r.Kind, &r.Metadata}
	}
	if err := n.Decode(target); err != nil {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return nil, []finding.Problem{problem(file, n.Line, "decode "+kind, err)}
		}
		// A field of the wrong type is reported; the rest of the object is still checked.
		for _, msg := range te.Errors {
			problems = append(problems, problem(file, 0, "decode "+kind, errors.New(msg)))
		}
	}
	r.index()
	return []*Resource{r}, problems
}

// Modelled reports whether the typed model decodes kind's spec; other kinds keep only their
// metadata (custom policies still see every field through Resource.Map).
func Modelled(kind string) bool {
	switch kind {
	case "Service", "Ingress", "NetworkPolicy", "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding",
		"ServiceAccount", "Secret", "ConfigMap", "Namespace":
		return true
	}
	return IsWorkload(kind)
}

// problem builds a Problem, moving the line a YAML error names into the Line field.
func problem(file string, line int, op string, err error) finding.Problem {
	l, msg, _ := strictyaml.ErrorLine(err)
	if l > 0 {
		line = l
	}
	return finding.Problem{Path: file, Line: line, Kind: finding.ProblemParse, Scanner: "iac", Message: fmt.Sprintf("%s: %s", op, msg)}
}
