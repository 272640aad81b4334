// Package gittest builds real git repositories for tests, the way net/http/httptest builds
// servers: a repository in a temporary directory, driven by the git binary with the global and
// system configuration, commit signing and hooks switched off and a fixed author, committer and
// date, so the machine's settings cannot change what a test sees.
package gittest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Repo is a git work tree at Dir.
type Repo struct {
	Dir string
	t   testing.TB
}

// New returns a repository initialised on branch main in a new t.TempDir(). It skips the test
// when git is not on PATH.
func New(t testing.TB) *Repo {
	t.Helper()
	return Init(t, t.TempDir())
}

// Init initialises a repository on branch main in dir, which may already hold files. It skips
// the test when git is not on PATH.
func Init(t testing.TB, dir string) *Repo {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git binary not found: this test needs a real git repository")
	}
	r := &Repo{Dir: dir, t: t}
	r.Git("init", "-q", "-b", "main")
	return r
}

// Cmd returns git with args, run in Dir with the isolated configuration, for a test that needs
// to set its standard input or read its exit status itself.
func (r *Repo) Cmd(args ...string) *exec.Cmd {
	cmd := exec.Command("git", append([]string{"-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null"}, args...)...)
	cmd.Dir = r.Dir
	cmd.Env = append(os.Environ(),
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=Ada", "GIT_AUTHOR_EMAIL=ada@example.com", "GIT_AUTHOR_DATE=2026-01-02T03:04:05Z",
		"GIT_COMMITTER_NAME=Ada", "GIT_COMMITTER_EMAIL=ada@example.com", "GIT_COMMITTER_DATE=2026-01-02T03:04:05Z")
	return cmd
}

// Git runs git with args in Dir and returns its output without surrounding space; it fails the
// test, with the output, if git fails.
func (r *Repo) Git(args ...string) string {
	r.t.Helper()
	out, err := r.Cmd(args...).CombinedOutput()
	if err != nil {
		r.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// Write writes content to the slash-separated path name under Dir, creating directories.
func (r *Repo) Write(name, content string) {
	r.t.Helper()
	p := filepath.Join(r.Dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

// Commit stages every change in the work tree, commits it with msg (an empty commit if nothing
// changed) and returns the new commit's hash.
func (r *Repo) Commit(msg string) string {
	r.t.Helper()
	r.Git("add", "-A")
	r.Git("commit", "-q", "--allow-empty", "-m", msg)
	return r.Git("rev-parse", "HEAD")
}
