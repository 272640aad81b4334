// Package yamlpos names fields inside YAML documents by path and finds their source lines, so a
// finding points at the offending field (or, when the field is missing, at the object or list item
// it is missing from) in Kubernetes manifests, Compose files and CloudFormation templates alike.
package yamlpos

import (
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Seg is one step of a field path: a mapping key, or a list index (Key empty) with the item's
// name when it has one, so fingerprints name list items rather than their position.
type Seg struct {
	Key   string
	Index int
	Name  string
}

// Path is a field path inside one document, from its root.
type Path []Seg

// Field returns p extended by mapping keys. It never aliases p.
func (p Path) Field(keys ...string) Path {
	out := make(Path, len(p), len(p)+len(keys))
	copy(out, p)
	for _, k := range keys {
		out = append(out, Seg{Key: k})
	}
	return out
}

// Item returns p extended by a list index; name identifies the item in fingerprints.
func (p Path) Item(i int, name string) Path {
	out := make(Path, len(p), len(p)+1)
	copy(out, p)
	return append(out, Seg{Index: i, Name: name})
}

// String renders the path as it identifies a field across edits: list items by name when they
// have one ("spec.containers[app].securityContext"), by index otherwise.
func (p Path) String() string {
	var b strings.Builder
	for i, s := range p {
		switch {
		case s.Key != "":
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.Key)
		case s.Name != "":
			b.WriteString("[" + s.Name + "]")
		default:
			b.WriteString("[" + strconv.Itoa(s.Index) + "]")
		}
	}
	return b.String()
}

// Line returns the 1-based line of the field at p under n: the line of its key for a mapping
// entry, of the item for a list entry, or of the deepest ancestor present when the field is
// missing. It returns 0 when n is nil.
func Line(n *yaml.Node, p Path) int {
	line, _ := Locate(n, p)
	return line
}

// Locate is Line that also returns the mapping key found on that line ("" for a list item or
// the root), which a caller mapping rendered lines back to templates needs.
func Locate(n *yaml.Node, p Path) (line int, key string) {
	if n == nil {
		return 0, ""
	}
	n = deref(n)
	line = n.Line
	for _, s := range p {
		switch {
		case n.Kind == yaml.MappingNode && s.Key != "":
			k, v := Lookup(n, s.Key)
			if v == nil {
				return line, key
			}
			line, key, n = k.Line, s.Key, v
		case n.Kind == yaml.SequenceNode && s.Key == "" && s.Index >= 0 && s.Index < len(n.Content):
			n = deref(n.Content[s.Index])
			line, key = n.Line, ""
		default:
			return line, key
		}
	}
	return line, key
}

// Lookup returns the key and value nodes of key in mapping n (following aliases), or nils.
func Lookup(n *yaml.Node, key string) (k, v *yaml.Node) {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i], deref(n.Content[i+1])
		}
	}
	return nil, nil
}

// deref follows alias nodes to their anchors, at most a fixed number of times so a malicious
// alias cycle cannot loop forever.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 16; i++ {
		n = n.Alias
	}
	return n
}
