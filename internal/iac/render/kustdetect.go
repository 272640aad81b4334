package render

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"sigs.k8s.io/kustomize/api/types"
)

// kustNode is one kustomization file and what it refers to.
type kustNode struct {
	file string
	dir  string
	k    *types.Kustomization
	err  error

	dirs      []string // kustomization directories it builds on (resources, bases, components, generators)
	resources []string // manifest files it lists as resources or crds
	inputs    []string // patches, generator inputs, configurations: files only meaningful to the build
	patches   []string // the subset of inputs that are patch files, for line mapping
	bad       []refProblem
}

// refProblem is a reference that cannot be built locally.
type refProblem struct {
	ref, why string
}

// kustTree is a build root and every kustomization it reaches, root first.
type kustTree struct {
	nodes []*kustNode
}

// detectKustomize parses every kustomization, links them, and returns one unit per build root.
func detectKustomize(ctx context.Context, fsys fs.FS, kfiles []string) ([]Unit, error) {
	nodes := map[string]*kustNode{} // by directory
	load := func(dir string) *kustNode {
		if n, ok := nodes[dir]; ok {
			return n
		}
		file := findKustomization(fsys, dir)
		if file == "" {
			return nil
		}
		n := parseKustomization(fsys, file)
		nodes[dir] = n
		return n
	}
	for _, f := range kfiles {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		load(path.Dir(f))
	}
	// Resolve references breadth-first so kustomizations outside the file list are found too.
	referenced := map[string]bool{}
	queue := slices.Sorted(mapKeys(nodes))
	for len(queue) > 0 {
		dir := queue[0]
		queue = queue[1:]
		for _, d := range nodes[dir].dirs {
			referenced[d] = true
			if _, seen := nodes[d]; !seen && load(d) != nil {
				queue = append(queue, d)
			}
		}
	}
	var units []Unit
	reached := map[string]bool{}
	add := func(n *kustNode) {
		u := kustUnit(n, nodes)
		for _, c := range u.kust.nodes {
			reached[c.dir] = true
		}
		units = append(units, u)
	}
	isComponent := func(n *kustNode) bool { return n.k != nil && n.k.Kind == types.ComponentKind }
	for _, dir := range slices.Sorted(mapKeys(nodes)) {
		if n := nodes[dir]; !referenced[dir] && !isComponent(n) {
			add(n)
		}
	}
	// Kustomizations that only refer to each other in a cycle have no root; build them anyway,
	// so Kustomize reports the cycle instead of the files going unseen.
	for _, dir := range slices.Sorted(mapKeys(nodes)) {
		if n := nodes[dir]; !reached[dir] && !isComponent(n) {
			add(n)
		}
	}
	slices.SortFunc(units, func(a, b Unit) int { return strings.Compare(a.Root, b.Root) })
	return units, nil
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// kustUnit collects a root's closure into a Unit.
func kustUnit(root *kustNode, nodes map[string]*kustNode) Unit {
	u := Unit{Kind: Kustomize, Root: root.dir, Entry: root.file, kust: &kustTree{}}
	files := map[string]bool{}
	consumed := map[string]bool{}
	resources := map[string]bool{}
	seen := map[string]bool{}
	var visit func(n *kustNode)
	visit = func(n *kustNode) {
		if seen[n.dir] {
			return
		}
		seen[n.dir] = true
		u.kust.nodes = append(u.kust.nodes, n)
		files[n.file], consumed[n.file] = true, true
		for _, f := range n.resources {
			files[f], resources[f] = true, true
		}
		for _, f := range n.inputs {
			files[f], consumed[f] = true, true
		}
		for _, d := range n.dirs {
			if c := nodes[d]; c != nil {
				visit(c)
			}
		}
	}
	visit(root)
	for f := range resources {
		delete(consumed, f) // a file that is also a resource is a real manifest
	}
	u.Files = slices.Sorted(mapKeys(files))
	u.Consumed = slices.Sorted(mapKeys(consumed))
	return u
}

// findKustomization returns the kustomization file in dir, or "".
func findKustomization(fsys fs.FS, dir string) string {
	for _, name := range kustomizationNames {
		p := path.Join(dir, name)
		if st, err := fs.Stat(fsys, p); err == nil && st.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

// parseKustomization reads a kustomization and classifies every path it mentions.
func parseKustomization(fsys fs.FS, file string) *kustNode {
	n := &kustNode{file: file, dir: path.Dir(file)}
	r := &reader{fsys: fsys, lim: limits{}.orDefault()}
	data, err := r.readFile(file, false)
	if err != nil {
		n.err = err
		return n
	}
	k := &types.Kustomization{}
	if err := k.Unmarshal(data); err != nil {
		n.err = fmt.Errorf("parse %s: %w", file, err)
		return n
	}
	k.FixKustomization()
	n.k = k
	n.collect(fsys, k)
	return n
}

// collect classifies every path a kustomization mentions.
func (n *kustNode) collect(fsys fs.FS, k *types.Kustomization) {
	// FixKustomization has moved the deprecated bases into Resources.
	for _, ref := range slices.Concat(k.Resources, k.Components) {
		n.addResource(fsys, ref)
	}
	for _, ref := range k.Crds {
		n.addFile(fsys, ref, &n.resources)
	}
	for _, ref := range slices.Concat(k.Generators, k.Transformers, k.Validators) {
		if !strings.Contains(ref, "\n") { // an inline plugin configuration is not a path
			n.addResource(fsys, ref)
		}
	}
	//lint:ignore SA1019 Kustomize still applies patchesJson6902; older overlays use it.
	for _, p := range slices.Concat(k.Patches, k.PatchesJson6902) {
		if p.Path != "" {
			if f := n.addFile(fsys, p.Path, &n.inputs); f != "" {
				n.patches = append(n.patches, f)
			}
		}
	}
	//lint:ignore SA1019 Kustomize still applies patchesStrategicMerge; older overlays use it.
	for _, p := range k.PatchesStrategicMerge {
		if s := string(p); !strings.Contains(s, "\n") && !strings.HasPrefix(strings.TrimSpace(s), "{") {
			if f := n.addFile(fsys, s, &n.inputs); f != "" {
				n.patches = append(n.patches, f)
			}
		}
	}
	for _, ref := range k.Configurations {
		n.addFile(fsys, ref, &n.inputs)
	}
	for _, r := range k.Replacements {
		if r.Path != "" {
			n.addFile(fsys, r.Path, &n.inputs)
		}
	}
	if p, ok := k.OpenAPI["path"]; ok {
		n.addFile(fsys, p, &n.inputs)
	}
	for _, g := range k.ConfigMapGenerator {
		n.addSources(fsys, g.KvPairSources)
	}
	for _, g := range k.SecretGenerator {
		n.addSources(fsys, g.KvPairSources)
	}
	if len(k.HelmCharts) > 0 || len(k.HelmChartInflationGenerator) > 0 || k.HelmGlobals != nil {
		n.bad = append(n.bad, refProblem{ref: "helmCharts", why: "Kustomize's Helm chart inflation runs the helm program and may download charts; render the chart on its own instead"})
	}
	n.patches = compact(n.patches)
}

func compact(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}

// addSources records the files of a ConfigMap or Secret generator ("key=path" or "path").
func (n *kustNode) addSources(fsys fs.FS, s types.KvPairSources) {
	for _, f := range s.FileSources {
		if _, p, ok := strings.Cut(f, "="); ok {
			f = p
		}
		n.addFile(fsys, f, &n.inputs)
	}
	for _, f := range s.EnvSources {
		n.addFile(fsys, f, &n.inputs)
	}
	if s.EnvSource != "" {
		n.addFile(fsys, s.EnvSource, &n.inputs)
	}
}

// addResource classifies a resources/bases/components entry: a kustomization directory, a
// manifest file, a remote reference or a missing path.
func (n *kustNode) addResource(fsys fs.FS, ref string) {
	p, ok := n.local(ref)
	if !ok {
		return
	}
	st, err := fs.Stat(fsys, p)
	switch {
	case err != nil:
		n.bad = append(n.bad, refProblem{ref: ref, why: "not found in the scanned tree"})
	case st.IsDir():
		if findKustomization(fsys, p) == "" {
			n.bad = append(n.bad, refProblem{ref: ref, why: "directory has no kustomization file"})
			return
		}
		n.dirs = append(n.dirs, p)
	default:
		n.resources = append(n.resources, p)
	}
}

// addFile records a reference that must be a local file and returns its path, or "".
func (n *kustNode) addFile(fsys fs.FS, ref string, to *[]string) string {
	p, ok := n.local(ref)
	if !ok {
		return ""
	}
	if st, err := fs.Stat(fsys, p); err != nil || st.IsDir() {
		n.bad = append(n.bad, refProblem{ref: ref, why: "not a file in the scanned tree"})
		return ""
	}
	*to = append(*to, p)
	return p
}

// local resolves ref against the kustomization's directory; remote references and paths that
// leave the scanned tree are recorded as problems.
func (n *kustNode) local(ref string) (string, bool) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return "", false
	}
	if isRemote(ref) {
		n.bad = append(n.bad, refProblem{ref: ref, why: "remote reference not fetched (Palisade never downloads bases; vendor it into the repository)"})
		return "", false
	}
	p, ok := joinRel(n.dir, ref)
	if !ok {
		n.bad = append(n.bad, refProblem{ref: ref, why: "path leaves the scanned tree"})
		return "", false
	}
	return p, true
}

// isRemote reports whether Kustomize would fetch ref over the network: a URL (any scheme,
// http(s) files and git repositories alike), go-getter's "git::" form, an SCP-like "user@host:"
// repository or a bare github.com path. It is deliberately broader than Kustomize's own parser,
// so nothing it would clone or download reaches the build.
func isRemote(ref string) bool {
	l := strings.ToLower(ref)
	if strings.Contains(l, "://") || strings.HasPrefix(l, "git::") || strings.HasPrefix(l, "github.com") {
		return true
	}
	first, _, _ := strings.Cut(l, "/")
	return strings.Contains(first, "@")
}
