package iac

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

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
	r, err := k8s.NewFromJSON("admission:shop/web", []byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"shop"},
		"spec":{"hostNetwork":true,"containers":[{"name":"web","image":"web:1","securityContext":{"privileged":true}}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	fs, problems, err := s.EvaluateObjects(context.Background(), []*k8s.Resource{r})
	if err != nil || len(problems) > 0 {
		t.Fatalf("err %v problems %+v", err, problems)
	}
	got := map[string]bool{}
	for _, f := range fs {
		got[f.RuleID] = true
		if f.Location.StartLine != 0 {
			t.Errorf("%s: JSON objects have no lines, got %d", f.RuleID, f.Location.StartLine)
		}
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
