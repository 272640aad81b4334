package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/palisade-sec/palisade/internal/scan/gitlog/gittest"
)

// A secret deleted from the work tree is still found in history; one with a directive on the
// line above is suppressed, which needs the file as it was at that commit.
func TestScanGitHistory(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"leak.go":  "package a\n\nvar dsn = \"" + testToken + "\"\n",
		"fixed.go": "package a\n\n// palisade:ignore " + testRule + " test database of the CI job, not reachable\nvar ci = \"" + testToken + "\"\n",
	})
	repo := gittest.Init(t, dir)
	repo.Commit("add config")
	if err := os.Remove(filepath.Join(dir, "leak.go")); err != nil {
		t.Fatal(err)
	}
	repo.Git("commit", "-q", "-am", "remove the leak")

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
