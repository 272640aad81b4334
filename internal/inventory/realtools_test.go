package inventory

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestRealToolLockfilesAgree reads lockfiles written by the real tools, not by hand: the same
// package.json (express 4.19.2, @babel/code-frame 7.23.5, dev typescript 5.4.5) resolved by
// npm 11.19 as lockfile v3 and v2 (npm install --package-lock-only), by pnpm 9.15 as lockfile 9.0
// (pnpm install --lockfile-only), by yarn 1.22 and by yarn 4.5 (install --mode=update-lockfile),
// within minutes of each other against the same registry (yarn 1's resolved URLs then pointed at
// an example host). Five formats of one resolution must give one inventory: the same packages,
// direct set and graph.
func TestRealToolLockfilesAgree(t *testing.T) {
	type summary struct {
		Direct []string
		Dev    []string
		Graph  map[string][]string
	}
	summarize := func(dir string) summary {
		pkgs, probs := extractDir(t, dir)
		if len(probs) > 0 {
			t.Errorf("%s: problems %+v", dir, probs)
		}
		s := summary{Graph: map[string][]string{}}
		for _, p := range pkgs {
			hashed := len(p.Hashes["sha512"]) == 128 || strings.HasSuffix(dir, "yarn4") // berry keeps a zip checksum, not the tarball's
			if p.Location.StartLine <= 0 || !hashed || !strings.HasPrefix(p.PURL, "pkg:npm/") {
				t.Errorf("%s: %s has line %d, hashes %v, purl %q", dir, p.Key(), p.Location.StartLine, p.Hashes, p.PURL)
			}
			if p.Direct {
				s.Direct = append(s.Direct, p.Key())
			}
			if p.Properties[PropScope] == ScopeDev {
				s.Dev = append(s.Dev, p.Key())
			}
			s.Graph[p.Key()] = p.DependsOn
		}
		slices.Sort(s.Direct)
		slices.Sort(s.Dev)
		return s
	}
	v3 := summarize("npm/real-npm11-v3")
	wantDirect := []string{"npm/@babel/code-frame@7.23.5", "npm/express@4.19.2", "npm/typescript@5.4.5"}
	if diff := cmp.Diff(wantDirect, v3.Direct); diff != "" {
		t.Errorf("direct (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"npm/typescript@5.4.5"}, v3.Dev); diff != "" {
		t.Errorf("dev (-want +got):\n%s", diff)
	}
	if n := len(v3.Graph); n != 84 {
		t.Errorf("%d packages, want the 84 node_modules entries of the lockfile", n)
	}
	if deps := v3.Graph["npm/express@4.19.2"]; len(deps) != 31 || !slices.Contains(deps, "npm/body-parser@1.20.2") {
		t.Errorf("express depends on %d packages (%v), want its 31", len(deps), deps)
	}
	for _, dir := range []string{"npm/real-npm11-v2", "npm/real-pnpm9", "npm/real-yarn1", "npm/real-yarn4"} {
		other := summarize(dir)
		if diff := cmp.Diff(slices.Sorted(maps.Keys(v3.Graph)), slices.Sorted(maps.Keys(other.Graph))); diff != "" {
			t.Errorf("%s: packages differ from lockfile v3 (-v3 +%s):\n%s", dir, dir, diff)
		}
		if diff := cmp.Diff(v3, other); diff != "" {
			t.Errorf("%s: inventory differs from lockfile v3 (-v3 +%s):\n%s", dir, dir, diff)
		}
	}
}
