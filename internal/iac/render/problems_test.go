package render

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

// renderMap detects and renders every unit of an in-memory tree.
func renderMap(t *testing.T, opts Options, fsys fstest.MapFS) (*Plan, Result) {
	t.Helper()
	r, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	plan, res, err := r.RenderAll(context.Background(), fsys, treeFiles(t, fsys))
	if err != nil {
		t.Fatal(err)
	}
	return plan, res
}

func TestKustomizeBuildProblems(t *testing.T) {
	deploy := "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n"
	tests := []struct {
		name  string
		files fstest.MapFS
		path  string
		line  int
		msg   string
	}{
		{"missing resource", fstest.MapFS{
			"k/kustomization.yaml": {Data: []byte("resources:\n  - web.yaml\n  - gone.yaml\n")},
			"k/web.yaml":           {Data: []byte(deploy)},
		}, "k/kustomization.yaml", 3, `"gone.yaml": not found`},
		{"directory without kustomization", fstest.MapFS{
			"k/kustomization.yaml": {Data: []byte("resources:\n  - ../plain\n")},
			"plain/web.yaml":       {Data: []byte(deploy)},
		}, "k/kustomization.yaml", 2, "no kustomization file"},
		{"helm inflation", fstest.MapFS{
			"k/kustomization.yaml": {Data: []byte("helmCharts:\n  - name: redis\n    repo: https://charts.example.com\n")},
		}, "k/kustomization.yaml", 1, "helm program"},
		{"kustomization that does not parse", fstest.MapFS{
			"k/kustomization.yaml": {Data: []byte("resources: [\n")},
		}, "k/kustomization.yaml", 0, "parse k/kustomization.yaml"},
		{"patch whose target is absent", fstest.MapFS{
			"k/kustomization.yaml": {Data: []byte("resources:\n  - web.yaml\npatches:\n  - path: p.yaml\n")},
			"k/web.yaml":           {Data: []byte(deploy)},
			"k/p.yaml":             {Data: []byte("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: other\nspec:\n  replicas: 2\n")},
		}, "k/kustomization.yaml", 0, "kustomize build"},
		{"oversized input", fstest.MapFS{
			"k/kustomization.yaml": {Data: []byte("resources:\n  - web.yaml\n")},
			"k/web.yaml":           {Data: []byte(deploy + strings.Repeat("# padding\n", 200))},
		}, "k/web.yaml", 0, "over the 1024-byte limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, res := renderMap(t, Options{MaxFileSize: 1024}, tt.files)
			if len(res.Documents) != 0 {
				t.Errorf("got %d documents from a build that fails", len(res.Documents))
			}
			if len(res.Problems) == 0 {
				t.Fatal("no problem reported")
			}
			p := res.Problems[0]
			if p.Path != tt.path || p.Line != tt.line || !strings.Contains(p.Message, tt.msg) {
				t.Errorf("problem = %+v, want %s:%d mentioning %q", p, tt.path, tt.line, tt.msg)
			}
		})
	}
}

// tgz packs files into a gzipped tar, as `helm package` does.
func tgz(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, content := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(content)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestPackagedSubchart(t *testing.T) {
	fsys := fstest.MapFS{
		"c/Chart.yaml":       {Data: []byte("apiVersion: v2\nname: c\nversion: 1.0.0\ndependencies:\n  - name: db\n    version: 2.0.0\n    alias: store\n")},
		"c/values.yaml":      {Data: []byte("store:\n  size: 5Gi\n")},
		"c/templates/a.yaml": {Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n")},
		"c/charts/db-2.0.0.tgz": {Data: tgz(t, map[string]string{
			"db/Chart.yaml":          "apiVersion: v2\nname: db\nversion: 2.0.0\n",
			"db/values.yaml":         "size: 1Gi\n",
			"db/templates/pvc.yaml":  "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: {{ .Release.Name }}-{{ .Chart.Name }}\nspec:\n  resources:\n    requests:\n      storage: {{ .Values.size }}\n",
			"db/templates/NOTES.txt": "hello",
		})},
	}
	plan, res := renderMap(t, Options{}, fsys)
	if len(res.Problems) > 0 {
		t.Fatalf("problems: %v", res.Problems)
	}
	if !plan.Consumed("c/charts/db-2.0.0.tgz") {
		t.Errorf("packaged subchart not consumed")
	}
	d := findDoc(t, res.Documents, "kind: PersistentVolumeClaim")
	if d.Path != "c/charts/db-2.0.0.tgz" || d.Source != "c/charts/store/templates/pvc.yaml" || d.Line != 0 {
		t.Errorf("document = %s (source %s) line %d, want the archive, Helm's aliased name, line 0", d.Path, d.Source, d.Line)
	}
	if !bytes.Contains(d.Content, []byte("storage: 5Gi")) || !bytes.Contains(d.Content, []byte("name: release-name-store")) {
		t.Errorf("parent values or alias not applied:\n%s", d.Content)
	}
	if got := d.Locate(3, "name"); got != (Position{Path: "c/charts/db-2.0.0.tgz"}) {
		t.Errorf("Locate in an archive = %v, want the archive with no line", got)
	}
}

// TestPackagedSubchartThatDoesNotRender: a template inside a .tgz has no text in the tree to
// check statically; the problem says it was not checked.
func TestPackagedSubchartThatDoesNotRender(t *testing.T) {
	fsys := fstest.MapFS{
		"c/Chart.yaml":       {Data: []byte("apiVersion: v2\nname: c\nversion: 1.0.0\ndependencies:\n  - name: db\n    version: 2.0.0\n")},
		"c/templates/a.yaml": {Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n")},
		"c/charts/db-2.0.0.tgz": {Data: tgz(t, map[string]string{
			"db/Chart.yaml":         "apiVersion: v2\nname: db\nversion: 2.0.0\n",
			"db/templates/pvc.yaml": "kind: PersistentVolumeClaim\nspec: {{ .Values.x }\n",
		})},
	}
	_, res := renderMap(t, Options{}, fsys)
	var msgs []string
	for _, p := range res.Problems {
		msgs = append(msgs, p.Path+": "+p.Message)
	}
	want := []string{
		`c/charts/db-2.0.0.tgz: render chart: parse error at (c/charts/db/templates/pvc.yaml:2): unexpected "}" in operand`,
		`c/charts/db-2.0.0.tgz: render chart: c/charts/db/templates/pvc.yaml was not rendered (parse error at (c/charts/db/templates/pvc.yaml:2): unexpected "}" in operand) and, being inside a packaged subchart, was not checked`,
	}
	if diff := cmp.Diff(want, msgs); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	if len(res.Documents) != 1 {
		t.Errorf("got %d documents, want the parent's ConfigMap", len(res.Documents))
	}
}

func TestValuesSchema(t *testing.T) {
	chartFiles := func(schema string) fstest.MapFS {
		return fstest.MapFS{
			"c/Chart.yaml":                  {Data: []byte("apiVersion: v2\nname: c\nversion: 1.0.0\n")},
			"c/values.yaml":                 {Data: []byte("replicas: 2\n")},
			"c/values.schema.json":          {Data: []byte(schema)},
			"c/templates/a.yaml":            {Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  n: {{ .Values.replicas | quote }}\n")},
			"c/charts/s/Chart.yaml":         {Data: []byte("apiVersion: v2\nname: s\nversion: 1.0.0\n")},
			"c/charts/s/values.schema.json": {Data: []byte(`{"type":"object","required":["size"]}`)},
			"c/charts/s/values.yaml":        {Data: []byte("size: 1\n")},
		}
	}
	tests := []struct {
		name   string
		schema string
		values []ValueSource
		want   []string // substrings of the problems, in order
	}{
		{"values that match", `{"$schema":"https://json-schema.org/draft-07/schema#","type":"object","properties":{"replicas":{"type":"integer"}}}`, nil, nil},
		{"wrong type", `{"type":"object","properties":{"replicas":{"type":"integer"}}}`, []ValueSource{{Set: "replicas=two"}}, []string{"c/values.schema.json: render chart: values do not match c/values.schema.json: jsonschema validation failed with 'file:///values.schema.json#' ; - at '/replicas': got string, want integer"}},
		{"subchart schema", `{"type":"object"}`, []ValueSource{{Set: "s.size=null"}}, []string{"c/charts/s/values.schema.json: render chart: values do not match c/charts/s/values.schema.json: jsonschema validation failed with 'file:///values.schema.json#' ; - at '': missing property 'size'"}},
		{"remote reference is not fetched", `{"$ref":"https://schemas.example.com/values.json"}`, nil, []string{"not loaded"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, res := renderMap(t, Options{Values: tt.values}, chartFiles(tt.schema))
			if len(res.Problems) != len(tt.want) {
				t.Fatalf("problems = %v, want %d", res.Problems, len(tt.want))
			}
			for i, w := range tt.want {
				if p := res.Problems[i]; !strings.Contains(p.Path+": "+p.Message, w) {
					t.Errorf("problem %d = %+v, want one mentioning %q", i, p, w)
				}
			}
			if len(res.Documents) != 1 {
				t.Errorf("got %d documents; a schema violation must not stop rendering", len(res.Documents))
			}
		})
	}
}

func TestKustomizeCycleIsBuiltAndReported(t *testing.T) {
	fsys := fstest.MapFS{
		"a/kustomization.yaml": {Data: []byte("resources:\n  - ../b\n")},
		"b/kustomization.yaml": {Data: []byte("resources:\n  - ../a\n")},
	}
	plan, res := renderMap(t, Options{}, fsys)
	if len(plan.Units) == 0 {
		t.Fatal("kustomizations in a cycle were not detected at all")
	}
	if len(res.Problems) == 0 || !strings.Contains(res.Problems[0].Message, "cycle") {
		t.Errorf("problems = %v, want Kustomize's cycle error", res.Problems)
	}
}

func TestSafelyTurnsPanicsIntoErrors(t *testing.T) {
	tests := []struct {
		name string
		f    func() error
		want string
	}{
		{"panic", func() error { panic("boom") }, "build: internal error in the rendering engine: boom"},
		{"error passes through", func() error { return fmt.Errorf("plain") }, "plain"},
		{"success", func() error { return nil }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := safely("build", tt.f)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("safely() = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestUnitsAtTheRoot renders a chart and a kustomization that sit at the root of the tree.
func TestUnitsAtTheRoot(t *testing.T) {
	tests := []struct {
		name  string
		files fstest.MapFS
		path  string
		line  int
	}{
		{"chart", fstest.MapFS{
			"Chart.yaml":       {Data: []byte("apiVersion: v2\nname: root\nversion: 1.0.0\n")},
			"templates/a.yaml": {Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n")},
		}, "templates/a.yaml", 4},
		{"kustomization", fstest.MapFS{
			"kustomization.yaml": {Data: []byte("resources:\n  - a.yaml\n")},
			"a.yaml":             {Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n")},
		}, "a.yaml", 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, res := renderMap(t, Options{}, tt.files)
			if len(plan.Units) != 1 || plan.Units[0].Root != "." {
				t.Fatalf("units = %+v, want one rooted at .", plan.Units)
			}
			if len(res.Problems) > 0 || len(res.Documents) != 1 {
				t.Fatalf("problems %v, %d documents", res.Problems, len(res.Documents))
			}
			d := res.Documents[0]
			if got := d.Locate(lineOf(t, d.Content, "name:"), "name"); got != (Position{tt.path, tt.line}) {
				t.Errorf("Locate(name) = %v, want %s:%d", got, tt.path, tt.line)
			}
		})
	}
}

// A .helmignore that cannot be read as a regular file (a named pipe, which would block the scan
// that opened it) is refused with a problem naming it, not read and not silently skipped.
func TestHelmIgnoreNotARegularFile(t *testing.T) {
	fsys := fstest.MapFS{
		"chart/Chart.yaml":        {Data: []byte("apiVersion: v2\nname: web\nversion: 0.1.0\n")},
		"chart/.helmignore":       {Mode: fs.ModeNamedPipe},
		"chart/templates/cm.yaml": {Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n")},
	}
	plan, err := Detect(context.Background(), fsys, []string{"chart/Chart.yaml", "chart/.helmignore", "chart/templates/cm.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range plan.Units[0].problems {
		if p.Path == "chart/.helmignore" {
			got = append(got, p.Message)
		}
	}
	want := []string{"load chart: read chart/.helmignore: not a regular file (its rules were not applied)"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems at .helmignore (-want +got):\n%s", diff)
	}
}
