package vulndb

import (
	"path/filepath"
	"testing"

	"github.com/palisade-sec/palisade/internal/shareddata"
)

// sharedOSV returns ../shared/data/osv beside the repository, or skips the test when the shared
// data set is not there (a user's clone of the project).
func sharedOSV(tb testing.TB) string {
	tb.Helper()
	return filepath.Dir(filepath.Dir(shareddata.Path(tb, "osv", "Go", "all.zip")))
}

// sharedOSVIfPresent is sharedOSV without the skip: "" when the shared data set is absent.
func sharedOSVIfPresent(tb testing.TB) string {
	tb.Helper()
	p, ok := shareddata.Lookup(tb, "osv", "PyPI", "all.zip")
	if !ok {
		return ""
	}
	return filepath.Dir(filepath.Dir(p))
}
