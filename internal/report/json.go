package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/palisade-sec/palisade/internal/finding"
)

// SchemaVersion is the version of the JSON report this package writes. It follows semantic
// versioning (docs/report-json.md): a minor bump only adds optional fields, a major bump may
// remove or change them, and ReadJSON refuses majors it does not know.
const SchemaVersion = "1.0.0"

// JSON writes the Run as the versioned Palisade JSON report: {"schemaVersion": …, …Run fields}.
// Findings are in canonical order and sensitive properties are dropped, so the same Run always
// gives the same bytes and nothing the scanners kept for themselves leaves the process.
type JSON struct{}

var _ Writer = JSON{}

// jsonDocument is the top level of the JSON report: the schema version, then the Run's fields.
type jsonDocument struct {
	SchemaVersion string `json:"schemaVersion"`
	*Run
}

// Write encodes r as indented JSON followed by a newline.
func (JSON) Write(w io.Writer, r *Run) error {
	if r == nil {
		return errors.New("write JSON report: no run")
	}
	c := canonical(r)
	c.Started, c.Finished = r.Started.UTC(), r.Finished.UTC()
	for i := range c.Findings {
		utcTimes(&c.Findings[i])
	}
	if c.Findings == nil {
		c.Findings = []finding.Finding{} // "findings": [] reads better than null and the schema requires an array
	}
	if c.Scanners == nil {
		c.Scanners = []string{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(jsonDocument{SchemaVersion: SchemaVersion, Run: c}); err != nil {
		return fmt.Errorf("write JSON report: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write JSON report: %w", err)
	}
	return nil
}

// utcTimes rewrites a finding's times in UTC, copying what it points to so the caller's Run is
// not changed: the report reads the same wherever it was written.
func utcTimes(f *finding.Finding) {
	if f.Location.Commit != nil {
		c := *f.Location.Commit
		c.Date = c.Date.UTC()
		f.Location.Commit = &c
	}
	if f.Suppression != nil && f.Suppression.Expires != nil {
		s := *f.Suppression
		e := s.Expires.UTC()
		s.Expires = &e
		f.Suppression = &s
	}
}

// sortRules orders rules by ID, the order every report lists them in.
func sortRules(rules []finding.Rule) {
	slices.SortStableFunc(rules, func(a, b finding.Rule) int { return strings.Compare(a.ID, b.ID) })
}
