package secret

import (
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/internal/scan"
)

// sourceMix returns about limit bytes of real source from the Go distribution this test runs
// with — Go, assembly, JSON, YAML, shell, HTML and Markdown as they occur there — split into
// files. The Go tree is real code of the size users scan, and it is always present.
func sourceMix(tb testing.TB, limit int) [][]byte {
	tb.Helper()
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		tb.Skipf("go env GOROOT: %v", err)
	}
	root := filepath.Join(strings.TrimSpace(string(out)), "src")
	var files [][]byte
	total := 0
	exts := map[string]bool{".go": true, ".s": true, ".json": true, ".yaml": true, ".sh": true, ".html": true, ".md": true, ".txt": true, ".js": true}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || total >= limit {
			return fs.SkipDir
		}
		if d.IsDir() || !exts[filepath.Ext(p)] || strings.Contains(p, "testdata") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		files = append(files, b)
		total += len(b)
		return nil
	})
	if err != nil && err != fs.SkipDir {
		tb.Fatal(err)
	}
	if total < limit/2 {
		tb.Skipf("GOROOT/src holds only %d bytes of source; need about %d", total, limit)
	}
	return files
}

// BenchmarkDetect measures the analyzer over ~32 MB of real source; MB/s is per core.
func BenchmarkDetect(b *testing.B) {
	files := sourceMix(b, 32<<20)
	a := New(Options{})
	var n int64
	for _, f := range files {
		n += int64(len(f))
	}
	b.SetBytes(n)
	b.ReportAllocs()
	ctx := context.Background()
	for b.Loop() {
		for i, c := range files {
			if _, err := a.AnalyzeFile(ctx, &scan.File{Path: "f" + strconv.Itoa(i) + ".go", Content: c}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkKeywordPass isolates the Aho-Corasick pass that every byte goes through.
func BenchmarkKeywordPass(b *testing.B) {
	files := sourceMix(b, 32<<20)
	d, err := newDetector(Builtin(), 0, 0)
	if err != nil {
		b.Fatal(err)
	}
	var n int64
	for _, f := range files {
		n += int64(len(f))
	}
	b.SetBytes(n)
	hits := 0
	for b.Loop() {
		for _, c := range files {
			d.kw.scan(c, func(int32, int) { hits++ })
		}
	}
}
