package render

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/palisade-sec/palisade/internal/boundedread"
	"github.com/palisade-sec/palisade/internal/finding"
	"go.yaml.in/yaml/v3"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// The annotations Kustomize writes when buildMetadata asks for them.
const (
	originAnnotation      = "config.kubernetes.io/origin"
	transformerAnnotation = "alpha.config.kubernetes.io/transformations"
)

func (r *Renderer) renderKustomize(ctx context.Context, fsys fs.FS, u Unit, res *Result) {
	if u.kust == nil {
		res.Problems = append(res.Problems, problemf(u.Entry, 0, "kustomize build: unit was not detected"))
		return
	}
	if ps := kustProblems(fsys, u.kust); len(ps) > 0 {
		res.Problems = append(res.Problems, ps...)
		return
	}
	rd := &reader{fsys: fsys, lim: limits{file: r.opts.MaxFileSize, unit: r.opts.MaxUnitBytes}.orDefault()}
	mem := filesys.MakeFsInMemory()
	sources := map[string][]byte{}
	for _, f := range u.Files {
		data, err := rd.readFile(f, false)
		if err != nil {
			res.Problems = append(res.Problems, problemf(f, 0, "kustomize build: %v", err))
			return
		}
		if err := checkAliases(data); err != nil {
			res.Problems = append(res.Problems, problemf(f, 0, "kustomize build: stopped, %s bound reached: %s", err.(*BoundError).Bound, err))
			return
		}
		sources[f] = data
		if f == u.Entry {
			if data, err = withBuildMetadata(data); err != nil {
				res.Problems = append(res.Problems, problemf(f, 0, "kustomize build: %v", err))
				return
			}
		}
		if err := mem.WriteFile("/"+f, data); err != nil {
			res.Problems = append(res.Problems, problemf(f, 0, "kustomize build: %v", err))
			return
		}
	}
	if err := ctx.Err(); err != nil {
		res.Problems = append(res.Problems, problemf(u.Entry, 0, "kustomize build: %v", err))
		return
	}
	// Default options: load restrictions to the kustomization root, plugins disabled (no exec,
	// no Go plugins), Helm inflation off.
	var m resmap.ResMap
	err := safely("build", func() (err error) {
		m, err = krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(mem, path.Join("/", u.Root))
		return err
	})
	if err != nil {
		at := u.Entry
		for _, f := range u.Files {
			if f != u.Entry && strings.Contains(err.Error(), "/"+f) {
				at = f
				break
			}
		}
		res.Problems = append(res.Problems, problemf(at, 0, "kustomize build: %v", err))
		return
	}
	keep := buildMetadata(u.kust.nodes[0].k)
	km := newKustMapping(u, sources)
	for _, rs := range m.Resources() {
		doc, err := kustDocument(u, rs, keep, km)
		if err != nil {
			res.Problems = append(res.Problems, problemf(u.Entry, 0, "kustomize build: %s %s: %v", rs.GetKind(), rs.GetName(), err))
			continue
		}
		res.Documents = append(res.Documents, doc)
	}
}

// kustProblems reports detection errors: unreadable kustomizations and references that would
// make Kustomize download something or read outside the tree. Any of them stops the build.
func kustProblems(fsys fs.FS, t *kustTree) []finding.Problem {
	var out []finding.Problem
	for _, n := range t.nodes {
		if n.err != nil {
			out = append(out, problemf(n.file, 0, "kustomize build: %v", n.err))
			continue
		}
		var text []byte
		if len(n.bad) > 0 {
			text, _ = boundedread.File(fsys, n.file, defaultMaxFileSize) // for line numbers only
		}
		for _, b := range n.bad {
			out = append(out, problemf(n.file, lineOfText(text, b.ref), "kustomize build: %q: %s", b.ref, b.why))
		}
	}
	return out
}

// lineOfText returns the first 1-based line holding s, or 0.
func lineOfText(text []byte, s string) int {
	for i, l := range bytes.Split(text, []byte("\n")) {
		if bytes.Contains(l, []byte(s)) {
			return i + 1
		}
	}
	return 0
}

// buildMetadata returns which of the two tracking annotations the user asked for themselves.
func buildMetadata(k *types.Kustomization) map[string]bool {
	keep := map[string]bool{}
	if k == nil {
		return keep
	}
	for _, b := range k.BuildMetadata {
		switch b {
		case types.OriginAnnotations:
			keep[originAnnotation] = true
		case types.TransformerAnnotations:
			keep[transformerAnnotation] = true
		}
	}
	return keep
}

// withBuildMetadata adds originAnnotations and transformerAnnotations to a kustomization's
// buildMetadata, so every output object says which file it came from.
func withBuildMetadata(data []byte) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("parse kustomization: %w", err)
	}
	if len(doc.Content) == 0 {
		return data, nil // empty: let Kustomize report it
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return data, nil
	}
	var seq *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "buildMetadata" {
			seq = root.Content[i+1]
		}
	}
	if seq == nil {
		seq = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		root.Content = append(root.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "buildMetadata"}, seq)
	}
	if seq.Kind != yaml.SequenceNode {
		return data, nil
	}
	for _, want := range []string{types.OriginAnnotations, types.TransformerAnnotations} {
		if !slices.ContainsFunc(seq.Content, func(n *yaml.Node) bool { return n.Value == want }) {
			seq.Content = append(seq.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: want})
		}
	}
	return yaml.Marshal(&doc)
}

// kustDocument turns one built object into a Document, mapped back to its origin.
func kustDocument(u Unit, rs *resource.Resource, keep map[string]bool, km *kustMapping) (Document, error) {
	origin, err := rs.GetOrigin()
	if err != nil {
		return Document{}, fmt.Errorf("origin annotation: %w", err)
	}
	ann := rs.GetAnnotations()
	changed := false
	for _, k := range []string{originAnnotation, transformerAnnotation} {
		if _, ok := ann[k]; ok && !keep[k] {
			delete(ann, k)
			changed = true
		}
	}
	if changed {
		if err := rs.SetAnnotations(ann); err != nil {
			return Document{}, err
		}
	}
	content, err := rs.AsYAML()
	if err != nil {
		return Document{}, err
	}
	doc := Document{Unit: u.Root, Path: u.Entry, Content: content}
	obj := objectID{kind: rs.GetKind(), name: rs.GetName()}
	switch {
	case origin == nil:
	case origin.Path != "" && origin.Repo == "":
		doc.Source = origin.Path
		if p, ok := joinRel(u.Root, origin.Path); ok {
			doc.Path = p
		}
	case origin.ConfiguredIn != "":
		doc.Source = origin.ConfiguredIn
		if p, ok := joinRel(u.Root, origin.ConfiguredIn); ok {
			doc.Path = p
		}
	}
	mapper := km.mapperFor(doc.Path, obj, content)
	doc.mapper = mapper
	doc.Line = mapper.objectLine()
	return doc, nil
}
