package report

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/palisade-sec/palisade/internal/jsonpos"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/palisade-sec/palisade/internal/finding"
)

// SchemaVersion is the version of the JSON report this package writes. It follows semantic
// versioning (docs/report-json.md): a minor bump only adds optional fields, a major bump may
// remove or change them, and ReadJSON refuses majors it does not know.
const SchemaVersion = "1.0.0"

// schemaMajor is the only major version ReadJSON accepts.
const schemaMajor = 1

// maxJSONReport bounds how much ReadJSON reads, so a hostile or wrong --baseline file cannot
// exhaust memory; real reports are far smaller.
const maxJSONReport = 512 << 20

//go:embed schema/report-v1.schema.json
var reportSchema []byte

// JSONSchema returns the JSON Schema (draft 2020-12) of the report JSON writes: a copy of
// docs/schemas/report-v1.schema.json, embedded so the binary can print it.
func JSONSchema() []byte { return bytes.Clone(reportSchema) }

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

// ReadJSON reads a report written by JSON back into a Run, for --baseline and for tools that
// post-process reports. It accepts any 1.x schemaVersion (fields added by a newer minor are
// ignored), refuses other majors, and checks that every finding names its rule, severity and
// fingerprint, because a baseline built from a finding without a fingerprint would silently
// match nothing.
func ReadJSON(r io.Reader) (*Run, error) {
	data, err := readAllLimited(r, maxJSONReport)
	if err != nil {
		return nil, fmt.Errorf("read JSON report: %w", err)
	}
	if err := checkSchemaVersion(data); err != nil {
		return nil, fmt.Errorf("read JSON report: %w", err)
	}
	var doc jsonInput
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("read JSON report: %w", jsonPosition(data, err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("read JSON report: %s: unexpected data after the report", jsonpos.At(data, dec.InputOffset()))
	}
	run, err := doc.run()
	if err != nil {
		return nil, fmt.Errorf("read JSON report: %w", err)
	}
	if err := validateRun(run); err != nil {
		return nil, fmt.Errorf("read JSON report: %w", err)
	}
	return run, nil
}

// jsonInput is what ReadJSON decodes into. Severity and confidence are read as strings (the
// outer fields shadow the embedded ones), so a bad value is reported with the index of the
// finding or rule that holds it, and so the "unknown" confidence the writer emits reads back.
type jsonInput struct {
	SchemaVersion string `json:"schemaVersion"`
	Run
	Started  *string       `json:"started"`
	Finished *string       `json:"finished"`
	Rules    []jsonRule    `json:"rules"`
	Findings []jsonFinding `json:"findings"`
}

type jsonRule struct {
	finding.Rule
	Severity string `json:"severity"`
}

type jsonFinding struct {
	finding.Finding
	Severity   string `json:"severity"`
	Confidence string `json:"confidence"`
}

// run converts the decoded document into a Run, parsing severities and confidences.
func (in *jsonInput) run() (*Run, error) {
	r := in.Run
	for _, t := range []struct {
		field string
		in    *string
		out   *time.Time
	}{{"started", in.Started, &r.Started}, {"finished", in.Finished, &r.Finished}} {
		if t.in == nil {
			continue
		}
		v, err := time.Parse(time.RFC3339Nano, *t.in)
		if err != nil {
			return nil, fmt.Errorf("%s: want an RFC 3339 time such as 2026-11-23T07:00:00Z, got %q", t.field, *t.in)
		}
		*t.out = v
	}
	r.Rules = nil
	for i, jr := range in.Rules {
		rule := jr.Rule
		if jr.Severity != "" {
			s, err := finding.ParseSeverity(jr.Severity)
			if err != nil {
				return nil, fmt.Errorf("rules[%d] (%s): severity: %w", i, rule.ID, err)
			}
			rule.Severity = s
		}
		r.Rules = append(r.Rules, rule)
	}
	r.Findings = nil
	if in.Findings != nil {
		r.Findings = make([]finding.Finding, 0, len(in.Findings))
	}
	for i, jf := range in.Findings {
		f := jf.Finding
		if jf.Severity != "" {
			s, err := finding.ParseSeverity(jf.Severity)
			if err != nil {
				return nil, fmt.Errorf("findings[%d] (%s): severity: %w", i, f.RuleID, err)
			}
			f.Severity = s
		}
		if c := jf.Confidence; c != "" && c != finding.ConfidenceUnknown.String() {
			v, err := finding.ParseConfidence(c)
			if err != nil {
				return nil, fmt.Errorf("findings[%d] (%s): confidence: %w", i, f.RuleID, err)
			}
			f.Confidence = v
		}
		r.Findings = append(r.Findings, f)
	}
	return &r, nil
}

// checkSchemaVersion finds the top-level schemaVersion and refuses a missing one or an unknown
// major before the rest is decoded, so a future format fails with a message about versions rather
// than about some field it renamed.
func checkSchemaVersion(data []byte) error {
	var probe struct {
		SchemaVersion *string `json:"schemaVersion"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		var typeErr *json.UnmarshalTypeError
		if !errors.As(err, &typeErr) || typeErr.Field != "schemaVersion" {
			return jsonPosition(data, err)
		}
		return fmt.Errorf("schemaVersion: want a string like %q", SchemaVersion)
	}
	if probe.SchemaVersion == nil {
		return errors.New("no schemaVersion: not a Palisade JSON report")
	}
	v := *probe.SchemaVersion
	parts := strings.Split(v, ".")
	if len(parts) != 3 {
		return fmt.Errorf("schemaVersion %q: want MAJOR.MINOR.PATCH", v)
	}
	nums := make([]int, 3)
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || p != strconv.Itoa(n) {
			return fmt.Errorf("schemaVersion %q: want MAJOR.MINOR.PATCH", v)
		}
		nums[i] = n
	}
	if nums[0] != schemaMajor {
		return fmt.Errorf("schemaVersion %q is not supported: this palisade reads %d.x reports (written as %s)", v, schemaMajor, SchemaVersion)
	}
	return nil
}

// validateRun checks what the Go types cannot: the fields a baseline or a gate relies on.
func validateRun(r *Run) error {
	if r.Findings == nil {
		return errors.New("no findings array")
	}
	for i := range r.Findings {
		f := &r.Findings[i]
		switch {
		case f.RuleID == "":
			return fmt.Errorf("findings[%d]: missing ruleId", i)
		case f.Fingerprint == "":
			return fmt.Errorf("findings[%d] (%s): missing fingerprint", i, f.RuleID)
		case f.Severity == finding.SeverityUnknown:
			return fmt.Errorf("findings[%d] (%s): missing severity", i, f.RuleID)
		case f.Location.Path == "":
			return fmt.Errorf("findings[%d] (%s): missing location.path", i, f.RuleID)
		}
		if s := f.Suppression; s != nil && !slices.Contains(suppressionKinds(), s.Kind) {
			return fmt.Errorf("findings[%d] (%s): unknown suppression kind %q", i, f.RuleID, s.Kind)
		}
	}
	for i, rule := range r.Rules {
		if rule.ID == "" {
			return fmt.Errorf("rules[%d]: missing id", i)
		}
		if rule.Severity == finding.SeverityUnknown {
			return fmt.Errorf("rules[%d] (%s): missing severity", i, rule.ID)
		}
	}
	return nil
}

// jsonPosition puts the position of an encoding/json error in front of it and names the field
// of a type error, so a user can open the file at the right place.
func jsonPosition(data []byte, err error) error {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		p, _ := jsonpos.Of(data, err)
		field := strings.TrimPrefix(typeErr.Field, "Run.")
		if field == "" {
			field = "(top level)"
		}
		want := typeErr.Type.Name()
		if want == "" {
			want = typeErr.Type.Kind().String()
		}
		return fmt.Errorf("%s: field %s: want %s, got JSON %s", p, field, want, typeErr.Value)
	}
	return jsonpos.Wrap(data, err)
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

// readAllLimited reads r to the end, refusing more than limit bytes, so a hostile or mistaken
// input file cannot exhaust memory.
func readAllLimited(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("input larger than %d bytes", limit)
	}
	return data, nil
}
