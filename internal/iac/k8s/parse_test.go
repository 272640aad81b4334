package k8s

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/palisade-sec/palisade/internal/finding"
)

const multiDoc = `# a comment before the first document
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: web:1.0
        securityContext:
          privileged: true
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
  namespace: shop
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          hostPID: true
          containers:
          - name: job
            image: job:2
---
not: kubernetes
---
{"apiVersion": "v1", "kind": "List", "items": [
  {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
   "spec": {"containers": [{"name": "c", "image": "c:1", "securityContext": {"privileged": true}}]}}
]}
`

func TestParseLines(t *testing.T) {
	rs, problems := Parse("deploy/all.yaml", []byte(multiDoc))
	if len(problems) != 0 {
		t.Fatalf("problems: %+v", problems)
	}
	var kinds []string
	for _, r := range rs {
		kinds = append(kinds, r.ID())
	}
	if diff := cmp.Diff([]string{"Deployment/shop/web", "CronJob/shop/nightly", "Pod//p"}, kinds); diff != "" {
		t.Fatalf("objects (-want +got):\n%s", diff)
	}
	checks := []Check{privilegedContainer(), hostNamespaceCheck("k8s-host-pid", "hostPID", "t", "PID", "5.2.3"), readOnlyRootFS()}
	fs, problems, err := Evaluate(context.Background(), checks, rs, "p.yaml")
	if err != nil || len(problems) > 0 {
		t.Fatal(err, problems)
	}
	type hit struct {
		Rule  string
		Line  int
		Field string
	}
	var got []hit
	for _, f := range fs {
		got = append(got, hit{f.RuleID, f.Location.StartLine, f.Properties["field"]})
	}
	want := []hit{
		{"k8s-privileged-container", 16, "spec.template.spec.containers[web].securityContext.privileged"},
		{"k8s-privileged-container", 38, "spec.containers[c].securityContext.privileged"},
		{"k8s-host-pid", 29, "spec.jobTemplate.spec.template.spec.hostPID"},
		{"k8s-readonly-root-filesystem", 15, "spec.template.spec.containers[web].securityContext"},
		{"k8s-readonly-root-filesystem", 31, "spec.jobTemplate.spec.template.spec.containers[job]"},
		{"k8s-readonly-root-filesystem", 38, "spec.containers[c].securityContext"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

func TestParseProblems(t *testing.T) {
	for _, tc := range []struct {
		name    string
		src     string
		objects int
		want    []finding.Problem
	}{
		{
			name:    "syntax error keeps the other documents",
			src:     "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: [b\n--- # next\napiVersion: v1\nkind: Pod\nmetadata: {name: c}\nspec:\n  hostPID: maybe\n",
			objects: 2,
			want: []finding.Problem{
				{Path: "m.yaml", Line: 8, Scanner: "iac", Kind: finding.ProblemParse, Message: "parse YAML: did not find expected ',' or ']'"},
				{Path: "m.yaml", Line: 14, Scanner: "iac", Kind: finding.ProblemParse, Message: "decode Pod: cannot unmarshal !!str `maybe` into bool"},
			},
		},
		{
			name:    "wrong field type keeps the object",
			src:     "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  hostPID: sometimes\n",
			objects: 1,
			want:    []finding.Problem{{Path: "m.yaml", Line: 5, Scanner: "iac", Kind: finding.ProblemParse, Message: "decode Pod: cannot unmarshal !!str `sometimes` into bool"}},
		},
		{
			name: "block sequence after a mapping",
			src:  "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n- b\n",
			want: []finding.Problem{{Path: "m.yaml", Line: 5, Scanner: "iac", Kind: finding.ProblemParse, Message: "parse YAML: did not find expected key"}},
		},
		{
			// yaml/v3 prints no line for an error on the first line; it is line 1.
			name:    "syntax error on the first line",
			src:     "@kind: Pod\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: a}\n",
			objects: 1,
			want:    []finding.Problem{{Path: "m.yaml", Line: 1, Scanner: "iac", Kind: finding.ProblemParse, Message: "parse YAML: found character that cannot start any token"}},
		},
		{
			// An error about no place in the text gets no line rather than the document's first.
			name:    "unknown anchor",
			src:     "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\napiVersion: v1\nkind: *nope\n",
			objects: 1,
			want:    []finding.Problem{{Path: "m.yaml", Scanner: "iac", Kind: finding.ProblemParse, Message: "parse YAML: unknown anchor 'nope' referenced"}},
		},
		{name: "not kubernetes", src: "services:\n  web:\n    image: x\n"},
		{name: "empty", src: ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rs, ps := Parse("m.yaml", []byte(tc.src))
			if len(rs) != tc.objects {
				t.Errorf("objects = %d, want %d", len(rs), tc.objects)
			}
			if diff := cmp.Diff(tc.want, ps); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTemplateCarryingCustomKinds(t *testing.T) {
	src := "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      hostPID: true\n      containers:\n      - name: web\n        image: web:1\n"
	rs, ps := Parse("r.yaml", []byte(src))
	if len(ps) > 0 || len(rs) != 1 {
		t.Fatalf("objects %d problems %+v", len(rs), ps)
	}
	fs, problems, err := Evaluate(context.Background(), []Check{hostNamespaceCheck("k8s-host-pid", "hostPID", "t", "PID", "5.2.3")}, rs, "r.yaml")
	if err != nil || len(problems) > 0 || len(fs) != 1 || fs[0].Location.StartLine != 8 {
		t.Errorf("findings %+v, err %v; want hostPID at line 8", fs, err)
	}
}

// TestParseReadsThroughAliases: an object whose kind, apiVersion or List items are reached
// through an alias or a merge key is the object the API server creates, and is checked; a List
// that names its items (or itself) many times through aliases is read once per object.
func TestParseReadsThroughAliases(t *testing.T) {
	const spec = "spec: {containers: [{name: a, image: b, securityContext: {privileged: true}}]}\n"
	tests := []struct {
		name, src string
		want      []string
	}{
		{"kind through an alias", "metadata: {name: &k Pod}\napiVersion: v1\nkind: *k\n" + spec, []string{"Pod/Pod"}},
		{"kind through a merge key", "<<: {apiVersion: v1, kind: Pod}\nmetadata: {name: x}\n" + spec, []string{"Pod/x"}},
		{"List item through an alias", "apiVersion: v1\nkind: List\nmetadata: {annotations: {x: &p {apiVersion: v1, kind: Pod, metadata: {name: x}}}}\nitems: [*p]\n", []string{"Pod/x"}},
		{"List items through an alias", "apiVersion: v1\nkind: List\nmetadata: {annotations: {x: &i [{apiVersion: v1, kind: Pod, metadata: {name: x}}]}}\nitems: *i\n", []string{"Pod/x"}},
		{"List that contains itself", "&l {apiVersion: v1, kind: List, items: [*l, {apiVersion: v1, kind: Pod, metadata: {name: x}}]}\n", []string{"Pod/x"}},
		{"aliases doubling at every level", "apiVersion: v1\nkind: List\nmetadata: {annotations: {" +
			"a: &a {apiVersion: v1, kind: List, items: [{apiVersion: v1, kind: Pod, metadata: {name: x}}]}, " +
			"b: &b {apiVersion: v1, kind: List, items: [*a, *a]}, c: &c {apiVersion: v1, kind: List, items: [*b, *b]}, " +
			"d: &d {apiVersion: v1, kind: List, items: [*c, *c]}}}\nitems: [*d, *d]\n", []string{"Pod/x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs, ps := Parse("f.yaml", []byte(tt.src))
			var got []string
			for _, r := range rs {
				got = append(got, r.Kind+"/"+r.Metadata.Name)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" || len(ps) != 0 {
				t.Errorf("objects (-want +got):\n%s\nproblems: %v", diff, ps)
			}
		})
	}
}
