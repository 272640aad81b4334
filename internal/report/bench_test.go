package report

import (
	"fmt"
	"io"
	"testing"

	"github.com/palisade-sec/palisade/internal/finding"
)

// bigRun is a large scan: 10,000 findings over 1,000 files, a tenth of them suppressed.
func bigRun() *Run {
	r := fixtureRun()
	base := r.Findings
	r.Findings = nil
	for i := range 10_000 {
		f := base[i%len(base)]
		f.Location.Path = fmt.Sprintf("svc%02d/pkg/file%04d.go", i%37, i%1000)
		f.Location.StartLine = i%400 + 1
		f.Fingerprint = finding.Fingerprint(f.RuleID, f.Location.Path, fmt.Sprint(i))
		r.Findings = append(r.Findings, f)
	}
	return r
}

func BenchmarkWrite(b *testing.B) {
	r := bigRun()
	for _, format := range Formats() {
		b.Run(format, func(b *testing.B) {
			w, err := New(format, Options{})
			if err != nil {
				b.Fatal(err)
			}
			var size int64
			for b.Loop() {
				cw := &countingWriter{}
				if err := w.Write(cw, r); err != nil {
					b.Fatal(err)
				}
				size = cw.n
			}
			b.ReportMetric(float64(size), "bytes/report")
		})
	}
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

var _ io.Writer = (*countingWriter)(nil)
