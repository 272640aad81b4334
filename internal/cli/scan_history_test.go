package cli

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func gitIn(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=Ada", "GIT_AUTHOR_EMAIL=ada@example.com", "GIT_COMMITTER_NAME=Ada", "GIT_COMMITTER_EMAIL=ada@example.com")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// A secret deleted from the work tree is still found in history; one with a directive on the
// line above is suppressed, which needs the file as it was at that commit.
func TestScanGitHistory(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git binary not found: history tests need it")
	}
	dir := writeTree(t, map[string]string{
		"leak.go":  "package a\n\nvar dsn = \"" + testToken + "\"\n",
		"fixed.go": "package a\n\n// palisade:ignore " + testRule + " test database of the CI job, not reachable\nvar ci = \"" + testToken + "\"\n",
	})
	gitIn(t, dir, "init", "-q", "-b", "main")
	gitIn(t, dir, "add", "-A")
	gitIn(t, dir, "commit", "-q", "-m", "add config")
	if err := os.Remove(filepath.Join(dir, "leak.go")); err != nil {
		t.Fatal(err)
	}
	gitIn(t, dir, "commit", "-q", "-am", "remove the leak")

	if _, err := runCLI(t, "scan", dir); err != nil {
		t.Fatalf("the work tree no longer has the leak, want a clean scan: %v", err)
	}
	report := filepath.Join(t.TempDir(), "history.json")
	_, err := runCLI(t, "scan", "--git", dir, "--format", "json", "--output", report)
	if ExitCode(err) != 1 {
		t.Fatalf("history scan: exit %d (%v), want 1: the deleted secret is still in history", ExitCode(err), err)
	}
	b, _ := os.ReadFile(report)
	var doc struct {
		Findings []struct {
			Location struct {
				Path   string
				Commit *struct{ Hash, Author, Message string }
			}
			Suppression *struct{ Kind string }
		}
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range doc.Findings {
		if f.Location.Commit == nil || f.Location.Commit.Author != "Ada" {
			t.Errorf("%s: history finding without its commit: %+v", f.Location.Path, f.Location.Commit)
		}
		kind := "none"
		if f.Suppression != nil {
			kind = f.Suppression.Kind
		}
		got[f.Location.Path] = kind
	}
	if got["leak.go"] != "none" || got["fixed.go"] != "inline" {
		t.Errorf("history findings by file = %v, want leak.go unsuppressed and fixed.go suppressed inline", got)
	}
}
