package report

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/term"

	"github.com/palisade-sec/palisade/internal/finding"
)

// IsTerminal reports whether w is an interactive terminal, which is when the table may use
// colour. Anything that is not a file descriptor on a terminal (a file, a pipe, a buffer) gets
// plain text, so escape codes never end up in logs or CI artefacts.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(interface{ Fd() uintptr })
	if !ok {
		return false
	}
	return term.IsTerminal(int(f.Fd()))
}

// Table writes findings for people: grouped by severity or by file, each with its rule, title,
// location, commit (for history findings) and redacted snippet, then a summary of what was
// scanned, skipped, suppressed and what went wrong. Control characters from scanned files are
// escaped, so a hostile snippet cannot drive the terminal.
type Table struct {
	// Color turns on ANSI colour for severity labels; set it only when IsTerminal says so.
	Color bool
	// GroupBy chooses the grouping; the zero value groups by severity.
	GroupBy Grouping
}

var _ Writer = (*Table)(nil)

// ANSI SGR sequences for the severity labels.
const (
	ansiReset = "\x1b[0m"
	ansiBold  = "\x1b[1m"
)

func severityColor(s finding.Severity) string {
	switch s {
	case finding.SeverityCritical:
		return "\x1b[1;35m" // bold magenta
	case finding.SeverityHigh:
		return "\x1b[1;31m" // bold red
	case finding.SeverityMedium:
		return "\x1b[33m" // yellow
	case finding.SeverityLow:
		return "\x1b[36m" // cyan
	default:
		return "\x1b[2m" // dim
	}
}

// Write renders r as text.
func (t *Table) Write(w io.Writer, r *Run) error {
	if r == nil {
		return fmt.Errorf("write table report: no run")
	}
	group, err := ParseGrouping(string(t.GroupBy))
	if err != nil {
		return fmt.Errorf("write table report: %w", err)
	}
	r = canonical(r)
	bw := bufio.NewWriter(w)
	tw := &tableWriter{w: bw, color: t.Color}
	tw.header(r)
	var open, suppressed []finding.Finding
	for _, f := range r.Findings {
		if f.Suppressed() {
			suppressed = append(suppressed, f)
		} else {
			open = append(open, f)
		}
	}
	if len(open) == 0 {
		tw.line("No findings.")
		if len(suppressed) > 0 {
			tw.line("(%d suppressed, listed below.)", len(suppressed))
		}
		tw.line("")
	} else if group == GroupByFile {
		tw.byFile(open)
	} else {
		tw.bySeverity(open)
	}
	tw.suppressed(suppressed)
	tw.summary(r, open, suppressed)
	tw.problems(r.Problems)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write table report: %w", err)
	}
	return nil
}

// tableWriter carries the destination and colour choice through the table's sections. Write
// errors are caught once by bufio.Writer.Flush.
type tableWriter struct {
	w     *bufio.Writer
	color bool
}

func (tw *tableWriter) line(format string, args ...any) {
	fmt.Fprintf(tw.w, format, args...)
	tw.w.WriteByte('\n')
}

func (tw *tableWriter) paint(code, s string) string {
	if !tw.color {
		return s
	}
	return code + s + ansiReset
}

func (tw *tableWriter) severityLabel(s finding.Severity) string {
	return tw.paint(severityColor(s), fmt.Sprintf("%-8s", strings.ToUpper(s.String())))
}

func (tw *tableWriter) header(r *Run) {
	name := cmp.Or(r.Tool.Name, "palisade")
	target := cmp.Or(r.Target, "(unnamed target)")
	tw.line("%s: %s", clean(strings.TrimSpace(name+" "+r.Tool.Version)), clean(target))
	if img := r.Image; img != nil {
		line := fmt.Sprintf("image: %d layers", img.Layers)
		if img.Platform != "" {
			line += ", " + img.Platform
		}
		if img.BaseLayers > 0 {
			if img.BaseLayers == 1 {
				line += ", layer 0 from the base image"
			} else {
				line += fmt.Sprintf(", layers 0–%d from the base image", img.BaseLayers-1)
			}
			if img.BaseName != "" {
				line += " " + img.BaseName
			}
		}
		tw.line("%s", clean(line))
		if bu := img.BaseUpdate; bu != nil {
			tw.line("%s", clean(baseUpdateLine(bu)))
		}
	}
	if len(r.Scanners) > 0 {
		tw.line("scanners: %s", clean(strings.Join(r.Scanners, ", ")))
	}
	tw.line("")
}

func (tw *tableWriter) bySeverity(fs []finding.Finding) {
	for i := 0; i < len(fs); {
		sev := fs[i].Severity
		j := i
		for j < len(fs) && fs[j].Severity == sev {
			j++
		}
		tw.line("%s (%d)", tw.paint(severityColor(sev), strings.ToUpper(sev.String())), j-i)
		for _, f := range fs[i:j] {
			tw.finding(f, true)
		}
		tw.line("")
		i = j
	}
}

func (tw *tableWriter) byFile(fs []finding.Finding) {
	fs = slices.Clone(fs)
	slices.SortStableFunc(fs, func(a, b finding.Finding) int {
		return cmp.Or(
			strings.Compare(a.Location.Path, b.Location.Path),
			cmp.Compare(a.Location.StartLine, b.Location.StartLine),
			cmp.Compare(a.Location.StartColumn, b.Location.StartColumn),
			cmp.Compare(b.Severity, a.Severity),
		)
	})
	for i := 0; i < len(fs); {
		path := fs[i].Location.Path
		j := i
		for j < len(fs) && fs[j].Location.Path == path {
			j++
		}
		tw.line("%s (%d)", tw.paint(ansiBold, clean(path)), j-i)
		for _, f := range fs[i:j] {
			tw.finding(f, false)
		}
		tw.line("")
		i = j
	}
}

// finding prints one finding: a headline, its location and the redacted snippet. Under a
// severity heading the severity is already known; under a file heading, the path.
func (tw *tableWriter) finding(f finding.Finding, underSeverity bool) {
	indent := "    "
	var where string
	if underSeverity {
		tw.line("  %s", headline(f))
		where = clean(f.Location.Path) + position(f.Location)
	} else {
		tw.line("  %s %s", tw.severityLabel(f.Severity), headline(f))
		indent = "           "
		switch l := f.Location; {
		case l.StartLine <= 0:
			where = "whole file"
		case l.StartColumn <= 0:
			where = fmt.Sprintf("line %d", l.StartLine)
		default:
			where = fmt.Sprintf("line %d, column %d", l.StartLine, l.StartColumn)
		}
	}
	if c := f.Location.Commit; c != nil {
		where += "  commit " + clean(shortHash(c.Hash))
		if c.Author != "" {
			where += " by " + clean(c.Author)
		}
		if !c.Date.IsZero() {
			where += " on " + c.Date.UTC().Format("2006-01-02")
		}
	}
	if l := f.Location.Layer; l != nil {
		where += "  " + layerLabel(l)
	}
	tw.line("%s%s", indent, where)
	if f.Location.Snippet != "" {
		lines := strings.Split(strings.TrimRight(f.Location.Snippet, "\n"), "\n")
		for _, l := range lines[:min(len(lines), maxSnippetLines)] {
			tw.line("%s| %s", indent, clean(truncate(l, maxSnippetWidth)))
		}
		if n := len(lines) - maxSnippetLines; n > 0 {
			tw.line("%s| … (%s not shown)", indent, count(n, "line"))
		}
	}
}

func (tw *tableWriter) suppressed(fs []finding.Finding) {
	if len(fs) == 0 {
		return
	}
	tw.line("Suppressed (%d)", len(fs))
	for _, f := range fs {
		s := f.Suppression
		loc := clean(f.Location.Path) + position(f.Location)
		text := fmt.Sprintf("  %-11s %s %s  %s", s.Kind, strings.ToUpper(f.Severity.String()), clean(f.RuleID), loc)
		if s.Reason != "" {
			text += ": " + clean(s.Reason)
		}
		if s.Source != "" && !strings.Contains(s.Reason, s.Source) {
			text += " (" + clean(s.Source) + ")"
		}
		if s.Expires != nil {
			text += ", expires " + s.Expires.UTC().Format("2006-01-02")
		}
		tw.line("%s", text)
	}
	tw.line("")
}

func (tw *tableWriter) summary(r *Run, open, suppressed []finding.Finding) {
	tw.line("Summary")
	counts := map[finding.Severity]int{}
	for _, f := range open {
		counts[f.Severity]++
	}
	var parts []string
	for _, s := range slices.Backward(finding.Severities()) {
		parts = append(parts, fmt.Sprintf("%s %d", s, counts[s]))
	}
	if n := counts[finding.SeverityUnknown]; n > 0 {
		parts = append(parts, fmt.Sprintf("unknown %d", n))
	}
	tw.line("  findings    %d (%s)", len(open), strings.Join(parts, ", "))
	byKind := map[finding.SuppressionKind]int{}
	for _, f := range suppressed {
		byKind[f.Suppression.Kind]++
	}
	parts = parts[:0]
	for _, k := range suppressionKinds() {
		parts = append(parts, fmt.Sprintf("%s %d", k, byKind[k]))
	}
	tw.line("  suppressed  %d (%s)", len(suppressed), strings.Join(parts, ", "))
	scanned := count(r.Stats.FilesScanned, "file") + ", " + humanBytes(r.Stats.BytesScanned)
	if r.Stats.Commits > 0 {
		scanned += ", " + count(r.Stats.Commits, "commit")
	}
	tw.line("  scanned     %s", scanned)
	total := 0
	parts = parts[:0]
	skippedBy := skipCounts(r)
	for _, reason := range sortedKeys(skippedBy) {
		n := skippedBy[reason]
		total += n
		parts = append(parts, fmt.Sprintf("%s %d", clean(reason), n))
	}
	if total == 0 {
		tw.line("  skipped     0 paths")
	} else {
		tw.line("  skipped     %s (%s)", count(total, "path"), strings.Join(parts, ", "))
	}
	if d := r.Finished.Sub(r.Started); !r.Started.IsZero() && d >= 0 {
		tw.line("  duration    %s", d.Round(1e6))
	}
}

// skipCounts is Stats.SkippedBy, or, when a producer filled only the Skipped list, the counts
// derived from it.
func skipCounts(r *Run) map[string]int {
	if len(r.Stats.SkippedBy) > 0 || len(r.Skipped) == 0 {
		return r.Stats.SkippedBy
	}
	m := map[string]int{}
	for _, s := range r.Skipped {
		m[s.Reason]++
	}
	return m
}

// problems lists every problem: they are inputs the scan could not check, and hiding them would
// let a broken file pass as clean.
func (tw *tableWriter) problems(ps []finding.Problem) {
	tw.line("")
	if len(ps) == 0 {
		tw.line("Problems: none")
		return
	}
	accepted := 0
	for _, p := range ps {
		if p.Accepted {
			accepted++
		}
	}
	tw.line("%s (%d): these inputs were not fully checked", tw.paint(severityColor(finding.SeverityHigh), "Problems"), len(ps))
	if accepted > 0 {
		tw.line("  %d fail the gate; %d accepted (scan.accept-problems or --fail-on-problems=false)", len(ps)-accepted, accepted)
	}
	for _, p := range ps {
		where := clean(cmp.Or(p.Path, "(scan)"))
		if p.Line > 0 {
			where += ":" + strconv.Itoa(p.Line)
		}
		scanner := ""
		if p.Scanner != "" {
			scanner = "[" + clean(p.Scanner) + "] "
		}
		tag := ""
		switch {
		case p.Kind != "" && p.Accepted:
			tag = "  (" + clean(p.Kind) + ", accepted)"
		case p.Kind != "":
			tag = "  (" + clean(p.Kind) + ", fails the gate)"
		}
		tw.line("  %s  %s%s%s", where, scanner, clean(cmp.Or(p.Message, "(no message)")), tag)
	}
}

// headline is a finding's rule ID and title.
func headline(f finding.Finding) string {
	if f.Title == "" {
		return clean(f.RuleID)
	}
	return clean(f.RuleID) + "  " + clean(f.Title)
}

// The table shows at most this much of a snippet; the machine formats keep all of it.
const (
	maxSnippetLines = 6
	maxSnippetWidth = 160 // characters per line
)

// truncate shortens s to at most n characters, marking the cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// count renders "1 file", "2 files".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// position renders ":line:col" (or ":line", or nothing) for a location.
func position(l finding.Location) string {
	switch {
	case l.StartLine <= 0:
		return ""
	case l.StartColumn <= 0:
		return ":" + strconv.Itoa(l.StartLine)
	default:
		return ":" + strconv.Itoa(l.StartLine) + ":" + strconv.Itoa(l.StartColumn)
	}
}

// layerLabel names a finding's image layer: "layer 3 sha256:0123456789ab (own): RUN make", so a
// reader sees which build step to change and whether the fix belongs to the base image.
func layerLabel(l *finding.Layer) string {
	s := fmt.Sprintf("layer %d", l.Index)
	if l.Digest != "" {
		d := l.Digest
		if len(d) > len("sha256:")+12 {
			d = d[:len("sha256:")+12]
		}
		s += " " + d
	}
	if l.Base {
		s += " (base image)"
	} else {
		s += " (own)"
	}
	if l.CreatedBy != "" {
		s += ": " + truncate(l.CreatedBy, 80)
	}
	return clean(s)
}

// shortHash abbreviates a commit hash the way git shows it.
func shortHash(h string) string {
	if len(h) > 8 {
		return h[:8]
	}
	return h
}

// humanBytes renders a byte count with a binary unit.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// clean makes text from scanned files safe to print on a terminal: control characters (ESC
// above all, which starts terminal escape sequences) and invalid UTF-8 are shown escaped, tabs
// become spaces.
func clean(s string) string {
	ok := true
	for _, r := range s {
		if r == unicode.ReplacementChar || (unicode.IsControl(r) && r != '\t') || isBidi(r) {
			ok = false
			break
		}
	}
	if ok {
		return strings.ReplaceAll(s, "\t", "    ")
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == '\t':
			b.WriteString("    ")
		case r == unicode.ReplacementChar && !strings.HasPrefix(s[i:], string(unicode.ReplacementChar)):
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case unicode.IsControl(r) || isBidi(r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isBidi reports Unicode bidirectional controls, which can make a snippet display differently
// from what the file holds ("Trojan Source", CVE-2021-42574).
func isBidi(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) || r == 0x200E || r == 0x200F || r == 0x061C
}

// baseUpdateLine is the table's one line of --check-base-update: "newer base debian:12.8 would
// remove 7 of 9 base-image findings", or why it could not say.
func baseUpdateLine(bu *BaseUpdate) string {
	switch {
	case bu.Checked:
		return fmt.Sprintf("newer base %s would remove %d of %d base-image findings", bu.Newer, bu.Removed, bu.Findings)
	case bu.Note != "":
		return "newer base: " + bu.Note
	}
	return "newer base: not checked (see problems)"
}
