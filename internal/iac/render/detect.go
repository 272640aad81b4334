package render

import (
	"context"
	"errors"
	"io/fs"
	"path"
	"slices"
	"strings"

	"helm.sh/helm/v3/pkg/ignore"
)

// kustomizationNames are the file names Kustomize recognises, in the order it looks for them.
var kustomizationNames = [...]string{"kustomization.yaml", "kustomization.yml", "Kustomization"}

// isKustomization reports whether a slash path names a kustomization file.
func isKustomization(name string) bool {
	return slices.Contains(kustomizationNames[:], path.Base(name))
}

// Detect finds the Helm charts and Kustomize build roots among files (slash paths in fsys) and
// the files each consumes. A directory holding Chart.yaml is a chart, unless it sits under the
// charts/ directory of another chart, whose subchart it is. A kustomization is a build root
// unless another kustomization refers to its directory (as a resource, base or component) or it
// is a Component. Detection reads chart directories and kustomization files, never anything
// outside fsys; errors it meets are kept on the unit and reported by Render.
func Detect(ctx context.Context, fsys fs.FS, files []string) (*Plan, error) {
	plan := &Plan{consumed: map[string]bool{}}
	charts := map[string]bool{}
	var kfiles []string
	for _, f := range files {
		switch {
		case path.Base(f) == "Chart.yaml":
			charts[path.Dir(f)] = true
		case isKustomization(f):
			kfiles = append(kfiles, f)
		}
	}
	var roots []string
	for dir := range charts {
		if !isSubchart(dir, charts) {
			roots = append(roots, dir)
		}
	}
	slices.Sort(roots)
	for _, dir := range roots {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		plan.Units = append(plan.Units, detectChart(ctx, fsys, dir))
	}
	kunits, err := detectKustomize(ctx, fsys, kfiles)
	if err != nil {
		return nil, err
	}
	plan.Units = append(plan.Units, kunits...)
	for _, u := range plan.Units {
		for _, f := range u.Consumed {
			plan.consumed[f] = true
		}
	}
	return plan, nil
}

// isSubchart reports whether dir lies under the charts/ directory of another chart in charts.
func isSubchart(dir string, charts map[string]bool) bool {
	parts := strings.Split(dir, "/")
	for i, p := range parts {
		if p != "charts" {
			continue
		}
		parent := "."
		if i > 0 {
			parent = strings.Join(parts[:i], "/")
		}
		if charts[parent] {
			return true
		}
	}
	return false
}

// detectChart lists a chart's files the way Helm's directory loader does: everything under the
// chart directory except what .helmignore (and Helm's default rule for hidden templates)
// excludes. CRDs under crds/ are real manifests and stay with the raw scan.
func detectChart(ctx context.Context, fsys fs.FS, dir string) Unit {
	u := Unit{Kind: Helm, Root: dir, Entry: path.Join(dir, "Chart.yaml")}
	rules := ignore.Empty()
	ignoreFile := path.Join(dir, ignore.HelmIgnore)
	// Read as every chart file is (bounded, no links, regular files only): a named pipe planted
	// as .helmignore would otherwise block the scan that opened it.
	rd := &reader{fsys: fsys, lim: limits{}.orDefault()}
	switch data, err := rd.readFile(ignoreFile, false); {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		u.problems = append(u.problems, problemf(ignoreFile, 0, "load chart: %v (its rules were not applied)", err))
	default:
		r, perr := ignore.Parse(strings.NewReader(string(data)))
		if perr != nil {
			u.problems = append(u.problems, problemf(ignoreFile, 0, "parse .helmignore: %v", perr))
		} else {
			rules = r
		}
	}
	rules.AddDefaults()
	files, bad, err := walkFiles(ctx, fsys, dir, func(rel string, d fs.DirEntry) bool {
		info, err := d.Info()
		return err == nil && rules.Ignore(rel, info)
	})
	if err != nil {
		u.problems = append(u.problems, problemf(dir, 0, "list chart files: %v", err))
	}
	for _, b := range bad {
		u.problems = append(u.problems, problemf(u.Entry, 0, "load chart: %v", b))
	}
	u.Files = files
	for _, f := range files {
		if !inCRDs(relTo(dir, f)) {
			u.Consumed = append(u.Consumed, f)
		}
	}
	return u
}

// inCRDs reports whether a chart-relative path is in the crds/ directory of the chart or of one
// of its subcharts.
func inCRDs(rel string) bool {
	parts := strings.Split(rel, "/")
	for i := 0; i < len(parts)-1; i += 2 {
		if parts[i] == "crds" {
			return true
		}
		if parts[i] != "charts" {
			return false
		}
	}
	return false
}
