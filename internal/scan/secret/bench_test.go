package secret

import (
	"bytes"
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

// largeFile is ~32 MB of real source as one file, the shape of a file over --max-file-size.
func largeFile(b *testing.B) []byte {
	return bytes.Join(sourceMix(b, 32<<20), nil)
}

// BenchmarkLargeFileWhole reads a large file whole, as files under the size limit are.
func BenchmarkLargeFileWhole(b *testing.B) {
	doc := largeFile(b)
	a := New(Options{})
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.AnalyzeFile(context.Background(), &scan.File{Path: "big.txt", Content: doc}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLargeFileStream streams the same file in chunks, as files over the size limit are;
// compare MB/s and B/op with BenchmarkLargeFileWhole.
func BenchmarkLargeFileStream(b *testing.B) {
	doc := largeFile(b)
	a := New(Options{})
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.AnalyzeStream(context.Background(), &scan.Stream{Path: "big.txt", R: bytes.NewReader(doc)}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLongLineStream streams 64 MiB of one line with no newline, the shape that cost a
// whole-file read about five times the file's size.
func BenchmarkLongLineStream(b *testing.B) {
	const size = 64 << 20
	a := New(Options{})
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.AnalyzeStream(context.Background(), &scan.Stream{Path: "line.txt", R: &endless{n: size}}); err != nil {
			b.Fatal(err)
		}
	}
}
