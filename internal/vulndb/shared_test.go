package vulndb

import (
	"os"
	"path/filepath"
	"testing"
)

// sharedOSV returns ../shared/data/osv beside the repository (found by walking up to go.mod), or
// skips the test when the shared data set is not there (a user's clone of the project).
func sharedOSV(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Skip("skipping: go.mod not found above the package directory")
		}
		dir = parent
	}
	osv := filepath.Join(dir, "..", "shared", "data", "osv")
	if _, err := os.Stat(filepath.Join(osv, "Go", "all.zip")); err != nil {
		tb.Skipf("skipping: the shared OSV data set is not at %s (it sits beside the repository in CI)", osv)
	}
	return osv
}

// sharedOSVIfPresent is sharedOSV without the skip: "" when the shared data set is absent.
func sharedOSVIfPresent(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
	osv := filepath.Join(dir, "..", "shared", "data", "osv")
	if _, err := os.Stat(filepath.Join(osv, "PyPI", "all.zip")); err != nil {
		return ""
	}
	return osv
}
