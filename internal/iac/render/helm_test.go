package render

import (
	"bytes"
	"strings"
	"testing"
	"testing/fstest"
)

func TestHelmLineMapping(t *testing.T) {
	res := renderUnit(t, Options{Values: []ValueSource{{Chart: "helm/app", Set: "privileged=true"}}}, "helm/app")
	if len(res.Problems) > 0 {
		t.Fatalf("problems: %v", res.Problems)
	}
	const deploy = "helm/app/templates/deployment.yaml"
	tests := []struct {
		name     string
		doc      string // text that selects the document
		rendered string // text that selects the rendered line
		key      string
		want     Position
	}{
		{"value substituted in a static key", "kind: Deployment", "replicas: 2", "replicas", Position{deploy, 8}},
		{"static line", "kind: Deployment", "kind: Deployment", "", Position{deploy, 2}},
		{"static line from a conditional", "kind: Deployment", "privileged: true", "privileged", Position{deploy, 30}},
		{"line from toYaml", "kind: Deployment", "runAsNonRoot: true", "runAsNonRoot", Position{deploy, 28}},
		{"line from an included helper", "kind: Deployment", "app.kubernetes.io/instance: release-name", "app.kubernetes.io/instance", Position{deploy, 6}},
		{"second iteration of a range", "kind: Deployment", "name: LOG_LEVEL", "name", Position{deploy, 24}},
		{"value in a range", "kind: Deployment", `value: "info"`, "value", Position{deploy, 25}},
		{"key inferred from the line", "kind: Deployment", "image: ", "", Position{deploy, 19}},
		{"second document of a template", "kind: ServiceAccount", "automountServiceAccountToken", "automountServiceAccountToken", Position{"helm/app/templates/service.yaml", 15}},
		{"subchart template", "kind: ConfigMap", "greeting:", "greeting", Position{"helm/app/charts/sub/templates/configmap.yaml", 6}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := findDoc(t, res.Documents, tt.doc)
			got := d.Locate(lineOf(t, d.Content, tt.rendered), tt.key)
			if got != tt.want {
				t.Errorf("Locate(%q, %q) = %v, want %v", tt.rendered, tt.key, got, tt.want)
			}
			if line := d.LineOf(lineOf(t, d.Content, tt.rendered), tt.key); line != tt.want.Line {
				t.Errorf("LineOf = %d, want %d", line, tt.want.Line)
			}
		})
	}
}

func TestHelmDocuments(t *testing.T) {
	res := renderUnit(t, Options{}, "helm/app")
	tests := []struct {
		name, doc, path, source string
		line                    int
	}{
		{"chart template", "kind: Deployment", "helm/app/templates/deployment.yaml", "app/templates/deployment.yaml", 1},
		{"first document after a conditional", "kind: Service\n", "helm/app/templates/service.yaml", "app/templates/service.yaml", 2},
		{"second document", "kind: ServiceAccount", "helm/app/templates/service.yaml", "app/templates/service.yaml", 11},
		{"subchart", "kind: ConfigMap", "helm/app/charts/sub/templates/configmap.yaml", "app/charts/sub/templates/configmap.yaml", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := findDoc(t, res.Documents, tt.doc)
			if d.Path != tt.path || d.Source != tt.source || d.Line != tt.line || d.Unit != "helm/app" {
				t.Errorf("document = %s %s line %d unit %s, want %s %s line %d", d.Path, d.Source, d.Line, d.Unit, tt.path, tt.source, tt.line)
			}
		})
	}
	if len(res.Documents) != 4 {
		t.Errorf("got %d documents, want 4 (NOTES.txt, helpers and CRDs are not manifests)", len(res.Documents))
	}
	for _, d := range res.Documents {
		if bytes.Contains(d.Content, []byte("Thank you")) || bytes.Contains(d.Content, []byte("---")) {
			t.Errorf("document %s holds NOTES.txt text or a separator:\n%s", d.Path, d.Content)
		}
	}
}

func TestHelmValues(t *testing.T) {
	tests := []struct {
		name    string
		values  []ValueSource
		want    []string
		notWant []string
	}{
		{"chart defaults", nil, []string{"replicas: 2", "greeting: \"hello\""}, []string{"privileged: true"}},
		{"set", []ValueSource{{Set: "replicaCount=5,privileged=true"}}, []string{"replicas: 5", "privileged: true"}, nil},
		{"values file then set", []ValueSource{{Name: "prod.yaml", Data: []byte("replicaCount: 4\nimage:\n  tag: \"9.9\"\n")}, {Set: "replicaCount=6"}},
			[]string{"replicas: 6", "web:9.9"}, []string{"replicas: 4"}},
		{"deep merge keeps sibling defaults", []ValueSource{{Data: []byte("image:\n  tag: \"3.0\"\n")}}, []string{"registry.example.com/web:3.0"}, nil},
		{"subchart disabled by condition", []ValueSource{{Data: []byte("sub:\n  enabled: false\n")}}, nil, []string{"kind: ConfigMap"}},
		{"conditional template off", []ValueSource{{Set: "service.enabled=false"}}, nil, []string{"kind: Service"}},
		{"values for another chart ignored", []ValueSource{{Chart: "helm/other", Set: "replicaCount=9"}}, []string{"replicas: 2"}, nil},
		{"values scoped to this chart", []ValueSource{{Chart: "helm/app", Set: "replicaCount=7"}}, []string{"replicas: 7"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := renderUnit(t, Options{Values: tt.values}, "helm/app")
			if len(res.Problems) > 0 {
				t.Fatalf("problems: %v", res.Problems)
			}
			var all strings.Builder
			for _, d := range res.Documents {
				all.Write(d.Content)
			}
			for _, w := range tt.want {
				if !strings.Contains(all.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, all.String())
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(all.String(), w) {
					t.Errorf("output has %q:\n%s", w, all.String())
				}
			}
		})
	}
}

func TestHelmReleaseOptions(t *testing.T) {
	res := renderUnit(t, Options{ReleaseName: "shop", Namespace: "payments"}, "helm/app")
	d := findDoc(t, res.Documents, "kind: Deployment")
	if !bytes.Contains(d.Content, []byte("name: shop-app")) {
		t.Errorf("release name not used:\n%s", d.Content)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"values that are not YAML", Options{Values: []ValueSource{{Name: "bad.yaml", Data: []byte("a: [1,\n")}}}, "bad.yaml"},
		{"bad set expression", Options{Values: []ValueSource{{Set: "a[=1"}}}, "--set"},
		{"bad kube version", Options{KubeVersion: "one.two"}, "kube version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New() error = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

// TestHelmProblems: a chart that does not render is a problem at the template and line Helm
// names, and its manifests are still checked — rendered with placeholders for missing required
// values, or statically — each with a problem saying so.
func TestHelmProblems(t *testing.T) {
	tests := []struct {
		name, root, path string
		line             int
		msg              string
		docs             int
		more             []string // the further problems, in order
	}{
		{"template parse error", "helm/broken", "helm/broken/templates/pod.yaml", 8, `unexpected "}"`, 1,
			[]string{"broken/templates/pod.yaml was not rendered (parse error at (broken/templates/pod.yaml:8): unexpected \"}\" in operand); it was checked statically only"}},
		{"required value missing", "helm/failing", "helm/failing/templates/pod.yaml", 8, "image is required", 1,
			[]string{`placeholder values for missing required values: "image is required" → palisade-placeholder-1`}},
		{"dependency not vendored", "helm/missingdep", "helm/missingdep/Chart.yaml", 5, `dependency "postgresql"`, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := renderUnit(t, Options{}, tt.root)
			if len(res.Documents) != tt.docs {
				t.Errorf("got %d documents, want %d", len(res.Documents), tt.docs)
			}
			if len(res.Problems) != 1+len(tt.more) {
				t.Fatalf("problems = %v, want %d", res.Problems, 1+len(tt.more))
			}
			p := res.Problems[0]
			if p.Path != tt.path || p.Line != tt.line || !strings.Contains(p.Message, tt.msg) || p.Scanner != "iac" {
				t.Errorf("problem = %+v, want %s:%d mentioning %q", p, tt.path, tt.line, tt.msg)
			}
			for i, m := range tt.more {
				if !strings.Contains(res.Problems[1+i].Message, m) {
					t.Errorf("problem %d = %q, want one mentioning %q", 1+i, res.Problems[1+i].Message, m)
				}
			}
		})
	}
}

func TestHelmCapabilities(t *testing.T) {
	fsys := fstest.MapFS{
		"c/Chart.yaml": {Data: []byte("apiVersion: v2\nname: c\nversion: 1.0.0\n")},
		"c/templates/a.yaml": {Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n" +
			"  kube: {{ .Capabilities.KubeVersion.Version | quote }}\n" +
			"  widgets: {{ .Capabilities.APIVersions.Has \"example.com/v1\" | quote }}\n")},
	}
	tests := []struct {
		name string
		opts Options
		want []string
	}{
		{"defaults", Options{}, []string{`widgets: "false"`}},
		{"given", Options{KubeVersion: "v1.31.2", APIVersions: []string{"example.com/v1"}}, []string{`kube: "v1.31.2"`, `widgets: "true"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, res := renderMap(t, tt.opts, fsys)
			if len(res.Problems) > 0 || len(res.Documents) != 1 {
				t.Fatalf("problems %v, %d documents", res.Problems, len(res.Documents))
			}
			for _, w := range tt.want {
				if !strings.Contains(string(res.Documents[0].Content), w) {
					t.Errorf("output lacks %q:\n%s", w, res.Documents[0].Content)
				}
			}
		})
	}
}
