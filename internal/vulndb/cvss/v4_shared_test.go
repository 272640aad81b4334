package cvss

import (
	"archive/zip"
	"encoding/json"
	"io"
	"path/filepath"
	"testing"

	"github.com/palisade-sec/palisade/internal/shareddata"
)

// osvSeverities is the part of an OSV record that carries CVSS vectors.
type osvSeverities struct {
	ID       string        `json:"id"`
	Severity []osvSeverity `json:"severity"`
	Affected []struct {
		Severity []osvSeverity `json:"severity"`
	} `json:"affected"`
}

type osvSeverity struct {
	Type  string `json:"type"`
	Score string `json:"score"`
}

// TestScoreV4SharedOSV scores every CVSS v4.0 vector of the shared crates.io, PyPI and Go OSV
// exports: real advisories must all parse, and score within 0..10.
func TestScoreV4SharedOSV(t *testing.T) {
	data, ok := shareddata.Lookup(t)
	if !ok {
		t.Skip("shared data (../shared/data beside the repository) is absent")
	}
	checked := 0
	for _, eco := range []string{"crates.io", "PyPI", "Go"} {
		path := filepath.Join(data, "osv", eco, "all.zip")
		zr, err := zip.OpenReader(path)
		if err != nil {
			t.Fatalf("open %s: %v", path, err)
		}
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatalf("%s: %s: %v", path, f.Name, err)
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatalf("%s: %s: %v", path, f.Name, err)
			}
			var rec osvSeverities
			if err := json.Unmarshal(b, &rec); err != nil {
				t.Fatalf("%s: %s: %v", path, f.Name, err)
			}
			sevs := rec.Severity
			for _, a := range rec.Affected {
				sevs = append(sevs, a.Severity...)
			}
			for _, s := range sevs {
				if s.Type != "CVSS_V4" {
					continue
				}
				checked++
				score, err := ScoreV4(s.Score)
				if err != nil {
					t.Errorf("%s %s: %v", eco, rec.ID, err)
				} else if score < 0 || score > 10 {
					t.Errorf("%s %s: ScoreV4(%s) = %v, outside 0..10", eco, rec.ID, s.Score, score)
				}
			}
		}
		zr.Close()
	}
	if checked == 0 {
		t.Error("no CVSS v4.0 vector found in the shared OSV data")
	}
	t.Logf("%d CVSS v4.0 vectors scored", checked)
}
