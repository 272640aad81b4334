package scan

import (
	"bytes"
	"context"
	"fmt"
	"go/build"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/report"
	"github.com/palisade-sec/palisade/internal/scan/gitlog/gittest"
)

// noop reads nothing and finds nothing: the benchmark measures the engine alone (walk, ignore
// rules, reads, binary sniffing, scheduling).
type noop struct{}

func (noop) Name() string { return "noop" }
func (noop) AnalyzeFile(context.Context, *File) ([]finding.Finding, error) {
	return nil, nil
}

// BenchmarkDirGOROOT walks GOROOT/src, a large real tree (about 15,000 files, testdata included
// unless default skips prune it).
func BenchmarkDirGOROOT(b *testing.B) {
	root := filepath.Join(build.Default.GOROOT, "src")
	if _, err := os.Stat(root); err != nil {
		b.Skipf("GOROOT/src not found at %s", root)
	}
	for _, bc := range []struct {
		name string
		opts Options
	}{
		{name: "defaults"},
		{name: "no-skips", opts: Options{NoDefaultSkips: true, NoGitignore: true}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			bc.opts.Analyzers = []Analyzer{noop{}}
			var run *report.Run
			for b.Loop() {
				r, err := Dir(context.Background(), root, bc.opts)
				if err != nil {
					b.Fatal(err)
				}
				run = r
			}
			b.ReportMetric(float64(run.Stats.FilesScanned), "files/op")
			b.ReportMetric(float64(run.Stats.BytesScanned)/(1<<20), "MiB/op")
			b.ReportMetric(float64(run.Stats.FilesScanned)*float64(b.N)/b.Elapsed().Seconds(), "files/s")
		})
	}
}

// BenchmarkGitHistory reads a synthetic history of 500 commits, each adding 20 lines to one of 50
// files, through git log and the patch parser, with a no-op analyzer.
func BenchmarkGitHistory(b *testing.B) {
	r := gittest.New(b)
	var stream bytes.Buffer
	for i := range 500 {
		fmt.Fprintf(&stream, "commit refs/heads/main\nmark :%d\ncommitter Ada <ada@example.com> %d +0000\n", i+1, 1700000000+i)
		msg := fmt.Sprintf("commit %d", i)
		fmt.Fprintf(&stream, "data %d\n%s\n", len(msg), msg)
		if i > 0 {
			fmt.Fprintf(&stream, "from :%d\n", i)
		}
		var content strings.Builder
		for l := range 20 * (i/50 + 1) {
			fmt.Fprintf(&content, "line %d of file %d: key_%d = value\n", l, i%50, l)
		}
		fmt.Fprintf(&stream, "M 100644 inline src/f%d.txt\ndata %d\n%s\n", i%50, content.Len(), content.String())
	}
	cmd := r.Cmd("fast-import", "--quiet")
	cmd.Stdin = &stream
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("git fast-import: %v\n%s", err, out)
	}
	r.Git("checkout", "-q", "main")
	var run *report.Run
	for b.Loop() {
		got, err := Git(context.Background(), r.Dir, Options{Analyzers: []Analyzer{noop{}}}, HistoryOptions{})
		if err != nil {
			b.Fatal(err)
		}
		run = got
	}
	if run.Stats.Commits != 500 {
		b.Fatalf("read %d commits, want 500", run.Stats.Commits)
	}
	b.ReportMetric(float64(run.Stats.BytesScanned)/(1<<20), "MiB/op")
	b.ReportMetric(float64(run.Stats.Commits)*float64(b.N)/b.Elapsed().Seconds(), "commits/s")
}
