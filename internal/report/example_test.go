package report_test

import (
	"fmt"
	"os"
	"time"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/report"
)

// ExampleNew writes one scan as a table, the way the CLI does for a terminal-less stdout.
func ExampleNew() {
	start := time.Date(2026, 11, 23, 7, 0, 0, 0, time.UTC)
	run := &report.Run{
		Tool:     report.Tool{Name: "palisade", Version: "1.0.0"},
		Target:   "services/cart",
		Scanners: []string{"secret"},
		Started:  start,
		Finished: start.Add(120 * time.Millisecond),
		Findings: []finding.Finding{{
			RuleID: "aws-access-key", Title: "AWS access key ID", Severity: finding.SeverityCritical,
			Scanner: "secret", Fingerprint: finding.Fingerprint("aws-access-key", "main.go", "AKIAIOSFODNN7EXAMPLE"),
			Location: finding.Location{Path: "main.go", StartLine: 14, StartColumn: 9,
				Snippet: `key := "` + finding.Redact("AKIAIOSFODNN7EXAMPLE") + `"`},
		}},
		Stats: report.Stats{FilesScanned: 3, BytesScanned: 2048},
	}
	w, err := report.New("table", report.Options{Color: report.IsTerminal(os.Stdout)})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := w.Write(os.Stdout, run); err != nil {
		fmt.Println(err)
	}
	// Output:
	// palisade 1.0.0: services/cart
	// scanners: secret
	//
	// CRITICAL (1)
	//   aws-access-key  AWS access key ID
	//     main.go:14:9
	//     | key := "AKIA*****"
	//
	// Summary
	//   findings    1 (critical 1, high 0, medium 0, low 0, info 0)
	//   suppressed  0 (inline 0, ignore-file 0, baseline 0)
	//   scanned     3 files, 2.0 KiB
	//   skipped     0 paths
	//   duration    120ms
	//
	// Problems: none
}
