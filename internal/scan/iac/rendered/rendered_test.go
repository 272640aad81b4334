package rendered

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/internal/iac"
	"github.com/palisade-sec/palisade/internal/iac/render"
)

// TestChartFindingsLandOnTemplates scans the renderer's own test chart: findings must name
// template files with real lines, and no template may be scanned (or skipped) as raw YAML.
func TestChartFindingsLandOnTemplates(t *testing.T) {
	root := filepath.Join("..", "..", "..", "iac", "render", "testdata", "helm", "app")
	if _, err := os.Stat(root); err != nil {
		t.Skipf("renderer test chart not found: %v", err)
	}
	fsys := os.DirFS(root)
	var files []string
	if err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			files = append(files, p)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	r, err := render.New(render.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := iac.New(iac.Options{Renderer: From(r)})
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Scan(context.Background(), fsys, files)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Skipped) != 0 {
		t.Errorf("templates were skipped instead of rendered: %+v", res.Skipped)
	}
	onTemplates := 0
	for _, f := range res.Findings {
		if !strings.HasPrefix(f.RuleID, "k8s-") {
			continue
		}
		if f.Location.StartLine < 1 {
			t.Errorf("%s at %s has no line", f.RuleID, f.Location.Path)
		}
		if strings.Contains(f.Location.Path, "templates/") && testing.Verbose() {
			t.Logf("%s %s:%d", f.RuleID, f.Location.Path, f.Location.StartLine)
		}
		if strings.Contains(f.Location.Path, "templates/") {
			onTemplates++
		}
	}
	t.Logf("%d Kubernetes findings on templates", onTemplates)
	if onTemplates == 0 {
		t.Errorf("no Kubernetes finding placed on a template; findings: %d, problems: %+v", len(res.Findings), res.Problems)
	}
}
