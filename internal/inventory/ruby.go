package inventory

import (
	"bufio"
	"bytes"
	"context"
	"strings"
)

// gemPlatforms are the suffixes Bundler appends to a version for platform-specific gems.
func gemPlatforms() []string {
	return []string{"-x86_64", "-aarch64", "-arm64", "-arm-", "-x86-", "-java", "-universal", "-x64-", "-mingw", "-mswin", "-darwin", "-linux"}
}

// splitGemVersion separates "1.13.10-x86_64-linux" into version and platform.
func splitGemVersion(v string) (string, string) {
	for _, p := range gemPlatforms() {
		if i := strings.Index(v, p); i > 0 {
			return v[:i], v[i+1:]
		}
	}
	return v, ""
}

// extractGemfileLock reads Gemfile.lock: the specs of the GEM, GIT and PATH sections (four-space
// "name (version)" lines, with six-space dependency lines under them) and the DEPENDENCIES
// section, which says what is direct.
func extractGemfileLock(_ context.Context, in *input) ([]Package, error) {
	type spec struct {
		pkg  Package
		deps []string
	}
	var specs []spec
	directNames := map[string]bool{}
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(in.data))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		raw := strings.TrimRight(sc.Text(), " \r")
		text := strings.TrimLeft(raw, " ")
		if text == "" {
			continue
		}
		indent := len(raw) - len(text)
		if indent == 0 {
			section = text
			continue
		}
		switch section {
		case "GEM", "GIT", "PATH", "PLUGIN SOURCE":
			name, rest, hasVersion := strings.Cut(text, " ")
			switch {
			case indent == 4:
				if !hasVersion || !strings.HasPrefix(rest, "(") || !strings.HasSuffix(rest, ")") {
					return nil, errAt(n, "spec %q is not \"name (version)\"", clip(text))
				}
				version, platform := splitGemVersion(rest[1 : len(rest)-1])
				p := Package{Name: name, Version: version, Ecosystem: RubyGems}
				p.Location.StartLine = n
				setProp(&p, PropPlatform, platform)
				specs = append(specs, spec{pkg: p})
			case indent == 6:
				if len(specs) == 0 {
					return nil, errAt(n, "dependency %q outside a spec", clip(text))
				}
				specs[len(specs)-1].deps = append(specs[len(specs)-1].deps, name)
			}
		case "DEPENDENCIES":
			name, _, _ := strings.Cut(text, " ")
			directNames[strings.TrimSuffix(name, "!")] = true
		}
	}
	if err := sc.Err(); err != nil {
		return nil, errAt(n+1, "%v", err)
	}
	keys := map[string]string{}
	for _, s := range specs {
		if _, ok := keys[s.pkg.Name]; !ok {
			keys[s.pkg.Name] = s.pkg.Key()
		}
	}
	pkgs := make([]Package, 0, len(specs))
	for _, s := range specs {
		p := s.pkg
		p.Direct = directNames[p.Name]
		for _, d := range s.deps {
			if k, ok := keys[d]; ok {
				p.DependsOn = append(p.DependsOn, k)
			}
		}
		pkgs = append(pkgs, p)
	}
	return pkgs, nil
}
