package scan

import (
	"context"
	"go/build"
	"os"
	"path/filepath"
	"testing"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/report"
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
