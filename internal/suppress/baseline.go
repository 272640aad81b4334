package suppress

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/jsonpos"
)

// maxBaselineSize bounds how much of a baseline file is read, so a wrong path (a disk image, a
// pipe) fails with a clear error instead of exhausting memory.
const maxBaselineSize = 512 << 20

// Baseline is the set of fingerprints of a previous report: findings whose fingerprint is in it
// are known and accepted, so only new ones count.
type Baseline struct {
	// Name is the file it was read from; it is the Source of every suppression it causes.
	Name string
	// Format is "palisade-json" or "sarif".
	Format string
	fps    map[string]struct{}
}

// Contains reports whether fp is in the baseline (case-insensitively; fingerprints are hex).
func (b *Baseline) Contains(fp string) bool {
	if fp == "" {
		return false
	}
	_, ok := b.fps[strings.ToLower(fp)]
	return ok
}

// ReadBaselineFile reads the baseline at path; see ReadBaseline.
func ReadBaselineFile(path string) (*Baseline, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read baseline: %w", err)
	}
	defer f.Close()
	return ReadBaseline(path, f)
}

// ReadBaseline reads the fingerprints of a previous Palisade report, recognised by its content: a
// Palisade JSON report (an object with "schemaVersion" and "findings", each finding with a
// "fingerprint") or a SARIF 2.1.0 log (runs[].results[].partialFingerprints["palisade/v1"]). Only
// those fields are read. Anything else — another tool's output, a report of an unknown major
// version, a finding without a fingerprint — is an error naming the file and the place, because a
// baseline silently read as empty would hide nothing and one read wrongly could hide too much.
func ReadBaseline(name string, r io.Reader) (*Baseline, error) {
	return readBaseline(name, r, maxBaselineSize)
}

func readBaseline(name string, r io.Reader, limit int64) (*Baseline, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read baseline %s: %w", name, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("read baseline %s: larger than the %d-byte limit; is this a report?", name, limit)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, fmt.Errorf("read baseline %s: %w", name, jsonpos.Wrap(data, err))
	}
	b := &Baseline{Name: name, fps: map[string]struct{}{}}
	switch {
	case top["schemaVersion"] != nil:
		b.Format = "palisade-json"
		err = b.readReport(top)
	case top["runs"] != nil:
		b.Format = "sarif"
		err = b.readSARIF(top)
	default:
		err = errors.New(`neither a Palisade JSON report (no "schemaVersion") nor a SARIF log (no "runs"); pass a report written by palisade scan --format json or --format sarif`)
	}
	if err != nil {
		return nil, fmt.Errorf("read baseline %s: %w", name, err)
	}
	return b, nil
}

// reportMajor is the Palisade JSON report major version this reader understands.
const reportMajor = "1"

func (b *Baseline) readReport(top map[string]json.RawMessage) error {
	var version string
	if err := json.Unmarshal(top["schemaVersion"], &version); err != nil {
		return fmt.Errorf("schemaVersion: want a string like \"1.0.0\": %w", err)
	}
	if major, _, _ := strings.Cut(version, "."); major != reportMajor {
		return fmt.Errorf("schemaVersion %q: unsupported major version (this build reads %s.x)", version, reportMajor)
	}
	raw, ok := top["findings"]
	if !ok {
		return errors.New(`missing "findings"`)
	}
	var findings []struct {
		Fingerprint *string `json:"fingerprint"`
	}
	if err := json.Unmarshal(raw, &findings); err != nil {
		return fmt.Errorf("findings: want a list of objects: %w", err)
	}
	for i, f := range findings {
		if err := b.add(f.Fingerprint, fmt.Sprintf("findings[%d].fingerprint", i)); err != nil {
			return err
		}
	}
	return nil
}

func (b *Baseline) readSARIF(top map[string]json.RawMessage) error {
	if raw, ok := top["version"]; ok {
		var v string
		if err := json.Unmarshal(raw, &v); err != nil || v != "2.1.0" {
			return fmt.Errorf("version %s: only SARIF 2.1.0 is read", raw)
		}
	}
	var runs []struct {
		Results []struct {
			PartialFingerprints map[string]string `json:"partialFingerprints"`
		} `json:"results"`
	}
	if err := json.Unmarshal(top["runs"], &runs); err != nil {
		return fmt.Errorf("runs: want a list of SARIF runs: %w", err)
	}
	for i, run := range runs {
		for j, res := range run.Results {
			var fp *string
			if v, ok := res.PartialFingerprints[finding.FingerprintScheme]; ok {
				fp = &v
			}
			field := fmt.Sprintf("runs[%d].results[%d].partialFingerprints[%q]", i, j, finding.FingerprintScheme)
			if err := b.add(fp, field); err != nil {
				return fmt.Errorf("%w (was this SARIF log written by Palisade?)", err)
			}
		}
	}
	return nil
}

// add records one fingerprint, which must be present and hexadecimal.
func (b *Baseline) add(fp *string, field string) error {
	if fp == nil || *fp == "" {
		return fmt.Errorf("%s: missing", field)
	}
	v := strings.ToLower(*fp)
	if strings.Trim(v, "0123456789abcdef") != "" {
		return fmt.Errorf("%s: want a hexadecimal fingerprint", field)
	}
	b.fps[v] = struct{}{}
	return nil
}
