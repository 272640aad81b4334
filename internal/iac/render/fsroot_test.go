package render

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

const outsideSecret = "TOPSECRET-outside-the-root"

// writeTree writes files (slash paths → content) under dir; content "->target" makes a link.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if target, ok := strings.CutPrefix(content, "->"); ok {
			if err := os.Symlink(target, p); err != nil {
				t.Skipf("symlinks unavailable: %v", err)
			}
			continue
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestNothingReadOutsideRoot gives the renderer every way out of the tree a repository could
// try — symbolic links to files and directories, parent paths, absolute paths, Helm's
// .Files.Get — and checks that no byte of the file outside reaches a document or a problem.
func TestNothingReadOutsideRoot(t *testing.T) {
	tmp := t.TempDir()
	secretDoc := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + strings.ToLower(outsideSecret) + "\ndata:\n  key: " + outsideSecret + "\n"
	writeTree(t, tmp, map[string]string{
		"outside/secret.yaml":        secretDoc,
		"outside/kustomization.yaml": "resources:\n  - secret.yaml\n",
		"root/chart/Chart.yaml":      "apiVersion: v2\nname: chart\nversion: 0.1.0\n",
		"root/chart/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n" +
			"  got: {{ .Files.Get \"../../outside/secret.yaml\" | quote }}\n" +
			"  abs: {{ .Files.Get \"" + filepath.ToSlash(filepath.Join(tmp, "outside/secret.yaml")) + "\" | quote }}\n",
		"root/chart/templates/leak.yaml":  "->../../../outside/secret.yaml",
		"root/kust/kustomization.yaml":    "resources:\n  - app.yaml\n  - leak.yaml\n",
		"root/kust/app.yaml":              "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n",
		"root/kust/leak.yaml":             "->../../outside/secret.yaml",
		"root/up/kustomization.yaml":      "resources:\n  - ../../outside/secret.yaml\n",
		"root/abs/kustomization.yaml":     "resources:\n  - " + filepath.ToSlash(filepath.Join(tmp, "outside/secret.yaml")) + "\n",
		"root/linkdir/kustomization.yaml": "resources:\n  - linked\n",
		"root/linkdir/linked":             "->../../outside",
	})
	fsys := os.DirFS(filepath.Join(tmp, "root"))
	plan, err := Detect(context.Background(), fsys, treeFiles(t, fsys))
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	problems := map[string]string{}
	for _, u := range plan.Units {
		res := r.Render(context.Background(), fsys, u)
		for _, d := range res.Documents {
			if bytes.Contains(d.Content, []byte(outsideSecret)) {
				t.Errorf("%s: document from %s holds the outside file:\n%s", u.Root, d.Path, d.Content)
			}
		}
		for _, p := range res.Problems {
			if strings.Contains(p.Message, outsideSecret) {
				t.Errorf("%s: problem quotes the outside file: %s", u.Root, p.Message)
			}
			problems[u.Root] += p.Message + "\n"
		}
	}
	tests := []struct {
		root, want string
	}{
		{"chart", "symbolic link not followed"},
		{"kust", "symbolic link not followed"},
		{"up", "path leaves the scanned tree"},
		{"abs", "path leaves the scanned tree"},
		{"linkdir", "symbolic link not followed"},
	}
	for _, tt := range tests {
		t.Run(tt.root, func(t *testing.T) {
			if !strings.Contains(problems[tt.root], tt.want) {
				t.Errorf("problems of %s = %q, want one saying %q", tt.root, problems[tt.root], tt.want)
			}
		})
	}
}

// TestTemplatesCannotReachOut checks the template functions that would read the process
// environment, resolve names or query a cluster.
func TestTemplatesCannotReachOut(t *testing.T) {
	t.Setenv("PALISADE_RENDER_TEST_SECRET", outsideSecret)
	chart := func(tmpl string) fstest.MapFS {
		return fstest.MapFS{
			"c/Chart.yaml":       {Data: []byte("apiVersion: v2\nname: c\nversion: 1.0.0\n")},
			"c/templates/a.yaml": {Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  v: " + tmpl + "\n")},
		}
	}
	tests := []struct {
		name, tmpl, want, problem string
	}{
		{"environment", `{{ env "PALISADE_RENDER_TEST_SECRET" | quote }}`, "", `function "env" not defined`},
		{"expanded environment", `{{ expandenv "$PALISADE_RENDER_TEST_SECRET" | quote }}`, "", `function "expandenv" not defined`},
		{"DNS", `{{ getHostByName "localhost" | quote }}`, `v: ""`, ""},
		{"cluster lookup", `{{ lookup "v1" "Secret" "default" "db" | toJson | quote }}`, `v: "{}"`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, res := renderMap(t, Options{}, chart(tt.tmpl))
			var got strings.Builder
			for _, d := range res.Documents {
				got.Write(d.Content)
			}
			for _, p := range res.Problems {
				got.WriteString(p.Message)
			}
			if strings.Contains(got.String(), outsideSecret) {
				t.Fatalf("the environment reached the output: %s", got.String())
			}
			if tt.want != "" && !strings.Contains(got.String(), tt.want) {
				t.Errorf("output %q lacks %q", got.String(), tt.want)
			}
			if tt.problem != "" && (len(res.Problems) == 0 || !strings.Contains(res.Problems[0].Message, tt.problem)) {
				t.Errorf("problems = %v, want the first saying %q", res.Problems, tt.problem)
			}
		})
	}
}
