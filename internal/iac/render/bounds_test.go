package render

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"go.yaml.in/yaml/v3"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
)

// bombChart is a chart whose one template is tmpl, after a privileged container that must still
// be found when the template cannot be rendered.
func bombChart(tmpl string) fstest.MapFS {
	return fstest.MapFS{
		"c/Chart.yaml": {Data: []byte("apiVersion: v2\nname: c\nversion: 1.0.0\n")},
		"c/templates/pod.yaml": {Data: []byte("apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  containers:\n    - name: app\n      image: nginx\n" +
			"      securityContext:\n        privileged: true\n" +
			"      args: [" + tmpl + "]\n")},
	}
}

// TestRenderBombsAreBounded: templates written to take unbounded time or memory stop at a bound,
// are reported as a problem naming the chart and the bound, and the chart is still checked
// statically. None may allocate anything near the gigabytes it asks for.
func TestRenderBombsAreBounded(t *testing.T) {
	tests := []struct {
		name, tmpl, bound string
	}{
		{"nested range until writing", `{{ range until 100000 }}{{ range until 100000 }}x{{ end }}{{ end }}`, "output bound"},
		{"until past its limit", `{{ range until 100000000 }}x{{ end }}`, "until bound"},
		{"untilStep past its limit", `{{ range untilStep 0 100000000 1 }}x{{ end }}`, "untilStep bound"},
		{"seq past its limit", `{{ seq 1 100000000 }}`, "seq bound"},
		{"range over a huge integer", `{{ range 1000000000 }}{{ end }}`, "range bound"},
		{"repeat", `{{ repeat 1000000000 "xxxxxxxx" }}`, "output bound"},
		{"indent", `{{ indent 1000000000 "a\nb" }}`, "output bound"},
		{"printf width", `{{ printf "%0999999999d" 1 }}`, "printf bound"},
		{"printf width from an argument", `{{ printf "%*d" 999999999 1 }}`, "printf bound"},
		{"doubling string", `{{ $s := "xxxxxxxx" }}{{ range until 64 }}{{ $s = print $s $s }}{{ end }}{{ $s }}`, "output bound"},
		{"doubling list", `{{ $l := list 1 }}{{ range until 64 }}{{ $l = concat $l $l }}{{ end }}{{ len $l }}`, "output bound"},
		{"exponential map encoded", `{{ $d := dict "a" "b" }}{{ range until 64 }}{{ $d = dict "l" $d "r" $d }}{{ end }}{{ toJson $d }}`, "output bound"},
		{"exponential map printed", `{{ $d := dict "a" "b" }}{{ range until 64 }}{{ $d = dict "l" $d "r" $d }}{{ end }}{{ $d }}`, "output bound"},
		{"exponential map set into values and encoded by a method", `{{ $d := dict "a" "b" }}{{ range until 64 }}{{ $d = dict "l" $d "r" $d }}{{ end }}{{ $_ := set .Values "d" $d }}{{ .Values.YAML }}`, "output bound"},
		{"map that contains itself", `{{ $d := dict }}{{ $_ := set $d "self" $d }}{{ toYaml $d }}`, "output bound"},
		{"replace with an empty pattern", `{{ $s := repeat 100000 "x" }}{{ replace "" $s $s }}`, "output bound"},
		{"regexReplaceAll with an empty pattern", `{{ $s := repeat 100000 "x" }}{{ regexReplaceAll "" $s $s }}`, "output bound"},
		{"uniq of a long list", `{{ uniq (until 100000) }}`, "uniq bound"},
		{"exponential template recursion", `{{ define "a" }}{{ template "a" . }}{{ template "a" . }}{{ end }}{{ template "a" . }}`, "template bound"},
		{"exponential include recursion", `{{ define "a" }}{{ include "b" . }}{{ include "b" . }}{{ end }}{{ define "b" }}{{ include "a" . }}{{ include "a" . }}{{ end }}{{ include "a" . }}`, "template bound"},
		{"recursion that calls the inserted leave itself", `{{ define "a" }}{{ palisadeRenderLeave "x" }}{{ palisadeRenderLeave "x" }}{{ template "a" . }}{{ template "a" . }}{{ end }}{{ template "a" . }}`, "template bound"},
		{"range in a template that fakes the inserted enter", `{{ define "a" }}{{ palisadeRenderEnter }}{{ range until 100000 }}{{ range until 100000 }}x{{ end }}{{ end }}{{ end }}{{ include "a" . }}`, "output bound"},
		{"tpl in a loop", `{{ range until 100000 }}{{ tpl "{{ range until 100000 }}{{ end }}" $ }}{{ end }}`, "output bound"},
		{"tpl of a long source", `{{ $_ := tpl (repeat 50000 "{{1}}") . }}`, "output bound"},
		{"nested tpl", `{{ tpl "{{ tpl . . }}" "{{ tpl . . }}" }}`, "tpl bound"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, res := renderMap(t, Options{MaxRenderBytes: 1 << 20}, bombChart(tt.tmpl))
			runtime.ReadMemStats(&after)
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 256<<20 {
				t.Errorf("rendering allocated %d MiB", alloc>>20)
			}
			if len(res.Problems) == 0 || res.Problems[0].Path != "c/Chart.yaml" || !strings.Contains(res.Problems[0].Message, tt.bound) {
				t.Fatalf("problems = %v, want the first at c/Chart.yaml naming the %s", res.Problems, tt.bound)
			}
			if len(res.Documents) != 1 || !res.Documents[0].Static || !strings.Contains(string(res.Documents[0].Content), "privileged: true") {
				t.Fatalf("documents = %+v, want the template checked statically", res.Documents)
			}
			if got := res.Documents[0].Locate(10, "privileged"); got != (Position{"c/templates/pod.yaml", 10}) {
				t.Errorf("Locate(privileged) = %v, want c/templates/pod.yaml:10", got)
			}
		})
	}
}

// TestRenderTimeBound: a template that spins without writing anything or calling a function
// stops at the render deadline.
func TestRenderTimeBound(t *testing.T) {
	_, res := renderMap(t, Options{MaxRenderTime: 50 * time.Millisecond}, bombChart(`{{ range until 100000 }}{{ range until 100000 }}{{ end }}{{ end }}`))
	if len(res.Problems) == 0 || !strings.Contains(res.Problems[0].Message, "time bound reached: rendering took longer than the 50ms limit") {
		t.Fatalf("problems = %v, want the time bound", res.Problems)
	}
}

// cancelAfter is a context that reports itself cancelled once Err has been asked n times: a
// cancellation that arrives while a template spins, without a clock.
type cancelAfter struct {
	context.Context
	n atomic.Int64
}

func (c *cancelAfter) Err() error {
	if c.n.Add(-1) < 0 {
		return context.Canceled
	}
	return nil
}

// TestRenderStopsWhenCancelled: cancelling the scan stops the engine in the middle of a loop
// that neither writes nor calls a function.
func TestRenderStopsWhenCancelled(t *testing.T) {
	var files []*loader.BufferedFile
	for name, f := range bombChart(`{{ range until 100000 }}{{ range until 100000 }}{{ end }}{{ end }}`) {
		files = append(files, &loader.BufferedFile{Name: strings.TrimPrefix(name, "c/"), Data: f.Data})
	}
	ch, err := loader.LoadFiles(files)
	if err != nil {
		t.Fatal(err)
	}
	top, err := chartutil.ToRenderValues(ch, nil, chartutil.ReleaseOptions{Name: "r"}, chartutil.DefaultCapabilities)
	if err != nil {
		t.Fatal(err)
	}
	ctx := &cancelAfter{Context: context.Background()}
	ctx.n.Store(100_000)
	_, _, err = newHelmEngine(newBudget(ctx, time.Hour, 1<<40), false).render(ch, top)
	if err == nil || !strings.Contains(err.Error(), "rendering stopped: context canceled") {
		t.Fatalf("render() error = %v, want it stopped by the cancellation", err)
	}
}

func TestFormatWidth(t *testing.T) {
	tests := []struct {
		format string
		want   int64
	}{
		{"%s-%s", 0},
		{"%02d", 2},
		{"%-10.3f|%5s", 10},
		{"%[1]*d", 1 << 62},
		{"%%999999", 0},
		{"%99999999999999999999999d", 1 << 40},
		{"100%", 0},
	}
	for _, tt := range tests {
		if got := formatWidth(tt.format); got != tt.want {
			t.Errorf("formatWidth(%q) = %d, want %d", tt.format, got, tt.want)
		}
	}
}

// billionLaughs is a ConfigMap whose nested anchors expand to 9^levels strings.
func billionLaughs(levels int) string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\ndata:\n  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	for i := 1; i <= levels; i++ {
		prev := strings.Repeat(fmt.Sprintf("*a%d, ", i-1), 9)
		fmt.Fprintf(&b, "  a%d: &a%d [%s]\n", i, i, strings.TrimSuffix(prev, ", "))
	}
	return b.String()
}

// TestKustomizeAliasBomb: a resource whose YAML aliases expand exponentially is refused before
// Kustomize expands it (it grew past 20 GiB), as a problem naming the file and the bound.
func TestKustomizeAliasBomb(t *testing.T) {
	tests := []struct {
		name    string
		levels  int
		problem string
	}{
		{"nine levels", 9, "alias bound reached"},
		{"a few anchors are fine", 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{
				"k/kustomization.yaml": {Data: []byte("resources:\n  - cm.yaml\npatches:\n  - path: p.yaml\n")},
				"k/cm.yaml":            {Data: []byte(billionLaughs(tt.levels))},
				"k/p.yaml":             {Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\ndata:\n  extra: \"1\"\n")},
			}
			_, res := renderMap(t, Options{}, fsys)
			switch {
			case tt.problem == "" && len(res.Problems) > 0:
				t.Errorf("problems = %v, want none", res.Problems)
			case tt.problem != "" && (len(res.Problems) != 1 || res.Problems[0].Path != "k/cm.yaml" || !strings.Contains(res.Problems[0].Message, tt.problem)):
				t.Errorf("problems = %v, want one at k/cm.yaml saying %q", res.Problems, tt.problem)
			}
		})
	}
}

func TestExpandedSize(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want int64
	}{
		{"plain", "a: 1\n", 4},
		{"one alias", "a: &x [1, 2]\nb: *x\n", 11},
		{"cycle", "a: &x [*x]\n", maxExpandedNodes + 1},
	}
	for _, tt := range tests {
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(tt.yaml), &n); err != nil {
			t.Fatal(err)
		}
		if got := expandedSize(&n, map[*yaml.Node]int64{}, 0); got != tt.want {
			t.Errorf("%s: expandedSize = %d, want %d", tt.name, got, tt.want)
		}
	}
}
