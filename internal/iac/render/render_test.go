package render

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// treeFiles lists the regular files of fsys, as the scan engine hands them to analyzers.
func treeFiles(t testing.TB, fsys fs.FS) []string {
	t.Helper()
	var out []string
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			out = append(out, name)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// renderUnit detects the units of the testdata tree and renders the one rooted at root.
func renderUnit(t *testing.T, opts Options, root string) Result {
	t.Helper()
	fsys := os.DirFS("testdata")
	plan, err := Detect(context.Background(), fsys, treeFiles(t, fsys))
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range plan.Units {
		if u.Root == root {
			return r.Render(context.Background(), fsys, u)
		}
	}
	t.Fatalf("no unit rooted at %s", root)
	return Result{}
}

func TestDetect(t *testing.T) {
	fsys := os.DirFS("testdata")
	plan, err := Detect(context.Background(), fsys, treeFiles(t, fsys))
	if err != nil {
		t.Fatal(err)
	}
	var units []string
	for _, u := range plan.Units {
		units = append(units, string(u.Kind)+" "+u.Root+" "+u.Entry)
	}
	want := []string{
		"helm helm/app helm/app/Chart.yaml",
		"helm helm/broken helm/broken/Chart.yaml",
		"helm helm/failing helm/failing/Chart.yaml",
		"helm helm/missingdep helm/missingdep/Chart.yaml",
		"kustomize kustomize/overlays/prod kustomize/overlays/prod/kustomization.yaml",
		"kustomize kustomize/remote kustomize/remote/kustomization.yaml",
	}
	if diff := cmp.Diff(want, units); diff != "" {
		t.Errorf("units (-want +got):\n%s", diff)
	}
	tests := []struct {
		name     string
		file     string
		consumed bool
	}{
		{"chart template", "helm/app/templates/deployment.yaml", true},
		{"helper template", "helm/app/templates/_helpers.tpl", true},
		{"chart values", "helm/app/values.yaml", true},
		{"subchart template", "helm/app/charts/sub/templates/configmap.yaml", true},
		{"subchart values", "helm/app/charts/sub/values.yaml", true},
		{"chart CRD stays a manifest", "helm/app/crds/widget.yaml", false},
		{"helmignored directory", "helm/app/ci/test-values.yaml", false},
		{"helmignored template", "helm/app/templates/deployment.bak", false},
		{"overlay kustomization", "kustomize/overlays/prod/kustomization.yaml", true},
		{"base kustomization", "kustomize/base/kustomization.yaml", true},
		{"strategic merge patch", "kustomize/overlays/prod/privileged.yaml", true},
		{"JSON 6902 patch", "kustomize/overlays/prod/replicas.json.yaml", true},
		{"component patch", "kustomize/components/probes/probe.yaml", true},
		{"generator input", "kustomize/overlays/prod/settings.properties", true},
		{"base resource stays a manifest", "kustomize/base/deployment.yaml", false},
		{"resource of a build with remote bases", "kustomize/remote/local.yaml", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := plan.Consumed(tt.file); got != tt.consumed {
				t.Errorf("Consumed(%s) = %v, want %v", tt.file, got, tt.consumed)
			}
		})
	}
	if !slices.IsSorted(plan.ConsumedFiles()) {
		t.Errorf("ConsumedFiles not sorted")
	}
}

// TestRenderGolden renders every unit of testdata and compares documents and problems with
// testdata/golden; run with -update to rewrite them.
func TestRenderGolden(t *testing.T) {
	fsys := os.DirFS("testdata")
	plan, err := Detect(context.Background(), fsys, treeFiles(t, fsys))
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range plan.Units {
		t.Run(u.Root, func(t *testing.T) {
			res := r.Render(context.Background(), fsys, u)
			var b bytes.Buffer
			for _, p := range res.Problems {
				fmt.Fprintf(&b, "problem %s:%d: %s\n", p.Path, p.Line, p.Message)
			}
			for _, d := range res.Documents {
				fmt.Fprintf(&b, "=== %s (source %s, line %d)\n%s", d.Path, d.Source, d.Line, d.Content)
			}
			golden := filepath.Join("testdata", "golden", strings.ReplaceAll(u.Root, "/", "_")+".golden")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if diff := cmp.Diff(string(want), b.String()); diff != "" {
				t.Errorf("render %s (-want +got):\n%s", u.Root, diff)
			}
		})
	}
}

// lineOf returns the 1-based line of the first line of content containing s.
func lineOf(t *testing.T, content []byte, s string) int {
	t.Helper()
	for i, l := range strings.Split(string(content), "\n") {
		if strings.Contains(l, s) {
			return i + 1
		}
	}
	t.Fatalf("%q not in rendered content:\n%s", s, content)
	return 0
}

// findDoc returns the document whose content contains s.
func findDoc(t *testing.T, docs []Document, s string) Document {
	t.Helper()
	for _, d := range docs {
		if bytes.Contains(d.Content, []byte(s)) {
			return d
		}
	}
	t.Fatalf("no document contains %q", s)
	return Document{}
}

func TestRenderAll(t *testing.T) {
	fsys := os.DirFS("testdata")
	r, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	plan, res, err := r.RenderAll(context.Background(), fsys, treeFiles(t, fsys))
	if err != nil {
		t.Fatal(err)
	}
	perPath := map[string]int{}
	for _, d := range res.Documents {
		perPath[d.Path]++
	}
	want := map[string]int{
		"helm/app/templates/deployment.yaml":           1,
		"helm/app/templates/service.yaml":              2,
		"helm/app/charts/sub/templates/configmap.yaml": 1,
		"helm/broken/templates/pod.yaml":               1, // checked statically
		"helm/failing/templates/pod.yaml":              1, // rendered with a placeholder
		"kustomize/base/deployment.yaml":               1,
		"kustomize/base/service.yaml":                  1,
		"kustomize/overlays/prod/kustomization.yaml":   1,
	}
	if diff := cmp.Diff(want, perPath); diff != "" {
		t.Errorf("documents per source (-want +got):\n%s", diff)
	}
	var problemPaths []string
	for _, p := range res.Problems {
		problemPaths = append(problemPaths, p.Path)
	}
	wantProblems := []string{
		"helm/broken/templates/pod.yaml", // the parse error
		"helm/broken/templates/pod.yaml", // checked statically only
		"helm/failing/templates/pod.yaml",
		"helm/failing/Chart.yaml", // the placeholders used
		"helm/missingdep/Chart.yaml",
		"kustomize/remote/kustomization.yaml",
		"kustomize/remote/kustomization.yaml",
	}
	if diff := cmp.Diff(wantProblems, problemPaths); diff != "" {
		t.Errorf("problem paths (-want +got):\n%s", diff)
	}
	if !plan.Consumed("helm/app/values.yaml") || plan.Consumed("kustomize/base/service.yaml") {
		t.Errorf("plan consumption wrong: values consumed %v, base resource consumed %v",
			plan.Consumed("helm/app/values.yaml"), plan.Consumed("kustomize/base/service.yaml"))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := r.RenderAll(ctx, fsys, treeFiles(t, fsys)); err == nil {
		t.Errorf("RenderAll with a cancelled context succeeded")
	}
}

// TestLocateConcurrently maps every line of every document from several goroutines at once
// (a scanner checks documents in parallel) and expects the sequential answers; run with -race.
func TestLocateConcurrently(t *testing.T) {
	for _, root := range []string{"helm/app", "kustomize/overlays/prod"} {
		t.Run(root, func(t *testing.T) {
			res := renderUnit(t, Options{}, root)
			seq := renderUnit(t, Options{}, root)
			want := map[string]Position{}
			for i, d := range seq.Documents {
				for n := range bytes.Count(d.Content, []byte("\n")) {
					want[fmt.Sprint(i, ":", n+1)] = d.Locate(n+1, "")
				}
			}
			var wg sync.WaitGroup
			errs := make(chan string, 4*len(want))
			for range 4 {
				wg.Go(func() {
					for i := range res.Documents {
						d := &res.Documents[i]
						for n := range bytes.Count(d.Content, []byte("\n")) {
							if got := d.Locate(n+1, ""); got != want[fmt.Sprint(i, ":", n+1)] {
								errs <- fmt.Sprintf("document %d line %d: %v, want %v", i, n+1, got, want[fmt.Sprint(i, ":", n+1)])
							}
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for e := range errs {
				t.Error(e)
			}
		})
	}
}
