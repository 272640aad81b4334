// Package shareddata finds, for tests, the files that live outside the package under test: the
// module root (docs/, examples/) and the shared data set that CI places beside the repository in
// ../shared/data (JSON schemas, OSV exports, Wycheproof vectors), which a user's clone may lack.
package shareddata

import (
	"os"
	"path/filepath"
	"testing"
)

// ModuleRoot is the directory holding go.mod above the test's working directory (the package
// directory under go test). The test fails if there is none.
func ModuleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the package directory")
		}
		dir = parent
	}
}

// Lookup returns the path of parts under ../shared/data beside the module root, and whether it
// exists.
func Lookup(t testing.TB, parts ...string) (string, bool) {
	t.Helper()
	p := filepath.Join(append([]string{ModuleRoot(t), "..", "shared", "data"}, parts...)...)
	_, err := os.Stat(p)
	return p, err == nil
}

// Path is Lookup that skips the test, naming the path, when the shared data is absent.
func Path(t testing.TB, parts ...string) string {
	t.Helper()
	p, ok := Lookup(t, parts...)
	if !ok {
		t.Skipf("shared data not found at %s (CI places shared/ beside the repository)", p)
	}
	return p
}
