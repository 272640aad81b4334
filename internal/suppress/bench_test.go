package suppress

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/palisade-sec/palisade/internal/finding"
)

// BenchmarkApply runs all three layers over 20,000 findings in 2,000 files of 200 lines, with a
// 50-entry ignore file and a 10,000-fingerprint baseline: a large monorepo's scan.
func BenchmarkApply(b *testing.B) {
	const files, perFile, lines = 2000, 10, 200
	fsys := fstest.MapFS{}
	var findings []finding.Finding
	for i := range files {
		path := fmt.Sprintf("svc%d/pkg/file%d.go", i%40, i)
		var src strings.Builder
		for l := 1; l <= lines; l++ {
			if l%20 == 0 {
				src.WriteString("\t// palisade:ignore generic-password fixture value\n")
			} else {
				fmt.Fprintf(&src, "\tx%d := compute(%d) // some ordinary code on this line\n", l, l)
			}
		}
		fsys[path] = &fstest.MapFile{Data: []byte(src.String())}
		for j := range perFile {
			rule := []string{"generic-password", "jwt", "aws-access-key-id"}[j%3]
			line := 1 + (j*19)%lines
			findings = append(findings, finding.Finding{RuleID: rule, Severity: finding.SeverityHigh,
				Location:    finding.Location{Path: path, StartLine: line},
				Fingerprint: finding.Fingerprint(rule, path, fmt.Sprint(j))})
		}
	}
	var ignore strings.Builder
	ignore.WriteString("version: 1\nignore:\n")
	for i := range 50 {
		fmt.Fprintf(&ignore, "  - rule: \"rule-%d-*\"\n    paths: [\"svc%d/**/*.go\", \"docs/**\"]\n    reason: r\n", i, i)
	}
	ign, err := ParseIgnoreFile("i.yaml", []byte(ignore.String()))
	if err != nil {
		b.Fatal(err)
	}
	base := &Baseline{Name: "b.json", fps: map[string]struct{}{}}
	for i := 0; i < len(findings); i += 2 {
		base.fps[findings[i].Fingerprint] = struct{}{}
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		out, _, err := Apply(context.Background(), findings, Options{
			Lines: FileLines(FSReader(fsys), nil), Ignore: ign, Baseline: base, Now: now})
		if err != nil || len(out) != len(findings) {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(findings)), "findings/op")
}
