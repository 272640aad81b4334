package render

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
	"sigs.k8s.io/kustomize/api/types"
)

// objectID names a built object.
type objectID struct{ kind, name string }

// kustMapping holds a build's source files, parsed on demand, for mapping lines back.
type kustMapping struct {
	sources map[string][]byte
	patches []patchFile // root kustomization's patches first: they were applied last
	entry   string

	mu     sync.Mutex
	parsed map[string][]*yaml.Node
}

// patchFile is a patch file with the targets its kustomization entry names.
type patchFile struct {
	path    string
	targets []*types.Selector
}

func newKustMapping(u Unit, sources map[string][]byte) *kustMapping {
	km := &kustMapping{sources: sources, entry: u.Entry, parsed: map[string][]*yaml.Node{}}
	seen := map[string]int{}
	for _, n := range u.kust.nodes {
		if n.k == nil {
			continue
		}
		for _, p := range n.patches {
			if _, ok := seen[p]; !ok {
				seen[p] = len(km.patches)
				km.patches = append(km.patches, patchFile{path: p})
			}
		}
		//lint:ignore SA1019 Kustomize still applies patchesJson6902; older overlays use it.
		for _, p := range slices.Concat(n.k.Patches, n.k.PatchesJson6902) {
			if f, ok := joinRel(n.dir, p.Path); ok && p.Path != "" && p.Target != nil {
				if i, ok := seen[f]; ok {
					km.patches[i].targets = append(km.patches[i].targets, p.Target)
				}
			}
		}
	}
	return km
}

// docs returns the documents of a source file (those that parse).
func (km *kustMapping) docs(file string) []*yaml.Node {
	km.mu.Lock()
	defer km.mu.Unlock()
	if d, ok := km.parsed[file]; ok {
		return d
	}
	d := parseDocs(km.sources[file])
	km.parsed[file] = d
	return d
}

// parseDocs decodes every YAML document up to the first error.
func parseDocs(data []byte) []*yaml.Node {
	var out []*yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) || err != nil {
			return out
		}
		if len(n.Content) > 0 {
			out = append(out, n.Content[0])
		}
	}
}

func (km *kustMapping) mapperFor(path string, obj objectID, content []byte) *kustMapper {
	return &kustMapper{km: km, path: path, obj: obj, content: content}
}

// kustMapper maps lines of one built object back to its origin file or a patch.
type kustMapper struct {
	km      *kustMapping
	path    string
	obj     objectID
	content []byte

	once     sync.Once
	rendered *yaml.Node
}

// source returns the object's document in its origin file: same kind, and the name Kustomize
// may have prefixed or suffixed; a file holding one document of that kind needs no name.
func (m *kustMapper) source() *yaml.Node {
	var same []*yaml.Node
	for _, d := range m.km.docs(m.path) {
		if scalarAt(d, "kind") == m.obj.kind {
			same = append(same, d)
		}
	}
	for _, d := range same {
		if name := scalarAt(mapGet(d, "metadata"), "name"); name != "" && strings.Contains(m.obj.name, name) {
			return d
		}
	}
	if len(same) == 1 {
		return same[0]
	}
	return nil
}

// objectLine is the first line of the object in its origin file, or for a generated object the
// generator's entry in the kustomization.
func (m *kustMapper) objectLine() int {
	if src := m.source(); src != nil {
		return src.Line
	}
	text := m.km.sources[m.path]
	for _, key := range []string{"configMapGenerator:", "secretGenerator:"} {
		if l := lineOfText(text, key); l > 0 && ((key[0] == 'c') == (m.obj.kind == "ConfigMap")) {
			return l
		}
	}
	return 1
}

func (m *kustMapper) locate(renderedLine int, key string) Position {
	return m.find(renderedLine, key, true)
}

func (m *kustMapper) locateSource(renderedLine int, key string) int {
	return m.find(renderedLine, key, false).Line
}

// find maps a rendered line to a patch that set it (when patches is true) or to the origin file.
func (m *kustMapper) find(renderedLine int, key string, patches bool) Position {
	m.once.Do(func() {
		if docs := parseDocs(m.content); len(docs) > 0 {
			m.rendered = docs[0]
		}
	})
	fallback := Position{Path: m.path, Line: m.objectLine()}
	if m.rendered == nil {
		return fallback
	}
	p := pathAt(m.rendered, renderedLine, key, nil)
	src := m.source()
	var sk, sv *yaml.Node
	if src != nil {
		sk, sv = lookup(src, p)
	}
	if patches && !identity(p) {
		for _, pf := range m.km.patches {
			if pos, ok := m.inPatch(pf, p, sk != nil && sv != nil && sv.Kind != yaml.ScalarNode); ok {
				return pos
			}
		}
	}
	if sk != nil {
		return Position{Path: m.path, Line: sk.Line}
	}
	if src != nil {
		for k := len(p) - 1; k >= 0; k-- {
			if n, _ := lookup(src, p[:k]); n != nil {
				return Position{Path: m.path, Line: n.Line}
			}
		}
	}
	return fallback
}

// inPatch finds path p in a patch aimed at this object. When the origin has p as a block
// (a container the patch merges into), only a patch that sets a scalar there wins.
func (m *kustMapper) inPatch(pf patchFile, p []seg, originBlock bool) (Position, bool) {
	for _, d := range m.km.docs(pf.path) {
		if d.Kind == yaml.SequenceNode { // JSON 6902 operations
			if line := jsonPatchLine(d, p); line > 0 && m.targeted(pf, "", "") {
				return Position{Path: pf.path, Line: line}, true
			}
			continue
		}
		if !m.targeted(pf, scalarAt(d, "kind"), scalarAt(mapGet(d, "metadata"), "name")) {
			continue
		}
		k, v := lookup(d, p)
		if k == nil || (originBlock && v != nil && v.Kind != yaml.ScalarNode) {
			continue
		}
		return Position{Path: pf.path, Line: k.Line}, true
	}
	return Position{}, false
}

// targeted reports whether a patch document (kind and name, either may be empty) or its
// kustomization target selects this object.
func (m *kustMapper) targeted(pf patchFile, kind, name string) bool {
	for _, t := range pf.targets {
		if (t.Kind == "" || t.Kind == m.obj.kind) && (t.Name == "" || strings.Contains(m.obj.name, t.Name)) {
			return true
		}
	}
	if kind == "" {
		return len(pf.targets) == 0 && name == ""
	}
	return kind == m.obj.kind && (name == "" || strings.Contains(m.obj.name, name))
}

// identity reports paths every patch repeats to name its target, which say nothing about
// what the patch changed.
func identity(p []seg) bool {
	if len(p) == 0 {
		return true
	}
	switch p[0].key {
	case "apiVersion", "kind":
		return true
	case "metadata":
		return len(p) == 1 || (len(p) == 2 && (p[1].key == "name" || p[1].key == "namespace"))
	}
	return false
}

// seg is one step of a path into a YAML tree: a mapping key, or a sequence item by its "name"
// field (how Kubernetes merges lists of containers, env, ports, volumes) or index.
type seg struct {
	key   string
	item  bool
	index int
	name  string
}

// pathAt returns the path of the node on line (preferring the key named key there).
func pathAt(n *yaml.Node, line int, key string, p []seg) []seg {
	switch n.Kind {
	case yaml.MappingNode:
		best := -1
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Line > line {
				break
			}
			if k.Line == line && key != "" && k.Value == key {
				return append(p, seg{key: k.Value})
			}
			best = i
		}
		if best < 0 {
			return p
		}
		k, v := n.Content[best], n.Content[best+1]
		p = append(p, seg{key: k.Value})
		if k.Line == line && (v.Line == line || v.Kind == yaml.ScalarNode) {
			return p
		}
		return pathAt(v, line, key, p)
	case yaml.SequenceNode:
		best := -1
		for i, it := range n.Content {
			if it.Line > line {
				break
			}
			best = i
		}
		if best < 0 {
			return p
		}
		it := n.Content[best]
		p = append(p, seg{item: true, index: best, name: scalarAt(it, "name")})
		if it.Line == line && key == "" {
			// The item itself (a container whose first rendered key is image), not its first field.
			return p
		}
		return pathAt(it, line, key, p)
	case yaml.AliasNode:
		if n.Alias != nil {
			return pathAt(n.Alias, line, key, p)
		}
	}
	return p
}

// lookup follows p in n and returns the key node of the last key step (or the item node of a
// final item step) and the value there; nil when p is absent.
func lookup(n *yaml.Node, p []seg) (k, v *yaml.Node) {
	cur := n
	k = n
	for _, s := range p {
		if cur != nil && cur.Kind == yaml.AliasNode {
			cur = cur.Alias
		}
		if cur == nil {
			return nil, nil
		}
		if !s.item {
			if cur.Kind != yaml.MappingNode {
				return nil, nil
			}
			found := false
			for i := 0; i+1 < len(cur.Content); i += 2 {
				if cur.Content[i].Value == s.key {
					k, cur, found = cur.Content[i], cur.Content[i+1], true
					break
				}
			}
			if !found {
				return nil, nil
			}
			continue
		}
		if cur.Kind != yaml.SequenceNode {
			return nil, nil
		}
		var next *yaml.Node
		for i, it := range cur.Content {
			if (s.name != "" && scalarAt(it, "name") == s.name) || (s.name == "" && i == s.index) {
				next = it
				break
			}
		}
		if next == nil {
			return nil, nil
		}
		k, cur = next, next
	}
	return k, cur
}

// jsonPatchLine returns the line of the JSON 6902 operation whose path is p or a parent of p.
func jsonPatchLine(ops *yaml.Node, p []seg) int {
	for _, op := range ops.Content {
		ptr := scalarAt(op, "path")
		if ptr == "" || !strings.HasPrefix(ptr, "/") {
			continue
		}
		parts := strings.Split(ptr[1:], "/")
		if len(parts) > len(p) {
			continue
		}
		match := true
		for i, part := range parts {
			part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
			s := p[i]
			if s.item {
				idx, err := strconv.Atoi(part)
				match = err == nil && idx == s.index
			} else {
				match = part == s.key
			}
			if !match {
				break
			}
		}
		if match {
			for i := 0; i+1 < len(op.Content); i += 2 {
				if op.Content[i].Value == "path" {
					return op.Content[i].Line
				}
			}
			return op.Line
		}
	}
	return 0
}

// mapGet returns the value of key in a mapping node, or nil.
func mapGet(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// scalarAt returns the scalar value of key in a mapping node, or "".
func scalarAt(n *yaml.Node, key string) string {
	if v := mapGet(n, key); v != nil && v.Kind == yaml.ScalarNode {
		return v.Value
	}
	return ""
}
