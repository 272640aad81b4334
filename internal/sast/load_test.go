package sast

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/scan"
)

func writeFiles(t *testing.T, files map[string]string) (string, []string) {
	t.Helper()
	root := t.TempDir()
	var names []string
	for name, data := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	slices.Sort(names)
	return root, names
}

const handler = `package %s

import (
	"net/http"
	"os/exec"
)

func H(w http.ResponseWriter, r *http.Request) {
	exec.Command(r.FormValue("c")).Run()
}
`

func pkgSrc(name string) string { return strings.Replace(handler, "%s", name, 1) }

// TestLoadFailuresAreProblems: a package with a type error and a module whose dependency is not
// in the module cache (the go command runs offline) are problems naming the package and the
// error, while the packages that did load are still analysed — never a silent zero.
func TestLoadFailuresAreProblems(t *testing.T) {
	root, files := writeFiles(t, map[string]string{
		"svc/go.mod":      "module example.com/svc\n\ngo 1.22\n",
		"svc/ok/h.go":     pkgSrc("ok"),
		"svc/broken/b.go": "package broken\n\nfunc F() int { return \"not an int\" }\n",
		"other/go.mod":    "module example.com/other\n\ngo 1.22\n\nrequire example.com/not-in-cache v1.0.0\n",
		"other/main.go":   "package main\n\nimport _ \"example.com/not-in-cache\"\n\nfunc main() {}\n",
		// go.sum knows the module, so the go command looks it up, and offline it cannot.
		"absent/go.mod":       "module example.com/absent\n\ngo 1.22\n\nrequire example.com/not-downloaded v1.0.0\n",
		"absent/go.sum":       "example.com/not-downloaded v1.0.0 h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\nexample.com/not-downloaded v1.0.0/go.mod h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
		"absent/main.go":      "package main\n\nimport _ \"example.com/not-downloaded\"\n\nfunc main() {}\n",
		"tagged/go.mod":       "module example.com/tagged\n\ngo 1.22\n",
		"tagged/h/h.go":       "//go:build special\n\n" + pkgSrc("h"),
		"tagged/h/nothing.go": "package h\n",
	})
	found, err := New(Options{Tags: []string{"special"}}).AnalyzeTree(context.Background(), &scan.Tree{Dir: root, Files: files})
	var inc *scan.Incomplete
	if !errors.As(err, &inc) {
		t.Fatalf("err = %v, want an *scan.Incomplete", err)
	}
	var got []string
	for _, p := range inc.Problems {
		t.Logf("problem %s: %s", p.Path, p.Message)
		if p.Scanner != Name || p.Kind != finding.ProblemParse {
			t.Errorf("problem %+v: want scanner %s, kind %s", p, Name, finding.ProblemParse)
		}
		got = append(got, p.Path)
	}
	slices.Sort(got)
	if d := cmp.Diff([]string{"absent", "other", "svc/broken"}, got); d != "" {
		t.Errorf("problem paths (-want +got):\n%s\nproblems: %+v", d, inc.Problems)
	}
	for _, p := range inc.Problems {
		switch p.Path {
		case "svc/broken":
			if !strings.Contains(p.Message, "example.com/svc/broken") || !strings.Contains(p.Message, "b.go:3") {
				t.Errorf("broken package problem %q does not name the package and the error's place", p.Message)
			}
		case "other":
			if !strings.Contains(p.Message, "example.com/not-in-cache") {
				t.Errorf("missing dependency problem %q does not name the module", p.Message)
			}
		case "absent":
			// The package's own error says only "could not import"; the cause and the fix follow.
			if !strings.Contains(p.Message, "its dependency example.com/not-downloaded did not load") || !strings.Contains(p.Message, "go mod download") {
				t.Errorf("undownloaded dependency problem %q does not name the dependency's own error and the fix", p.Message)
			}
		}
	}
	var at []string
	for _, f := range found {
		at = append(at, f.RuleID+" "+f.Location.Path)
	}
	slices.Sort(at)
	want := []string{"go-command-injection svc/ok/h.go", "go-command-injection tagged/h/h.go"}
	if d := cmp.Diff(want, at); d != "" {
		t.Errorf("findings (-want +got):\n%s", d)
	}
}

// TestWorkspace: a go.work at the root loads its modules together, so one module's replace of
// the other resolves, and taint crosses from one module into the other.
func TestWorkspace(t *testing.T) {
	root, files := writeFiles(t, map[string]string{
		"go.work":    "go 1.22\n\nuse (\n\t./api\n\t./lib\n)\n",
		"api/go.mod": "module example.com/api\n\ngo 1.22\n\nrequire example.com/lib v0.0.0\n",
		"api/h.go":   "package api\n\nimport (\n\t\"net/http\"\n\n\t\"example.com/lib\"\n)\n\nfunc H(w http.ResponseWriter, r *http.Request) { lib.Run(r.FormValue(\"c\")) }\n",
		"lib/go.mod": "module example.com/lib\n\ngo 1.22\n",
		"lib/lib.go": "package lib\n\nimport \"os/exec\"\n\nfunc Run(c string) { exec.Command(c).Run() }\n",
	})
	found, err := New(Options{}).AnalyzeTree(context.Background(), &scan.Tree{Dir: root, Files: files})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 1 || found[0].Location.Path != "lib/lib.go" || found[0].Flow[0].Location.Path != "api/h.go" {
		t.Fatalf("findings = %+v, want one in lib/lib.go whose flow starts in api/h.go", found)
	}
}

// TestCancelled: a cancelled scan returns the context's error, not a partial result.
func TestCancelled(t *testing.T) {
	root, files := writeFiles(t, map[string]string{"go.mod": "module example.com/x\n\ngo 1.22\n", "h.go": pkgSrc("x")})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := New(Options{}).AnalyzeTree(ctx, &scan.Tree{Dir: root, Files: files}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// TestSymlinkOutOfRoot: a Go file that is a symbolic link to a file outside the root makes its
// package a problem; nothing from outside the root is reported as a finding.
func TestSymlinkOutOfRoot(t *testing.T) {
	outsideDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(outsideDir, "h.go"), []byte(pkgSrc("app")), 0o644); err != nil {
		t.Fatal(err)
	}
	root, files := writeFiles(t, map[string]string{"go.mod": "module example.com/app\n\ngo 1.22\n", "doc.go": "package app\n"})
	if err := os.Symlink(filepath.Join(outsideDir, "h.go"), filepath.Join(root, "h.go")); err != nil {
		t.Fatal(err)
	}
	found, err := New(Options{}).AnalyzeTree(context.Background(), &scan.Tree{Dir: root, Files: files})
	var inc *scan.Incomplete
	if !errors.As(err, &inc) || len(inc.Problems) != 1 || !strings.Contains(inc.Problems[0].Message, "outside the scan root") {
		t.Fatalf("err = %v, want one problem about a file outside the root", err)
	}
	if len(found) != 0 {
		t.Errorf("findings from outside the root: %+v", found)
	}
}
