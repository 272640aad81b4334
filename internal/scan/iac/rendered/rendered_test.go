package rendered

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chartutil"

	"github.com/palisade-sec/palisade/internal/iac"
	"github.com/palisade-sec/palisade/internal/iac/render"
)

// TestChartFindingsLandOnTemplates scans the renderer's own test chart: findings must name
// template files with real lines, and no template may be scanned (or skipped) as raw YAML.
func TestChartFindingsLandOnTemplates(t *testing.T) {
	root := filepath.Join("..", "..", "..", "iac", "render", "testdata", "helm", "app")
	if _, err := os.Stat(root); err != nil {
		t.Skipf("renderer test chart not found: %v", err)
	}
	fsys := os.DirFS(root)
	var files []string
	if err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			files = append(files, p)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	r, err := render.New(render.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := iac.New(iac.Options{Renderer: From(r)})
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Scan(context.Background(), fsys, files)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Skipped) != 0 {
		t.Errorf("templates were skipped instead of rendered: %+v", res.Skipped)
	}
	onTemplates := 0
	for _, f := range res.Findings {
		if !strings.HasPrefix(f.RuleID, "k8s-") {
			continue
		}
		if f.Location.StartLine < 1 {
			t.Errorf("%s at %s has no line", f.RuleID, f.Location.Path)
		}
		if strings.Contains(f.Location.Path, "templates/") && testing.Verbose() {
			t.Logf("%s %s:%d", f.RuleID, f.Location.Path, f.Location.StartLine)
		}
		if strings.Contains(f.Location.Path, "templates/") {
			onTemplates++
		}
	}
	t.Logf("%d Kubernetes findings on templates", onTemplates)
	if onTemplates == 0 {
		t.Errorf("no Kubernetes finding placed on a template; findings: %d, problems: %+v", len(res.Findings), res.Problems)
	}
}

// scaffold writes `helm create`'s chart — the layout most real charts start from — to a
// temporary directory, with edits applied to its files (old → new, each must match once).
func scaffold(t *testing.T, edits map[string][][2]string, extra map[string]string) string {
	t.Helper()
	dir, err := chartutil.Create("shop", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for name, es := range edits {
		p := filepath.Join(dir, filepath.FromSlash(name))
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		s := string(data)
		for _, e := range es {
			if strings.Count(s, e[0]) != 1 {
				t.Fatalf("%s: %q occurs %d times", name, e[0], strings.Count(s, e[0]))
			}
			s = strings.Replace(s, e[0], e[1], 1)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, data := range extra {
		if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(name)), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestChartsThatDoNotRenderAreStillChecked: a privileged container in a chart that does not
// render with its default values (a required value, a template error, a render bomb) is still
// found, on the template line, and the scan names the chart as a problem.
func TestChartsThatDoNotRenderAreStillChecked(t *testing.T) {
	const image = `image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"`
	privilegedValues := [][2]string{{"securityContext: {}", "securityContext:\n  privileged: true"}}
	literalPrivileged := [2]string{"          securityContext:\n", "          securityContext:\n            privileged: true\n"}
	tests := []struct {
		name     string
		edits    map[string][][2]string
		extra    map[string]string
		line     int      // of the privileged finding in templates/deployment.yaml: the toYaml action or the literal line
		problems []string // substrings, in order
	}{
		{"required value without a default",
			map[string][][2]string{
				"values.yaml":               privilegedValues,
				"templates/deployment.yaml": {{image, `image: "{{ required "image.registry is required" .Values.image.registry }}/{{ .Values.image.repository }}"`}},
			}, nil, 39,
			[]string{"image.registry is required", `"image.registry is required" → palisade-placeholder-1`}},
		{"template that does not parse",
			map[string][][2]string{
				"templates/deployment.yaml": {literalPrivileged, {image, image + " {{ .Values.oops }"}},
			}, nil, 39,
			[]string{`unexpected "}" in operand`, "was not rendered", "checked statically only"}},
		{"render bomb beside it",
			map[string][][2]string{"templates/deployment.yaml": {literalPrivileged}},
			map[string]string{"templates/bomb.yaml": "{{ range until 100000 }}{{ range until 100000 }}x{{ end }}{{ end }}\n"}, 39,
			[]string{"stopped, output bound reached", "checked statically only"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := scaffold(t, tt.edits, tt.extra)
			fsys := os.DirFS(dir)
			var files []string
			if err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
				if err == nil && d.Type().IsRegular() {
					files = append(files, p)
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
			r, err := render.New(render.Options{MaxRenderBytes: 1 << 20})
			if err != nil {
				t.Fatal(err)
			}
			s, err := iac.New(iac.Options{Renderer: From(r)})
			if err != nil {
				t.Fatal(err)
			}
			res, err := s.Scan(context.Background(), fsys, files)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, f := range res.Findings {
				if f.RuleID == "k8s-privileged-container" && f.Location.Path == "templates/deployment.yaml" {
					found = true
					if f.Location.StartLine != tt.line {
						t.Errorf("privileged container at line %d, want %d", f.Location.StartLine, tt.line)
					}
				}
			}
			if !found {
				t.Errorf("no privileged container found; findings %d, problems %+v", len(res.Findings), res.Problems)
			}
			var msgs strings.Builder
			for _, p := range res.Problems {
				msgs.WriteString(p.Path + ": " + p.Message + "\n")
			}
			rest := msgs.String()
			for _, want := range tt.problems {
				i := strings.Index(rest, want)
				if i < 0 {
					t.Fatalf("problems lack %q (in order):\n%s", want, msgs.String())
				}
				rest = rest[i+len(want):]
			}
		})
	}
}
