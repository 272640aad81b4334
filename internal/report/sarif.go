package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"slices"
	"strings"
	"unicode"

	"github.com/palisade-sec/palisade/internal/finding"
)

// SARIF writes the Run as SARIF 2.1.0, shaped for GitHub code scanning: rules with help,
// CWE tags and security-severity, results with partial fingerprints (so alerts survive line
// moves) and suppressions (so suppressed findings stay visible and auditable), and every
// problem as a tool execution notification.
//
// It uses its own small structs rather than a SARIF library: the subset Palisade needs is
// about a hundred lines, every field is exactly what we chose (no empty arrays or -1
// defaults), and the test validates the output against the official schema.
type SARIF struct{}

var _ Writer = SARIF{}

const (
	maxSARIFTags = 20
	sarifVersion = "2.1.0"
	sarifSchema  = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	srcRoot      = "%SRCROOT%"
)

// securitySeverity is the numeric score GitHub code scanning reads from a rule's
// properties["security-severity"] to rank alerts (>= 9.0 critical, >= 7.0 high, >= 4.0 medium,
// else low).
func securitySeverity(s finding.Severity) string {
	switch s {
	case finding.SeverityCritical:
		return "9.5"
	case finding.SeverityHigh:
		return "8.0"
	case finding.SeverityMedium:
		return "5.5"
	case finding.SeverityLow:
		return "3.0"
	default:
		return "1.0"
	}
}

// sarifLevel maps a severity to a SARIF level: what blocks a merge is an error.
func sarifLevel(s finding.Severity) string {
	switch {
	case s >= finding.SeverityHigh:
		return "error"
	case s >= finding.SeverityMedium:
		return "warning"
	default:
		return "note"
	}
}

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool               sarifTool                        `json:"tool"`
	Invocations        []sarifInvocation                `json:"invocations"`
	OriginalURIBaseIDs map[string]sarifArtifactLocation `json:"originalUriBaseIds"`
	Results            []sarifResult                    `json:"results"`
	ColumnKind         string                           `json:"columnKind"`
	Properties         map[string]any                   `json:"properties,omitempty"`
}

// sarifStats records in the run's property bag what the scan covered, so a SARIF file alone
// shows whether a clean result means "nothing found" or "nothing looked at".
type sarifStats struct {
	FilesScanned int            `json:"filesScanned"`
	BytesScanned int64          `json:"bytesScanned"`
	Commits      int            `json:"commits,omitempty"`
	SkippedBy    map[string]int `json:"skippedBy,omitempty"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifHelp struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string             `json:"id"`
	Name                 string             `json:"name,omitempty"`
	ShortDescription     sarifText          `json:"shortDescription"`
	FullDescription      sarifText          `json:"fullDescription"`
	Help                 sarifHelp          `json:"help"`
	HelpURI              string             `json:"helpUri,omitempty"`
	DefaultConfiguration sarifConfiguration `json:"defaultConfiguration"`
	Properties           sarifRuleProps     `json:"properties"`
}

type sarifConfiguration struct {
	Level string `json:"level"`
}

type sarifRuleProps struct {
	Tags             []string `json:"tags"`
	SecuritySeverity string   `json:"security-severity"`
	Severity         string   `json:"palisade/severity"`
}

type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	StartTimeUTC               string              `json:"startTimeUtc,omitempty"`
	EndTimeUTC                 string              `json:"endTimeUtc,omitempty"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level      string              `json:"level"`
	Message    sarifText           `json:"message"`
	Locations  []sarifLocation     `json:"locations,omitempty"`
	Descriptor *sarifDescriptorRef `json:"descriptor,omitempty"`
}

type sarifDescriptorRef struct {
	ID string `json:"id"`
}

type sarifArtifactLocation struct {
	URI         string     `json:"uri,omitempty"`
	URIBaseID   string     `json:"uriBaseId,omitempty"`
	Description *sarifText `json:"description,omitempty"`
}

type sarifResult struct {
	RuleID              string             `json:"ruleId"`
	RuleIndex           int                `json:"ruleIndex"`
	Level               string             `json:"level"`
	Message             sarifText          `json:"message"`
	Locations           []sarifLocation    `json:"locations"`
	PartialFingerprints map[string]string  `json:"partialFingerprints"`
	Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
	CodeFlows           []sarifCodeFlow    `json:"codeFlows,omitempty"`
	Properties          map[string]any     `json:"properties,omitempty"`
}

// sarifCodeFlow is a finding's Flow: one thread, the source first and the sink last.
type sarifCodeFlow struct {
	ThreadFlows []sarifThreadFlow `json:"threadFlows"`
}

type sarifThreadFlow struct {
	Locations []sarifThreadFlowLocation `json:"locations"`
}

type sarifThreadFlowLocation struct {
	Location sarifFlowLocation `json:"location"`
}

type sarifFlowLocation struct {
	PhysicalLocation sarifPhysicalLocation `json:"physicalLocation"`
	Message          *sarifText            `json:"message,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysicalLocation `json:"physicalLocation"`
}

type sarifPhysicalLocation struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Region           *sarifRegion          `json:"region,omitempty"`
}

type sarifRegion struct {
	StartLine   int        `json:"startLine"`
	StartColumn int        `json:"startColumn,omitempty"`
	EndLine     int        `json:"endLine,omitempty"`
	EndColumn   int        `json:"endColumn,omitempty"`
	Snippet     *sarifText `json:"snippet,omitempty"`
}

type sarifSuppression struct {
	Kind          string            `json:"kind"`
	Status        string            `json:"status"`
	Justification string            `json:"justification,omitempty"`
	Properties    map[string]string `json:"properties,omitempty"`
}

// Write encodes r as a SARIF 2.1.0 log with one run.
func (SARIF) Write(w io.Writer, r *Run) error {
	if r == nil {
		return errors.New("write SARIF report: no run")
	}
	r = canonical(r)
	fs := r.Findings
	rules := sarifRules(r.Rules, fs)
	index := make(map[string]int, len(rules))
	for i, rule := range rules {
		index[rule.ID] = i
	}
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name:           r.Tool.Name,
			Version:        r.Tool.Version,
			InformationURI: r.Tool.URI,
			Rules:          rules,
		}},
		Invocations:        []sarifInvocation{sarifInvocationOf(r)},
		OriginalURIBaseIDs: map[string]sarifArtifactLocation{srcRoot: srcRootLocation(r.Target)},
		Results:            make([]sarifResult, 0, len(fs)),
		// Scanners count columns in characters (code points), end column exclusive, as SARIF does.
		ColumnKind: "unicodeCodePoints",
	}
	if run.Tool.Driver.Name == "" {
		run.Tool.Driver.Name = "palisade"
	}
	run.Properties = map[string]any{"palisade/stats": sarifStats{
		FilesScanned: r.Stats.FilesScanned, BytesScanned: r.Stats.BytesScanned,
		Commits: r.Stats.Commits, SkippedBy: skipCounts(r),
	}}
	if len(r.Scanners) > 0 {
		run.Properties["palisade/scanners"] = r.Scanners
	}
	if r.Image != nil && r.Image.BaseUpdate != nil {
		run.Properties["palisade/baseUpdate"] = r.Image.BaseUpdate
	}
	for _, f := range fs {
		run.Results = append(run.Results, sarifResultOf(f, index[f.RuleID]))
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(sarifLog{Schema: sarifSchema, Version: sarifVersion, Runs: []sarifRun{run}}); err != nil {
		return fmt.Errorf("write SARIF report: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write SARIF report: %w", err)
	}
	return nil
}

// sarifRules describes every rule the run lists, plus any rule a finding names that the run did
// not list (described from the finding), so every result's ruleIndex points at its rule.
func sarifRules(listed []finding.Rule, fs []finding.Finding) []sarifRule {
	byID := map[string]finding.Rule{}
	for _, rule := range listed {
		if _, dup := byID[rule.ID]; !dup {
			byID[rule.ID] = rule
		}
	}
	for _, f := range fs {
		if _, ok := byID[f.RuleID]; !ok {
			byID[f.RuleID] = finding.Rule{
				ID: f.RuleID, Title: f.Title, Description: f.Description, Severity: f.Severity,
				CWE: f.CWE, Remediation: f.Remediation, References: f.References,
			}
		}
	}
	out := make([]sarifRule, 0, len(byID))
	for _, id := range sortedKeys(byID) {
		out = append(out, sarifRuleOf(byID[id]))
	}
	return out
}

func sarifRuleOf(rule finding.Rule) sarifRule {
	title := firstNonEmpty(rule.Title, rule.ID)
	full := firstNonEmpty(rule.Description, title)
	tags := []string{"security"}
	for _, c := range rule.CWE {
		if n, ok := strings.CutPrefix(strings.ToUpper(c), "CWE-"); ok && n != "" && !slices.Contains(tags, "external/cwe/cwe-"+n) {
			tags = append(tags, "external/cwe/cwe-"+n)
		}
	}
	for _, tag := range rule.Tags {
		if !slices.Contains(tags, tag) {
			tags = append(tags, tag)
		}
	}
	// Code scanning rejects a rule with more than 20 tags (and shows 10), so the ones it uses
	// for filtering, "security" and the CWEs, come first.
	tags = tags[:min(len(tags), maxSARIFTags)]
	sr := sarifRule{
		ID:                   rule.ID,
		Name:                 ruleName(rule.ID),
		ShortDescription:     sarifText{Text: title},
		FullDescription:      sarifText{Text: full},
		Help:                 sarifRuleHelp(rule, full),
		DefaultConfiguration: sarifConfiguration{Level: sarifLevel(rule.Severity)},
		Properties: sarifRuleProps{
			Tags:             tags,
			SecuritySeverity: securitySeverity(rule.Severity),
			Severity:         rule.Severity.String(),
		},
	}
	if strings.EqualFold(sr.Name, sr.ID) {
		sr.Name = "" // SARIF: a name identical to the id must be omitted
	}
	for _, ref := range rule.References {
		if u, err := url.Parse(ref); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
			sr.HelpURI = ref
			break
		}
	}
	return sr
}

// sarifRuleHelp builds the help GitHub shows beside an alert: what the rule finds, how to fix
// it, and where to read more.
func sarifRuleHelp(rule finding.Rule, full string) sarifHelp {
	text := []string{full}
	md := []string{markdownEscape(full)}
	if rule.Remediation != "" {
		text = append(text, "Remediation: "+rule.Remediation)
		md = append(md, "**Remediation:** "+markdownEscape(rule.Remediation))
	}
	if len(rule.CWE) > 0 {
		text = append(text, "Weaknesses: "+strings.Join(rule.CWE, ", "))
		var links []string
		for _, c := range rule.CWE {
			if n, ok := strings.CutPrefix(strings.ToUpper(c), "CWE-"); ok && isDigits(n) {
				links = append(links, fmt.Sprintf("[%s](https://cwe.mitre.org/data/definitions/%s.html)", "CWE-"+n, n))
			} else {
				links = append(links, markdownEscape(c))
			}
		}
		md = append(md, "**Weaknesses:** "+strings.Join(links, ", "))
	}
	if len(rule.References) > 0 {
		text = append(text, "References: "+strings.Join(rule.References, " "))
		var items []string
		for _, ref := range rule.References {
			items = append(items, "- <"+ref+">")
		}
		md = append(md, "**References:**\n\n"+strings.Join(items, "\n"))
	}
	return sarifHelp{Text: strings.Join(text, "\n\n"), Markdown: strings.Join(md, "\n\n")}
}

func sarifResultOf(f finding.Finding, ruleIndex int) sarifResult {
	msg := firstNonEmpty(f.Title, f.RuleID)
	if c := f.Location.Commit; c != nil {
		msg += fmt.Sprintf(" (introduced in commit %s", shortHash(c.Hash))
		if c.Author != "" {
			msg += " by " + c.Author
		}
		msg += ")"
	}
	res := sarifResult{
		RuleID:              f.RuleID,
		RuleIndex:           ruleIndex,
		Level:               sarifLevel(f.Severity),
		Message:             sarifText{Text: msg},
		Locations:           []sarifLocation{{PhysicalLocation: sarifPhysical(f.Location)}},
		PartialFingerprints: map[string]string{finding.FingerprintScheme: f.Fingerprint},
	}
	props := map[string]any{
		"palisade/severity":   f.Severity.String(),
		"palisade/confidence": f.Confidence.String(),
	}
	if f.Scanner != "" {
		props["palisade/scanner"] = f.Scanner
	}
	if c := f.Location.Commit; c != nil {
		commit := map[string]string{"hash": c.Hash}
		if c.Author != "" {
			commit["author"] = c.Author
		}
		if !c.Date.IsZero() {
			commit["date"] = c.Date.UTC().Format("2006-01-02T15:04:05Z")
		}
		props["palisade/commit"] = commit
	}
	if len(f.Properties) > 0 {
		props["palisade/properties"] = f.Properties
	}
	res.Properties = props
	if len(f.Flow) > 0 {
		tf := sarifThreadFlow{Locations: make([]sarifThreadFlowLocation, 0, len(f.Flow))}
		for _, st := range f.Flow {
			loc := sarifFlowLocation{PhysicalLocation: sarifPhysical(st.Location)}
			if st.Message != "" {
				loc.Message = &sarifText{Text: st.Message}
			}
			tf.Locations = append(tf.Locations, sarifThreadFlowLocation{Location: loc})
		}
		res.CodeFlows = []sarifCodeFlow{{ThreadFlows: []sarifThreadFlow{tf}}}
	}
	if s := f.Suppression; s != nil {
		res.Suppressions = []sarifSuppression{sarifSuppressionOf(s)}
	}
	return res
}

func sarifSuppressionOf(s *finding.Suppression) sarifSuppression {
	kind := "external"
	if s.Kind == finding.SuppressedInline {
		kind = "inSource"
	}
	props := map[string]string{"palisade/kind": string(s.Kind)}
	if s.Source != "" {
		props["palisade/source"] = s.Source
	}
	if s.Expires != nil {
		props["palisade/expires"] = s.Expires.UTC().Format("2006-01-02T15:04:05Z")
	}
	return sarifSuppression{
		Kind:          kind,
		Status:        "accepted",
		Justification: firstNonEmpty(s.Reason, "suppressed by "+string(s.Kind)),
		Properties:    props,
	}
}

// sarifPhysical locates a finding relative to %SRCROOT%. Code scanning needs a start line, so a
// finding about a whole file (no line) is anchored at line 1.
func sarifPhysical(l finding.Location) sarifPhysicalLocation {
	region := &sarifRegion{StartLine: max(l.StartLine, 1)}
	if l.StartLine > 0 {
		region.StartColumn = max(l.StartColumn, 0)
		if l.EndLine >= l.StartLine {
			region.EndLine = l.EndLine
			if l.EndColumn > 0 && (l.EndLine > l.StartLine || l.EndColumn >= l.StartColumn) {
				region.EndColumn = l.EndColumn
			}
		}
	}
	if l.Snippet != "" {
		region.Snippet = &sarifText{Text: l.Snippet}
	}
	return sarifPhysicalLocation{
		ArtifactLocation: sarifArtifactLocation{URI: locationURI(l), URIBaseID: srcRoot},
		Region:           region,
	}
}

// locationURI is the artifact URI of a location: its path, or in a container image
// "<layer-digest>/<path>" (as "./sha256:…/usr/lib/…", the "./" keeping the digest's colon from
// reading as a scheme). One relative URI per layer's copy of a file keeps two copies of one path
// apart, and GitHub code scanning accepts a relative URI it cannot find in the checkout (the
// alert is shown without source); a uriBaseId per layer would need an absolute base URI, which a
// layer does not have. Fingerprints leave the layer out, so a rebuilt image matches its baseline.
func locationURI(l finding.Location) string {
	if l.Layer != nil && l.Layer.Digest != "" {
		return relativeURI(l.Layer.Digest + "/" + strings.TrimPrefix(l.Path, "/"))
	}
	return relativeURI(l.Path)
}

func sarifInvocationOf(r *Run) sarifInvocation {
	inv := sarifInvocation{ExecutionSuccessful: true}
	if !r.Started.IsZero() {
		inv.StartTimeUTC = r.Started.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	if !r.Finished.IsZero() {
		inv.EndTimeUTC = r.Finished.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	for _, p := range r.Problems {
		n := sarifNotification{Level: "error", Message: sarifText{Text: firstNonEmpty(p.Message, "problem")}}
		if p.Path != "" {
			pl := sarifPhysicalLocation{ArtifactLocation: sarifArtifactLocation{URI: relativeURI(p.Path), URIBaseID: srcRoot}}
			if p.Line > 0 {
				pl.Region = &sarifRegion{StartLine: p.Line}
			}
			n.Locations = []sarifLocation{{PhysicalLocation: pl}}
		}
		if p.Scanner != "" {
			n.Descriptor = &sarifDescriptorRef{ID: p.Scanner}
		}
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, n)
	}
	return inv
}

// srcRootLocation describes %SRCROOT%. An absolute local target becomes a file: URI ending in a
// slash as SARIF requires; anything else (a relative path, a repository) is only described,
// because the viewer (GitHub: the checkout) knows the root better than we do.
func srcRootLocation(target string) sarifArtifactLocation {
	if strings.HasPrefix(target, "/") {
		p := path.Clean(target)
		if !strings.HasSuffix(p, "/") {
			p += "/"
		}
		return sarifArtifactLocation{URI: (&url.URL{Scheme: "file", Path: p}).String()}
	}
	return sarifArtifactLocation{Description: &sarifText{Text: "The scan root: " + firstNonEmpty(target, "the current directory")}}
}

// relativeURI percent-encodes a slash-separated relative path as a URI reference; a first
// segment with a colon gets "./" so it is not read as a scheme.
func relativeURI(p string) string {
	return (&url.URL{Path: strings.TrimPrefix(p, "/")}).String()
}

// ruleName derives the PascalCase rule name SARIF viewers show from a kebab-case rule ID.
func ruleName(id string) string {
	var b strings.Builder
	upper := true
	for _, r := range id {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			upper = true
			continue
		}
		if upper {
			r = unicode.ToUpper(r)
			upper = false
		}
		b.WriteRune(r)
	}
	if b.Len() == 0 {
		return "Rule"
	}
	return b.String()
}

func markdownEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_{}[]<>()#+!|", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
