package render

import (
	"context"
	"os"
	"path"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"go.yaml.in/yaml/v3"
)

// FuzzTemplateMap checks that mapping any rendered line of any template stays inside the
// template and that document splitting returns ordered, in-bounds spans.
func FuzzTemplateMap(f *testing.F) {
	for _, name := range []string{"deployment.yaml", "service.yaml", "_helpers.tpl"} {
		tmpl, err := os.ReadFile("testdata/helm/app/templates/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(tmpl), "apiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: 2\n---\nkind: Service\n", 4, "replicas")
	}
	f.Add("a: {{ .x }}\n{{- range .l }}\n- b: {{ . }}\n{{- end }}\n", "a: 1\n- b: 1\n- b: 2\n- b: 3\n", 3, "b")
	f.Add("", "", 0, "")
	f.Add("---\n---\n", "---\n# only a comment\n---\n", 1, "")
	f.Fuzz(func(t *testing.T, tmpl, rendered string, line int, key string) {
		lines := strings.Split(rendered, "\n")
		tm := newTemplateMap(tmpl, lines)
		got := tm.templateLine(line, key)
		if n := len(strings.Split(tmpl, "\n")); got < 1 || got > n {
			t.Fatalf("templateLine(%d, %q) = %d, outside 1..%d", line, key, got, n)
		}
		prev := 0
		for _, d := range splitDocuments(lines) {
			if d.start < prev || d.start >= d.end || d.end > len(lines) {
				t.Fatalf("span %+v out of order or bounds (previous end %d, %d lines)", d, prev, len(lines))
			}
			prev = d.end
		}
	})
}

// FuzzDetect feeds arbitrary kustomization and chart files to detection and checks that it
// neither panics nor claims files that do not exist.
func FuzzDetect(f *testing.F) {
	k, err := os.ReadFile("testdata/kustomize/overlays/prod/kustomization.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(k), "apiVersion: v2\nname: c\nversion: 0.1.0\n", "x")
	f.Add("resources:\n  - ../b\n  - ../../up\n  - /abs\n  - github.com/o/r\npatches:\n  - path: p.yaml\n", "", "")
	f.Add("resources: [../a]\ncomponents: [../b]\n", "dependencies: [{name: x}]\n", "")
	f.Add("configMapGenerator:\n- name: x\n  files: [k=v.txt]\n  envs: [e.env]\nsecretGenerator:\n- env: s.env\n", "", "")
	f.Add("kind: Component\n", "", "")
	f.Add(":\n- [", "{{", "")
	f.Fuzz(func(t *testing.T, kust, chartYAML, ref string) {
		fsys := fstest.MapFS{
			"a/kustomization.yaml":   {Data: []byte(kust)},
			"a/p.yaml":               {Data: []byte("kind: Deployment\n")},
			"b/kustomization.yaml":   {Data: []byte("resources:\n  - " + ref + "\n")},
			"b/m.yaml":               {Data: []byte("kind: ConfigMap\n")},
			"c/Chart.yaml":           {Data: []byte(chartYAML)},
			"c/templates/t.yaml":     {Data: []byte("a: 1\n")},
			"c/charts/s/Chart.yaml":  {Data: []byte(chartYAML)},
			"c/.helmignore":          {Data: []byte(ref)},
			"d/kustomization.yml":    {Data: []byte(kust)},
			"d/nested/Kustomization": {Data: []byte("resources: [../../" + ref + "]\n")},
		}
		var files []string
		for name := range fsys {
			files = append(files, name)
		}
		plan, err := Detect(context.Background(), fsys, files)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range plan.ConsumedFiles() {
			if _, ok := fsys[c]; !ok {
				t.Fatalf("consumed %q is not a file of the tree", c)
			}
		}
		for _, u := range plan.Units {
			if u.Kind == Helm && path.Base(u.Entry) != "Chart.yaml" {
				t.Fatalf("chart unit with entry %q", u.Entry)
			}
			if u.Root != path.Dir(u.Entry) {
				t.Fatalf("unit root %q does not hold its entry %q", u.Root, u.Entry)
			}
		}
	})
}

// FuzzKustomizeLocate maps lines of arbitrary rendered objects back through arbitrary source
// and patch files; the answer must always name one of those files.
func FuzzKustomizeLocate(f *testing.F) {
	src, err := os.ReadFile("testdata/kustomize/base/deployment.yaml")
	if err != nil {
		f.Fatal(err)
	}
	patch, err := os.ReadFile("testdata/kustomize/overlays/prod/privileged.yaml")
	if err != nil {
		f.Fatal(err)
	}
	golden, err := os.ReadFile("testdata/golden/kustomize_overlays_prod.golden")
	if err != nil {
		f.Fatal(err)
	}
	rendered, _, _ := strings.Cut(strings.SplitN(string(golden), "\n", 2)[1], "===")
	f.Add(string(src), string(patch), rendered, 27, "privileged")
	f.Add(string(src), "- op: add\n  path: /spec/replicas\n  value: 2\n", rendered, 9, "replicas")
	f.Add("a: &x {b: 1}\nc: *x\n", "[]", "a:\n  b: 1\nc:\n  b: 1\n", 4, "b")
	f.Add("", "", "", 0, "")
	f.Fuzz(func(t *testing.T, source, patchText, rendered string, line int, key string) {
		km := &kustMapping{
			sources: map[string][]byte{"s.yaml": []byte(source), "p.yaml": []byte(patchText)},
			patches: []patchFile{{path: "p.yaml"}},
			parsed:  map[string][]*yaml.Node{},
		}
		m := km.mapperFor("s.yaml", objectID{kind: "Deployment", name: "prod-api"}, []byte(rendered))
		got := m.locate(line, key)
		if got.Path != "s.yaml" && got.Path != "p.yaml" {
			t.Fatalf("locate named %q", got.Path)
		}
		if got.Line < 0 {
			t.Fatalf("negative line %d", got.Line)
		}
	})
}

// FuzzStaticTemplate feeds arbitrary template text to the static fallback, which reads charts
// that do not even parse: it must never panic, must keep the line count (findings are placed
// by it), and must only keep text of the line it was on.
func FuzzStaticTemplate(f *testing.F) {
	for _, name := range []string{"helm/app/templates/deployment.yaml", "helm/app/templates/service.yaml", "helm/app/templates/_helpers.tpl", "helm/broken/templates/pod.yaml", "helm/failing/templates/pod.yaml"} {
		tmpl, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(tmpl))
	}
	for _, s := range []string{
		"", "{{", "}}", "{{}}", "{{ end }}{{ else }}", "a: {{ \"}}\" }}", "a: {{ `\n}}` }}\nb: 1",
		"{{/* x", "{{- if .a -}}\nx: 1\n{{- else -}}\ny: 2\n{{- end -}}", "{{ define \"a\" }}{{ define", "a: {{ .x }\nb: {{ .y }}",
		"{{{{{{", "\"{{\\\"}}", "{{ $x := `", "\r\n{{ .a }}\r\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tmpl string) {
		got := staticTemplate(tmpl)
		if n, m := strings.Count(tmpl, "\n"), strings.Count(got, "\n"); n != m {
			t.Fatalf("%d lines became %d:\n%q\n%q", n+1, m+1, tmpl, got)
		}
		// Every line is text of the same line of the template, with actions removed or
		// replaced by the placeholder.
		in, out := strings.Split(tmpl, "\n"), strings.Split(got, "\n")
		for i, l := range out {
			if !subsequence(strings.ReplaceAll(l, staticValue, ""), in[i]) {
				t.Fatalf("line %d %q is not from the template line %q", i+1, l, in[i])
			}
		}
		if len(got) > len(tmpl)*(len(staticValue)+1)+1 {
			t.Fatalf("output of %d bytes from %d", len(got), len(tmpl))
		}
		// Each document line maps back to the template line it came from.
		for _, d := range staticDocuments("c", "c/templates/t.yaml", templateSource{path: "c/templates/t.yaml", data: []byte(tmpl)}) {
			content := strings.Split(strings.TrimSuffix(string(d.Content), "\n"), "\n")
			for l, text := range content {
				p := d.Locate(l+1, "")
				if p.Path != "c/templates/t.yaml" || p.Line < 1 || p.Line > len(out) || out[p.Line-1] != text {
					t.Fatalf("document line %d %q located at %v", l+1, text, p)
				}
			}
		}
	})
}

// subsequence reports whether the bytes of a appear in b in order.
func subsequence(a, b string) bool {
	for i := 0; i < len(a); i++ {
		j := strings.IndexByte(b, a[i])
		if j < 0 {
			return false
		}
		b = b[j+1:]
	}
	return true
}

// FuzzRenderChart renders an arbitrary template (and values) through the whole Helm path:
// strict, lenient with placeholders, static. Whatever the template, rendering must return
// within its bounds without panicking, and every document must map into the template.
func FuzzRenderChart(f *testing.F) {
	for _, name := range []string{"helm/app/templates/deployment.yaml", "helm/broken/templates/pod.yaml", "helm/failing/templates/pod.yaml"} {
		tmpl, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(tmpl), "image: x\n")
	}
	for _, s := range []string{
		`{{ range until 1000 }}{{ range until 1000 }}x{{ end }}{{ end }}`,
		`{{ define "a" }}{{ template "a" . }}{{ end }}{{ template "a" . }}`,
		`{{ define "a" }}{{ include "a" . }}{{ end }}{{ include "a" . }}`,
		`{{ $d := dict }}{{ $_ := set $d "d" $d }}{{ $d }}`,
		`a: {{ required "need a" .Values.a }}{{ fail "no" }}`,
		`{{ tpl .Values.t . }}`,
		`{{ printf "%v" . }}`,
		`{{ .Values.a.b.c }}`,
	} {
		f.Add(s, "t: \"{{ tpl .Values.t . }}\"\na: [1, 2]\n")
	}
	f.Fuzz(func(t *testing.T, tmpl, values string) {
		fsys := fstest.MapFS{
			"c/Chart.yaml":       {Data: []byte("apiVersion: v2\nname: c\nversion: 1.0.0\n")},
			"c/values.yaml":      {Data: []byte(values)},
			"c/templates/t.yaml": {Data: []byte(tmpl)},
		}
		r, err := New(Options{MaxRenderBytes: 1 << 20, MaxRenderTime: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		_, res, err := r.RenderAll(context.Background(), fsys, []string{"c/Chart.yaml", "c/values.yaml", "c/templates/t.yaml"})
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Count(tmpl, "\n") + 1
		for _, d := range res.Documents {
			for l := 1; l <= strings.Count(string(d.Content), "\n"); l++ {
				if p := d.Locate(l, ""); p.Path != "c/templates/t.yaml" || p.Line < 1 || p.Line > lines {
					t.Fatalf("document line %d located at %v, outside the %d-line template", l, p, lines)
				}
			}
		}
	})
}
