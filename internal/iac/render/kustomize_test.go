package render

import (
	"bytes"
	"strings"
	"testing"
	"testing/fstest"
)

func TestKustomizeLineMapping(t *testing.T) {
	res := renderUnit(t, Options{}, "kustomize/overlays/prod")
	if len(res.Problems) > 0 {
		t.Fatalf("problems: %v", res.Problems)
	}
	const (
		base  = "kustomize/base/deployment.yaml"
		patch = "kustomize/overlays/prod/privileged.yaml"
	)
	tests := []struct {
		name     string
		doc      string
		rendered string
		key      string
		want     Position
	}{
		{"field from the base", "kind: Deployment", "runAsNonRoot: true", "runAsNonRoot", Position{base, 21}},
		{"second container by name", "kind: Deployment", "image: registry.example.com/proxy", "image", Position{base, 24}},
		{"list item name", "kind: Deployment", "name: sidecar", "name", Position{base, 23}},
		{"list item as a whole, whose first rendered key is another", "kind: Deployment", "- image: registry.example.com/proxy", "", Position{base, 23}},
		{"first key of a list item", "kind: Deployment", "- image: registry.example.com/proxy", "image", Position{base, 24}},
		{"field set by a strategic merge patch", "kind: Deployment", "privileged: true", "privileged", Position{patch, 11}},
		{"block both base and patch have stays in the base", "kind: Deployment", "securityContext:", "securityContext", Position{base, 20}},
		{"field set by a JSON 6902 patch", "kind: Deployment", "replicas: 3", "replicas", Position{"kustomize/overlays/prod/replicas.json.yaml", 2}},
		{"field added by a component's patch", "kind: Deployment", "readinessProbe:", "readinessProbe", Position{"kustomize/components/probes/probe.yaml", 10}},
		{"nested field of a component's patch", "kind: Deployment", "path: /healthz", "path", Position{"kustomize/components/probes/probe.yaml", 12}},
		{"field added by a transformer maps to its parent", "kind: Deployment", "namespace: production", "namespace", Position{base, 3}},
		{"renamed object keeps its name line", "kind: Deployment", "name: prod-api", "name", Position{base, 4}},
		{"second resource file", "kind: Service", "targetPort: 8080", "targetPort", Position{"kustomize/base/service.yaml", 10}},
		{"generated object maps to its generator", "kind: ConfigMap", "timeout=30", "", Position{"kustomize/overlays/prod/kustomization.yaml", 15}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := findDoc(t, res.Documents, tt.doc)
			got := d.Locate(lineOf(t, d.Content, tt.rendered), tt.key)
			if got != tt.want {
				t.Errorf("Locate(%q, %q) = %v, want %v", tt.rendered, tt.key, got, tt.want)
			}
		})
	}
}

func TestKustomizeDocuments(t *testing.T) {
	res := renderUnit(t, Options{}, "kustomize/overlays/prod")
	tests := []struct {
		name, doc, path, source string
		line                    int
	}{
		{"base resource", "kind: Deployment", "kustomize/base/deployment.yaml", "../../base/deployment.yaml", 1},
		{"second base resource", "kind: Service", "kustomize/base/service.yaml", "../../base/service.yaml", 1},
		{"generated", "kind: ConfigMap", "kustomize/overlays/prod/kustomization.yaml", "kustomization.yaml", 15},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := findDoc(t, res.Documents, tt.doc)
			if d.Path != tt.path || d.Source != tt.source || d.Line != tt.line {
				t.Errorf("document = %s (source %s) line %d, want %s (source %s) line %d", d.Path, d.Source, d.Line, tt.path, tt.source, tt.line)
			}
			if bytes.Contains(d.Content, []byte(originAnnotation)) || bytes.Contains(d.Content, []byte(transformerAnnotation)) {
				t.Errorf("tracking annotations the user did not ask for are left in:\n%s", d.Content)
			}
		})
	}
}

func TestKustomizeProblems(t *testing.T) {
	res := renderUnit(t, Options{}, "kustomize/remote")
	if len(res.Documents) != 0 {
		t.Errorf("a build with remote bases produced %d documents", len(res.Documents))
	}
	want := []struct {
		line int
		ref  string
	}{{4, "github.com/example/platform"}, {5, "https://example.com/manifests/app.yaml"}}
	if len(res.Problems) != len(want) {
		t.Fatalf("problems = %v, want %d", res.Problems, len(want))
	}
	for i, w := range want {
		p := res.Problems[i]
		if p.Path != "kustomize/remote/kustomization.yaml" || p.Line != w.line || !strings.Contains(p.Message, w.ref) || !strings.Contains(p.Message, "not fetched") {
			t.Errorf("problem %d = %+v, want line %d naming %s", i, p, w.line, w.ref)
		}
	}
}

func TestIsRemote(t *testing.T) {
	tests := []struct {
		ref  string
		want bool
	}{
		{"../../base", false},
		{"deployment.yaml", false},
		{"sub/dir/app.yaml", false},
		{"github.com/org/repo//base?ref=v1", true},
		{"GitHub.com/org/repo", true},
		{"https://example.com/app.yaml", true},
		{"http://example.com/app.yaml", true},
		{"ssh://git@example.com/org/repo.git", true},
		{"file:///srv/repo", true},
		{"git::https://example.com/repo", true},
		{"git@gitlab.example.com:org/repo.git", true},
		{"user@host:repo//base", true},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			if got := isRemote(tt.ref); got != tt.want {
				t.Errorf("isRemote(%q) = %v, want %v", tt.ref, got, tt.want)
			}
		})
	}
}

// TestKustomizeLineOf checks the single-file answer a scanner reporting against Document.Path
// gets when the best line is in a patch: the nearest line of the origin file.
func TestKustomizeLineOf(t *testing.T) {
	res := renderUnit(t, Options{}, "kustomize/overlays/prod")
	d := findDoc(t, res.Documents, "kind: Deployment")
	tests := []struct {
		name, rendered, key string
		want                int
	}{
		{"patched field falls back to its block in the base", "privileged: true", "privileged", 20},
		{"JSON-patched field exists in the base", "replicas: 3", "replicas", 8},
		{"field added under a container falls back to the container", "readinessProbe:", "readinessProbe", 18},
		{"base field", "runAsNonRoot: true", "runAsNonRoot", 21},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := d.LineOf(lineOf(t, d.Content, tt.rendered), tt.key); got != tt.want {
				t.Errorf("LineOf(%q, %q) = %d, want %d", tt.rendered, tt.key, got, tt.want)
			}
		})
	}
}

// TestKustomizeLegacyFields builds an overlay written with the deprecated fields Kustomize still
// honours: bases, patchesStrategicMerge and patchesJson6902.
func TestKustomizeLegacyFields(t *testing.T) {
	fsys := fstest.MapFS{
		"base/kustomization.yaml": {Data: []byte("resources:\n  - web.yaml\n")},
		"base/web.yaml":           {Data: []byte("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n        - name: web\n          image: web:1\n")},
		"prod/kustomization.yaml": {Data: []byte("bases:\n  - ../base\npatchesStrategicMerge:\n  - smp.yaml\npatchesJson6902:\n  - path: ops.yaml\n    target:\n      group: apps\n      version: v1\n      kind: Deployment\n      name: web\n")},
		"prod/smp.yaml":           {Data: []byte("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      hostNetwork: true\n")},
		"prod/ops.yaml":           {Data: []byte("- op: replace\n  path: /spec/replicas\n  value: 4\n")},
	}
	plan, res := renderMap(t, Options{}, fsys)
	if len(res.Problems) > 0 || len(res.Documents) != 1 {
		t.Fatalf("problems %v, %d documents", res.Problems, len(res.Documents))
	}
	for _, f := range []string{"prod/smp.yaml", "prod/ops.yaml", "base/kustomization.yaml"} {
		if !plan.Consumed(f) {
			t.Errorf("%s not consumed", f)
		}
	}
	d := res.Documents[0]
	tests := []struct {
		rendered, key string
		want          Position
	}{
		{"hostNetwork: true", "hostNetwork", Position{"prod/smp.yaml", 8}},
		{"replicas: 4", "replicas", Position{"prod/ops.yaml", 2}},
		{"image: web:1", "image", Position{"base/web.yaml", 11}},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			if got := d.Locate(lineOf(t, d.Content, tt.rendered), tt.key); got != tt.want {
				t.Errorf("Locate(%q) = %v, want %v", tt.rendered, got, tt.want)
			}
		})
	}
}
