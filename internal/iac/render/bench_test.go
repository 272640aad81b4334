package render

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
)

// mediumChart builds a chart like a typical service chart: a helper file, 20 workload
// templates with conditionals and ranges, 20 services, and values with 30 environment entries.
func mediumChart() fstest.MapFS {
	fsys := fstest.MapFS{
		"chart/Chart.yaml": {Data: []byte("apiVersion: v2\nname: shop\nversion: 1.0.0\nappVersion: \"4.2\"\n")},
		"chart/templates/_helpers.tpl": {Data: []byte(`{{- define "shop.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}
`)},
	}
	var values strings.Builder
	values.WriteString("image:\n  repository: registry.example.com/shop\n  tag: \"\"\nsecurityContext:\n  runAsNonRoot: true\n  readOnlyRootFilesystem: true\nenv:\n")
	for i := range 30 {
		fmt.Fprintf(&values, "  - name: VAR_%d\n    value: \"value-%d\"\n", i, i)
	}
	values.WriteString("services:\n")
	for i := range 20 {
		fmt.Fprintf(&values, "  svc%d:\n    enabled: true\n    port: %d\n    replicas: %d\n", i, 8000+i, 1+i%3)
	}
	fsys["chart/values.yaml"] = &fstest.MapFile{Data: []byte(values.String())}
	for i := range 20 {
		fsys[fmt.Sprintf("chart/templates/svc%d.yaml", i)] = &fstest.MapFile{Data: []byte(strings.ReplaceAll(`{{- with .Values.services.svcN }}
{{- if .enabled }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $.Release.Name }}-svcN
  labels:
    {{- include "shop.labels" $ | nindent 4 }}
spec:
  replicas: {{ .replicas }}
  template:
    spec:
      containers:
        - name: svcN
          image: "{{ $.Values.image.repository }}:{{ $.Values.image.tag | default $.Chart.AppVersion }}"
          env:
          {{- range $.Values.env }}
            - name: {{ .name }}
              value: {{ .value | quote }}
          {{- end }}
          securityContext:
            {{- toYaml $.Values.securityContext | nindent 12 }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $.Release.Name }}-svcN
spec:
  ports:
    - port: {{ .port }}
{{- end }}
{{- end }}
`, "svcN", fmt.Sprintf("svc%d", i)))}
	}
	return fsys
}

func BenchmarkRenderChart(b *testing.B) {
	fsys := mediumChart()
	plan, err := Detect(context.Background(), fsys, treeFiles(b, fsys))
	if err != nil || len(plan.Units) != 1 {
		b.Fatalf("detect: %v, %d units", err, len(plan.Units))
	}
	r, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		res := r.Render(context.Background(), fsys, plan.Units[0])
		if len(res.Problems) > 0 || len(res.Documents) != 40 {
			b.Fatalf("render: %v, %d documents", res.Problems, len(res.Documents))
		}
		// Map one line per document, as a scanner reporting findings would.
		for i := range res.Documents {
			res.Documents[i].Locate(10, "image")
		}
	}
}

func BenchmarkKustomizeBuild(b *testing.B) {
	fsys := fstest.MapFS{}
	var res strings.Builder
	for i := range 20 {
		name := fmt.Sprintf("base/app%d.yaml", i)
		fsys[name] = &fstest.MapFile{Data: []byte(fmt.Sprintf("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app%d\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: registry.example.com/app:%d\n", i, i))}
		fmt.Fprintf(&res, "  - app%d.yaml\n", i)
	}
	fsys["base/kustomization.yaml"] = &fstest.MapFile{Data: []byte("resources:\n" + res.String())}
	fsys["prod/kustomization.yaml"] = &fstest.MapFile{Data: []byte("namePrefix: prod-\nresources:\n  - ../base\npatches:\n  - path: sc.yaml\n    target:\n      kind: Deployment\n")}
	fsys["prod/sc.yaml"] = &fstest.MapFile{Data: []byte("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: any\nspec:\n  template:\n    spec:\n      securityContext:\n        runAsNonRoot: true\n")}
	plan, err := Detect(context.Background(), fsys, treeFiles(b, fsys))
	if err != nil || len(plan.Units) != 1 {
		b.Fatalf("detect: %v, %d units", err, len(plan.Units))
	}
	r, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		out := r.Render(context.Background(), fsys, plan.Units[0])
		if len(out.Problems) > 0 || len(out.Documents) != 20 {
			b.Fatalf("build: %v, %d documents", out.Problems, len(out.Documents))
		}
		for i := range out.Documents {
			out.Documents[i].Locate(9, "runAsNonRoot")
		}
	}
}
