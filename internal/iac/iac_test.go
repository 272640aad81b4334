package iac

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/iac/k8s"
)

// TestEvaluateObjectsFromJSON is the admission webhook's path: an object as JSON, no lines, the
// same checks and custom policies as a scan.
func TestEvaluateObjectsFromJSON(t *testing.T) {
	pol := filepath.Join(t.TempDir(), "p.yaml")
	if err := os.WriteFile(pol, []byte("policies:\n- id: team-label\n  title: Team label\n  severity: low\n  kinds: [Workload]\n  expression: \"'team' in object.metadata.?labels.orValue({})\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := New(Options{PolicyFiles: []string{pol}, Disable: []string{"k8s-image-no-digest"}})
	if err != nil {
		t.Fatal(err)
	}
	// JSON is YAML: an admission request's object decodes through the one parser.
	rs, problems := k8s.Parse("admission:shop/web", []byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"shop"},
		"spec":{"hostNetwork":true,"containers":[{"name":"web","image":"web:1","securityContext":{"privileged":true}}]}}`))
	if len(rs) != 1 || len(problems) > 0 {
		t.Fatalf("objects %d problems %+v", len(rs), problems)
	}
	fs, problems, err := s.EvaluateObjects(context.Background(), rs)
	if err != nil || len(problems) > 0 {
		t.Fatalf("err %v problems %+v", err, problems)
	}
	got := map[string]bool{}
	for _, f := range fs {
		got[f.RuleID] = true
	}
	for _, id := range []string{"k8s-privileged-container", "k8s-host-network", "team-label", "k8s-netpol-no-default-deny"} {
		if !got[id] {
			t.Errorf("missing %s", id)
		}
	}
	if got["k8s-image-no-digest"] {
		t.Error("disabled check ran")
	}
}

func TestNewRejectsPolicyReusingBuiltinID(t *testing.T) {
	pol := filepath.Join(t.TempDir(), "p.yaml")
	if err := os.WriteFile(pol, []byte("policies:\n- id: k8s-host-pid\n  title: T\n  severity: low\n  expression: 'true'\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Options{PolicyFiles: []string{pol}}); err == nil {
		t.Fatal("a custom policy may not reuse a built-in check ID")
	}
}

func TestScanIsDeterministic(t *testing.T) {
	fsys, files := synthetic(50)
	s, err := New(Options{Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.Scan(context.Background(), fsys, files)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Scan(context.Background(), fsys, files)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Findings) == 0 {
		t.Fatal("no findings")
	}
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("two scans differ:\n%s", diff)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Scan(ctx, fsys, files); err == nil {
		t.Error("a cancelled scan must fail")
	}
}

// fakeRenderer stands in for Helm: it "renders" one template into a fixed manifest whose
// privileged line came from template line 30.
type fakeRenderer struct{}

func (fakeRenderer) Render(_ context.Context, _ fs.FS, files []string) ([]Rendered, func(string) bool, []finding.Problem, error) {
	doc := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  containers:\n  - name: web\n    image: web:1\n    securityContext:\n      privileged: true\n"
	locate := func(line int, key string) int {
		if key == "privileged" {
			return 30
		}
		return 1
	}
	consumed := func(name string) bool { return strings.HasPrefix(name, "chart/") }
	return []Rendered{{Path: "chart/templates/pod.yaml", Content: []byte(doc), Locate: locate}}, consumed,
		[]finding.Problem{{Path: "chart/values.yaml", Line: 3, Scanner: "iac", Message: "render: example problem"}}, nil
}

func TestRendererDocumentsAreChecked(t *testing.T) {
	fsys := fstest.MapFS{
		"chart/templates/pod.yaml": {Data: []byte("{{ template text, not YAML }}\n")},
		"chart/values.yaml":        {Data: []byte("x: 1\n")},
	}
	s, err := New(Options{Renderer: fakeRenderer{}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Scan(context.Background(), fsys, []string{"chart/templates/pod.yaml", "chart/values.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	var priv []string
	for _, f := range res.Findings {
		if f.RuleID == "k8s-privileged-container" {
			priv = append(priv, fmt.Sprintf("%s:%d", f.Location.Path, f.Location.StartLine))
		}
	}
	if diff := cmp.Diff([]string{"chart/templates/pod.yaml:30"}, priv); diff != "" {
		t.Errorf("privileged findings (-want +got):\n%s", diff)
	}
	if len(res.Skipped) != 0 || len(res.Problems) != 1 {
		t.Errorf("consumed files must not be scanned raw: skipped %+v problems %+v", res.Skipped, res.Problems)
	}
}

func TestModuleFindingsAreNotDuplicated(t *testing.T) {
	fsys := fstest.MapFS{
		"live/main.tf":           {Data: []byte("module \"a\" {\n  source = \"../mod\"\n}\nmodule \"b\" {\n  source = \"../mod\"\n}\n")},
		"mod/main.tf":            {Data: []byte("resource \"aws_ebs_volume\" \"v\" {\n  size = 8\n}\n")},
		"mod/versions.tf":        {Data: []byte("terraform {\n}\n")},
		"unrelated/notes.txt":    {Data: []byte("x")},
		"unrelated/Dockerfile.x": {Data: []byte("FROM scratch\n")},
	}
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Scan(context.Background(), fsys, []string{"live/main.tf", "mod/main.tf", "mod/versions.tf", "unrelated/Dockerfile.x", "unrelated/notes.txt"})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range res.Findings {
		if f.RuleID == "aws-ebs-encryption" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("aws-ebs-encryption reported %d times, want once", n)
	}
}

// TestCancelledFileScanIsAnError holds every family's evaluation to passing a cancelled
// context on: a file whose checks did not run must not come back as a file without findings.
func TestCancelledFileScanIsAnError(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{
		"Dockerfile":   {Data: []byte("FROM alpine:3.20\nUSER root\n")},
		"compose.yaml": {Data: []byte("services:\n  web:\n    image: a:1\n    privileged: true\n")},
		"pod.yaml":     {Data: []byte("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: c:1}]\n")},
		"cfn.yaml":     {Data: []byte("Resources:\n  V:\n    Type: AWS::EC2::Volume\n    Properties:\n      Encrypted: false\n")},
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for name := range fsys {
		t.Run(name, func(t *testing.T) {
			r, err := s.scanFile(ctx, fsys, name)
			if err != context.Canceled {
				t.Errorf("err = %v with %d findings, want context.Canceled", err, len(r.findings))
			}
		})
	}
}
