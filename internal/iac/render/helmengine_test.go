package render

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
)

// kitchenSink is a chart that uses the parts of Helm's engine Palisade reimplements: include,
// tpl (with a define inside), required, .Files, Helm's encoders, lookup, subchart scoping.
var kitchenSink = map[string]string{
	"Chart.yaml":             "apiVersion: v2\nname: sink\nversion: 1.0.0\nappVersion: \"2.1\"\ndependencies:\n  - name: sub\n    version: 0.1.0\n",
	"values.yaml":            "name: shop\nport: 8080\nextra: \"{{ .Values.name }}-{{ .Release.Namespace }}\"\nlabels: {team: a, tier: web}\nlist: [b, a, b]\nsub:\n  size: 3\n",
	"config/app.properties":  "a=1\n",
	"config/more.properties": "b=2\nc=3\n",
	"templates/_helpers.tpl": `{{- define "sink.name" -}}{{ .Chart.Name }}-{{ .Release.Name | trunc 63 }}{{- end -}}`,
	"templates/cm.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "sink.name" . }}
  labels:
    {{- toYaml .Values.labels | nindent 4 }}
data:
  extra: {{ tpl .Values.extra . | quote }}
  defined: {{ tpl "{{ define \"x\" }}in-tpl{{ end }}{{ include \"x\" . }}" . | quote }}
  port: {{ required "port" .Values.port | quote }}
  json: {{ toJson .Values.labels | squote }}
  toml: {{ toToml .Values.labels | quote }}
  yaml: {{ fromYaml "a: 1" | toYamlPretty | quote }}
  lookup: {{ lookup "v1" "Secret" "default" "x" | toJson | quote }}
  uniq: {{ uniq .Values.list | join "," }}
  lines: {{ .Files.Lines "config/more.properties" | len }}
  seq: {{ seq 3 | quote }}
  until: {{ until 3 | toJson | quote }}
  missing: "{{ .Values.nothing }}"
  {{- range $i, $v := .Values.list }}
  item{{ $i }}: {{ $v }}
  {{- end }}
  {{- (.Files.Glob "config/*").AsConfig | nindent 2 }}
  template: {{ .Template.Name }} {{ .Template.BasePath }}
`,
	"charts/sub/Chart.yaml":        "apiVersion: v2\nname: sub\nversion: 0.1.0\n",
	"charts/sub/values.yaml":       "size: 1\n",
	"charts/sub/templates/pv.yaml": "kind: PersistentVolume\nspec:\n  size: {{ .Values.size }}\n  chart: {{ .Chart.Name }} {{ .Chart.IsRoot }}\n",
	"templates/NOTES.txt":          "Thanks for installing {{ .Chart.Name }}.\n",
}

// TestEngineMatchesHelm renders real charts — `helm create`'s scaffold, the test chart and a
// chart using every reimplemented part — with Helm's engine and Palisade's: the output must be
// the same, byte for byte.
func TestEngineMatchesHelm(t *testing.T) {
	dir := t.TempDir()
	scaffold, err := chartutil.Create("scaffold", dir)
	if err != nil {
		t.Fatal(err)
	}
	var sink []*loader.BufferedFile
	for name, data := range kitchenSink {
		sink = append(sink, &loader.BufferedFile{Name: name, Data: []byte(data)})
	}
	charts := map[string]func() (*chart.Chart, error){
		"helm create": func() (*chart.Chart, error) { return loader.LoadDir(scaffold) },
		"test chart":  func() (*chart.Chart, error) { return loader.LoadDir(filepath.Join("testdata", "helm", "app")) },
		"every part":  func() (*chart.Chart, error) { return loader.LoadFiles(sink) },
	}
	for name, load := range charts {
		t.Run(name, func(t *testing.T) {
			ch, err := load()
			if err != nil {
				t.Fatal(err)
			}
			vals := map[string]any{}
			if err := chartutil.ProcessDependenciesWithMerge(ch, vals); err != nil {
				t.Fatal(err)
			}
			top, err := chartutil.ToRenderValues(ch, vals, chartutil.ReleaseOptions{Name: "rel", Namespace: "ns", IsInstall: true}, chartutil.DefaultCapabilities)
			if err != nil {
				t.Fatal(err)
			}
			want, err := engine.Engine{}.Render(ch, top)
			if err != nil {
				t.Fatal(err)
			}
			got, failed, err := newHelmEngine(newBudget(context.Background(), time.Minute, 64<<20), false).render(ch, top)
			if err != nil || len(failed) > 0 {
				t.Fatalf("render() = %v, failed %v", err, failed)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Palisade's output differs from Helm's (-helm +palisade):\n%s", diff)
			}
		})
	}
}

// TestEngineErrorsMatchHelm: the errors of a chart that does not render read as Helm's.
func TestEngineErrorsMatchHelm(t *testing.T) {
	tests := map[string]string{
		"required":   `a: {{ required "a is required" .Values.a }}`,
		"fail":       `{{ fail "unsupported" }}`,
		"parse":      `a: {{ .Values.a }`,
		"bad call":   `a: {{ index .Values.a 3 }}`,
		"no include": `a: {{ include "nothing" . }}`,
	}
	for name, tmpl := range tests {
		t.Run(name, func(t *testing.T) {
			ch, err := loader.LoadFiles([]*loader.BufferedFile{
				{Name: "Chart.yaml", Data: []byte("apiVersion: v2\nname: c\nversion: 1.0.0\n")},
				{Name: "templates/a.yaml", Data: []byte(tmpl)},
			})
			if err != nil {
				t.Fatal(err)
			}
			top, err := chartutil.ToRenderValues(ch, map[string]any{}, chartutil.ReleaseOptions{Name: "r"}, chartutil.DefaultCapabilities)
			if err != nil {
				t.Fatal(err)
			}
			_, herr := engine.Engine{}.Render(ch, top)
			_, _, perr := newHelmEngine(newBudget(context.Background(), time.Minute, 64<<20), false).render(ch, top)
			if herr == nil || perr == nil || herr.Error() != perr.Error() {
				t.Errorf("errors differ:\nhelm:     %v\npalisade: %v", herr, perr)
			}
		})
	}
}
