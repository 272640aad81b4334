// Package osv reads vulnerability records in the OSV schema (https://ossf.github.io/osv-schema/,
// versions 1.x) into Palisade's own types.
//
// Records come from downloads and from files users hand us, so they are untrusted: Parse never
// panics, rejects a record it cannot interpret with an error naming the record's file and the
// offending field, and keeps every field the matcher and the reports rely on.
package osv

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/palisade-sec/palisade/internal/jsonpos"
)

// Range types of the OSV schema.
const (
	RangeSemver    = "SEMVER"
	RangeEcosystem = "ECOSYSTEM"
	RangeGit       = "GIT"
)

// Severity types of the OSV schema that Palisade scores.
const (
	SeverityCVSSv2 = "CVSS_V2"
	SeverityCVSSv3 = "CVSS_V3"
	SeverityCVSSv4 = "CVSS_V4"
)

// Vulnerability is one OSV record.
type Vulnerability struct {
	SchemaVersion string
	ID            string
	Modified      time.Time
	Published     time.Time // zero when absent
	Withdrawn     time.Time // zero when absent; a withdrawn record must not be matched
	Aliases       []string
	Related       []string
	Upstream      []string
	Summary       string
	Details       string
	Severity      []Severity
	Affected      []Affected
	References    []Reference
	// DatabaseSpecific is kept verbatim; its shape is up to each database.
	DatabaseSpecific json.RawMessage
}

// IsWithdrawn reports whether the record was withdrawn by its database.
func (v *Vulnerability) IsWithdrawn() bool { return !v.Withdrawn.IsZero() }

// Severity is a severity score of a given type; for the CVSS types, Score is the vector string.
type Severity struct {
	Type  string `json:"type"`
	Score string `json:"score"`
}

// Reference is a link about the vulnerability.
type Reference struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

// Package names a package in an ecosystem.
type Package struct {
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
	PURL      string `json:"purl,omitempty"`
}

// Affected is one package the vulnerability affects, with the versions that are affected.
type Affected struct {
	Package  Package
	Severity []Severity
	Ranges   []Range
	Versions []string
	// EcosystemSpecific and DatabaseSpecific are kept verbatim; see GoImports for the Go shape.
	EcosystemSpecific json.RawMessage
	DatabaseSpecific  json.RawMessage
}

// Range is a set of affected versions described by events in version order.
type Range struct {
	Type   string
	Repo   string
	Events []Event
}

// Event is one range event: exactly one of its fields is set.
type Event struct {
	Introduced   string `json:"introduced,omitempty"`
	Fixed        string `json:"fixed,omitempty"`
	LastAffected string `json:"last_affected,omitempty"`
	Limit        string `json:"limit,omitempty"`
}

// GoImport is one entry of the Go vulnerability database's ecosystem_specific.imports: a package
// of the module that holds the vulnerable code, and the vulnerable symbols in it.
type GoImport struct {
	Path    string   `json:"path"`
	GOOS    []string `json:"goos,omitempty"`
	GOARCH  []string `json:"goarch,omitempty"`
	Symbols []string `json:"symbols,omitempty"`
}

// GoImports returns the Go packages named in ecosystem_specific.imports, or nil when there are none.
func (a *Affected) GoImports() ([]GoImport, error) {
	if len(a.EcosystemSpecific) == 0 {
		return nil, nil
	}
	var es struct {
		Imports []GoImport `json:"imports"`
	}
	if err := json.Unmarshal(a.EcosystemSpecific, &es); err != nil {
		return nil, fmt.Errorf("ecosystem_specific.imports: %w", err)
	}
	return es.Imports, nil
}

// ParseError says which record and which field of it could not be read.
type ParseError struct {
	File  string // the record's file name (in the zip, or on disk)
	Field string // a JSON path such as affected[0].ranges[1].events[2]; empty for whole-record errors
	Err   error
}

func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString("parse osv record ")
	b.WriteString(e.File)
	if e.Field != "" {
		b.WriteString(": field ")
		b.WriteString(e.Field)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *ParseError) Unwrap() error { return e.Err }

// wire mirrors the JSON so that times and events can be checked field by field.
type wire struct {
	SchemaVersion    string          `json:"schema_version"`
	ID               string          `json:"id"`
	Modified         string          `json:"modified"`
	Published        string          `json:"published"`
	Withdrawn        string          `json:"withdrawn"`
	Aliases          []string        `json:"aliases"`
	Related          []string        `json:"related"`
	Upstream         []string        `json:"upstream"`
	Summary          string          `json:"summary"`
	Details          string          `json:"details"`
	Severity         []Severity      `json:"severity"`
	Affected         []wireAffected  `json:"affected"`
	References       []Reference     `json:"references"`
	DatabaseSpecific json.RawMessage `json:"database_specific"`
}

type wireAffected struct {
	Package           *Package        `json:"package"`
	Severity          []Severity      `json:"severity"`
	Ranges            []wireRange     `json:"ranges"`
	Versions          []string        `json:"versions"`
	EcosystemSpecific json.RawMessage `json:"ecosystem_specific"`
	DatabaseSpecific  json.RawMessage `json:"database_specific"`
}

type wireRange struct {
	Type   string            `json:"type"`
	Repo   string            `json:"repo"`
	Events []json.RawMessage `json:"events"`
}

// Parse reads one OSV record. file names the record in errors (the entry name in a zip).
func Parse(file string, data []byte) (*Vulnerability, error) {
	var w wire
	if err := json.Unmarshal(data, &w); err != nil {
		return nil, jsonError(file, data, err)
	}
	fail := func(field string, format string, args ...any) error {
		return &ParseError{File: file, Field: field, Err: fmt.Errorf(format, args...)}
	}
	if strings.TrimSpace(w.ID) == "" {
		return nil, fail("id", "missing or empty")
	}
	v := &Vulnerability{
		SchemaVersion: w.SchemaVersion, ID: w.ID, Aliases: w.Aliases, Related: w.Related,
		Upstream: w.Upstream, Summary: w.Summary, Details: w.Details, Severity: w.Severity,
		References: w.References, DatabaseSpecific: nonNull(w.DatabaseSpecific),
	}
	var err error
	if w.Modified == "" {
		return nil, fail("modified", "missing")
	}
	if v.Modified, err = parseTime(w.Modified); err != nil {
		return nil, fail("modified", "%w", err)
	}
	if v.Published, err = parseTime(w.Published); err != nil {
		return nil, fail("published", "%w", err)
	}
	if v.Withdrawn, err = parseTime(w.Withdrawn); err != nil {
		return nil, fail("withdrawn", "%w", err)
	}
	for i, s := range v.Severity {
		if s.Type == "" || s.Score == "" {
			return nil, fail(fmt.Sprintf("severity[%d]", i), "type and score are required")
		}
	}
	v.Affected = make([]Affected, 0, len(w.Affected))
	for i, wa := range w.Affected {
		a, err := convertAffected(wa, fmt.Sprintf("affected[%d]", i))
		if err != nil {
			var pe *ParseError
			if errors.As(err, &pe) {
				pe.File = file
			}
			return nil, err
		}
		v.Affected = append(v.Affected, a)
	}
	return v, nil
}

func convertAffected(wa wireAffected, field string) (Affected, error) {
	a := Affected{
		Severity: wa.Severity, Versions: wa.Versions,
		EcosystemSpecific: nonNull(wa.EcosystemSpecific), DatabaseSpecific: nonNull(wa.DatabaseSpecific),
	}
	if wa.Package != nil {
		a.Package = *wa.Package
		if a.Package.Ecosystem == "" || a.Package.Name == "" {
			return a, &ParseError{Field: field + ".package", Err: errors.New("ecosystem and name are required")}
		}
	}
	for j, wr := range wa.Ranges {
		rf := fmt.Sprintf("%s.ranges[%d]", field, j)
		switch wr.Type {
		case RangeSemver, RangeEcosystem, RangeGit:
		default:
			return a, &ParseError{Field: rf + ".type", Err: fmt.Errorf("unknown range type %q (want SEMVER, ECOSYSTEM or GIT)", wr.Type)}
		}
		if wr.Type == RangeGit && wr.Repo == "" {
			return a, &ParseError{Field: rf + ".repo", Err: errors.New("required for a GIT range")}
		}
		if len(wr.Events) == 0 {
			return a, &ParseError{Field: rf + ".events", Err: errors.New("a range needs at least one event")}
		}
		r := Range{Type: wr.Type, Repo: wr.Repo, Events: make([]Event, 0, len(wr.Events))}
		for k, raw := range wr.Events {
			ev, err := parseEvent(raw)
			if err != nil {
				return a, &ParseError{Field: fmt.Sprintf("%s.events[%d]", rf, k), Err: err}
			}
			r.Events = append(r.Events, ev)
		}
		a.Ranges = append(a.Ranges, r)
	}
	return a, nil
}

// wireEvent decodes one event; unknown keys (extensions) are ignored by encoding/json.
type wireEvent struct {
	Introduced   *string `json:"introduced"`
	Fixed        *string `json:"fixed"`
	LastAffected *string `json:"last_affected"`
	Limit        *string `json:"limit"`
}

func parseEvent(raw json.RawMessage) (Event, error) {
	if t := bytes.TrimLeft(raw, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return Event{}, errors.New("want an object")
	}
	var w wireEvent
	if err := json.Unmarshal(raw, &w); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return Event{}, fmt.Errorf("%s: want a string", te.Field)
		}
		return Event{}, errors.New("want an object")
	}
	var ev Event
	n := 0
	for _, f := range []struct {
		name string
		src  *string
		dst  *string
	}{
		{"introduced", w.Introduced, &ev.Introduced},
		{"fixed", w.Fixed, &ev.Fixed},
		{"last_affected", w.LastAffected, &ev.LastAffected},
		{"limit", w.Limit, &ev.Limit},
	} {
		if f.src == nil {
			continue
		}
		if *f.src == "" {
			return Event{}, fmt.Errorf("%s: empty version", f.name)
		}
		*f.dst = *f.src
		n++
	}
	if n != 1 {
		return Event{}, errors.New("want exactly one of introduced, fixed, last_affected, limit")
	}
	return ev, nil
}

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("not an RFC 3339 time: %q", s)
	}
	return t, nil
}

func nonNull(r json.RawMessage) json.RawMessage {
	if len(r) == 0 || bytes.Equal(r, []byte("null")) {
		return nil
	}
	return r
}

// jsonError turns a decoding error into a ParseError with the field or line it is about.
func jsonError(file string, data []byte, err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		return &ParseError{File: file, Field: te.Field, Err: fmt.Errorf("want %s, got JSON %s", te.Type, te.Value)}
	case errors.As(err, &se):
		p, _ := jsonpos.Of(data, se)
		return &ParseError{File: file, Err: fmt.Errorf("line %d: %w", p.Line, err)}
	}
	return &ParseError{File: file, Err: err}
}
