package deps

import (
	"strings"

	"github.com/palisade-sec/palisade/internal/inventory"
)

// depGraph is the dependency graph one lockfile declares, from Package.DependsOn.
type depGraph struct {
	direct  map[string]bool
	parents map[string][]string // key → keys of the packages that require it
}

// dependencyGraphs builds one graph per declaring file: DependsOn keys only name packages of the
// same lockfile.
func dependencyGraphs(pkgs []inventory.Package) map[string]*depGraph {
	gs := map[string]*depGraph{}
	for _, p := range pkgs {
		g := gs[p.Location.Path]
		if g == nil {
			g = &depGraph{direct: map[string]bool{}, parents: map[string][]string{}}
			gs[p.Location.Path] = g
		}
		if p.Direct {
			g.direct[p.Key()] = true
		}
		for _, child := range p.DependsOn {
			g.parents[child] = append(g.parents[child], p.Key())
		}
	}
	return gs
}

// pathTo returns the shortest chain from a direct dependency to key, as "name@version" elements
// joined by " > ", or "" when the lockfile does not say.
func (g *depGraph) pathTo(key string) string {
	if g == nil {
		return ""
	}
	prev := map[string]string{key: ""}
	queue := []string{key}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		if g.direct[cur] && cur != key {
			var chain []string
			for k := cur; k != ""; k = prev[k] {
				chain = append(chain, display(k))
			}
			return strings.Join(chain, " > ")
		}
		for _, p := range g.parents[cur] {
			if _, seen := prev[p]; !seen {
				prev[p] = cur
				queue = append(queue, p)
			}
		}
	}
	return ""
}

// display shortens a Key ("npm/lodash@4.17.20") to "lodash@4.17.20".
func display(key string) string {
	_, rest, ok := strings.Cut(key, "/")
	if !ok {
		return key
	}
	return rest
}
