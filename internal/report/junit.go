package report

import (
	"bytes"
	"cmp"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/palisade-sec/palisade/internal/finding"
)

// JUnit writes the Run as JUnit XML for CI test-report views (Jenkins, GitLab, Azure DevOps):
// one testsuite per scanner, one testcase per rule and file, a failure when the testcase holds
// an unsuppressed finding at or above the gate (FailOn), skipped — with a message saying why —
// when its findings are all below the gate or all suppressed, and an error testcase for every
// problem the gate did not accept (skipped, marked accepted, for the others), so an input the
// scan could not read is never reported as passing. A scanner that found nothing gets one passing
// testcase, because most readers treat an empty report as "no tests ran". Only the elements and
// attributes of the strictest common schema (Jenkins xUnit's junit-10.xsd) are used.
type JUnit struct {
	// FailOn is the gate; the zero value fails every unsuppressed finding.
	FailOn finding.Severity
}

var _ Writer = JUnit{}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Errors    int         `xml:"errors,attr"`
	Skipped   int         `xml:"skipped,attr"`
	Time      string      `xml:"time,attr"`
	Timestamp string      `xml:"timestamp,attr,omitempty"`
	Cases     []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure"`
	Error     *junitMessage `xml:"error"`
	Skipped   *junitMessage `xml:"skipped"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Body    string `xml:",cdata"` // CDATA keeps multi-line bodies readable; xmlText makes it valid
}

// Write encodes r as a JUnit XML document.
func (j JUnit) Write(w io.Writer, r *Run) error {
	if r == nil {
		return errors.New("write JUnit report: no run")
	}
	r = canonical(r)
	doc := junitSuites{Name: cmp.Or(r.Tool.Name, "palisade"), Time: "0"}
	if d := r.Finished.Sub(r.Started); !r.Started.IsZero() && d > 0 {
		doc.Time = strconv.FormatFloat(d.Seconds(), 'f', 3, 64)
	}
	timestamp := ""
	if !r.Started.IsZero() {
		timestamp = r.Started.UTC().Format("2006-01-02T15:04:05")
	}
	for _, name := range junitScanners(r) {
		s := junitSuite{Name: name, Time: "0", Timestamp: timestamp}
		s.Cases = junitCases(name, r, j.FailOn)
		for _, c := range s.Cases {
			switch {
			case c.Failure != nil:
				s.Failures++
			case c.Error != nil:
				s.Errors++
			case c.Skipped != nil:
				s.Skipped++
			}
		}
		s.Tests = len(s.Cases)
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Errors += s.Errors
		doc.Suites = append(doc.Suites, s)
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write JUnit report: %w", err)
	}
	buf.WriteByte('\n')
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write JUnit report: %w", err)
	}
	return nil
}

// junitScanners lists the suites: the scanners that ran, then any other scanner a finding or a
// problem names, and "palisade" for problems that name no scanner.
func junitScanners(r *Run) []string {
	var names []string
	add := func(n string) {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	for _, s := range r.Scanners {
		add(s)
	}
	var extra []string
	for _, f := range r.Findings {
		if !slices.Contains(names, junitScanner(f.Scanner)) {
			extra = append(extra, junitScanner(f.Scanner))
		}
	}
	for _, p := range r.Problems {
		if !slices.Contains(names, junitScanner(p.Scanner)) {
			extra = append(extra, junitScanner(p.Scanner))
		}
	}
	slices.Sort(extra)
	for _, s := range extra {
		add(s)
	}
	if len(names) == 0 {
		add("palisade")
	}
	return names
}

func junitScanner(s string) string { return cmp.Or(s, "palisade") }

// junitCases builds the testcases of one scanner's suite.
func junitCases(scanner string, r *Run, failOn finding.Severity) []junitCase {
	var fs []finding.Finding
	for _, f := range r.Findings {
		if junitScanner(f.Scanner) == scanner {
			fs = append(fs, f)
		}
	}
	// Group by rule and file, in rule then path order.
	slices.SortStableFunc(fs, func(a, b finding.Finding) int {
		return cmp.Or(strings.Compare(a.RuleID, b.RuleID), strings.Compare(a.Location.Path, b.Location.Path),
			cmp.Compare(a.Location.StartLine, b.Location.StartLine), cmp.Compare(a.Location.StartColumn, b.Location.StartColumn))
	})
	var cases []junitCase
	for i := 0; i < len(fs); {
		j := i
		for j < len(fs) && fs[j].RuleID == fs[i].RuleID && fs[j].Location.Path == fs[i].Location.Path {
			j++
		}
		cases = append(cases, junitFindingCase(scanner, fs[i:j], failOn))
		i = j
	}
	for _, p := range r.Problems {
		if junitScanner(p.Scanner) != scanner {
			continue
		}
		where := cmp.Or(p.Path, "(scan)")
		if p.Line > 0 {
			where += ":" + strconv.Itoa(p.Line)
		}
		msg := firstNonEmpty(p.Message, "(no message)")
		c := junitCase{Name: "problem: " + where, Classname: "palisade." + scanner + ".problems", Time: "0"}
		if p.Accepted {
			c.Skipped = &junitMessage{Message: "accepted problem (" + p.Kind + "): " + msg, Body: xmlText(where + ": " + msg)}
		} else {
			c.Error = &junitMessage{Message: msg, Type: cmp.Or(p.Kind, "problem"), Body: xmlText(where + ": " + msg)}
		}
		cases = append(cases, c)
	}
	if len(cases) == 0 {
		cases = append(cases, junitCase{Name: "no findings", Classname: "palisade." + scanner, Time: "0"})
	}
	return cases
}

// junitFindingCase is one rule in one file: a failure listing every unsuppressed finding (and,
// for the audit trail, the suppressed ones beside them) when one is at or above the gate, or
// skipped with the reason when all are below the gate or suppressed.
func junitFindingCase(scanner string, fs []finding.Finding, failOn finding.Severity) junitCase {
	first := fs[0]
	c := junitCase{
		Name:      first.RuleID + ": " + first.Location.Path,
		Classname: "palisade." + scanner + "." + first.RuleID,
		Time:      "0",
	}
	var open, suppressed int
	worst := finding.SeverityUnknown
	var body strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&body, "%s%s %s %s", f.Location.Path, position(f.Location), strings.ToUpper(f.Severity.String()), firstNonEmpty(f.Title, f.RuleID))
		if cm := f.Location.Commit; cm != nil {
			fmt.Fprintf(&body, " (commit %s", shortHash(cm.Hash))
			if cm.Author != "" {
				fmt.Fprintf(&body, " by %s", cm.Author)
			}
			body.WriteString(")")
		}
		if s := f.Suppression; s != nil {
			suppressed++
			fmt.Fprintf(&body, " [suppressed, %s", s.Kind)
			if s.Reason != "" {
				fmt.Fprintf(&body, ": %s", s.Reason)
			}
			body.WriteString("]")
		} else {
			open++
			worst = max(worst, f.Severity)
		}
		body.WriteString("\n")
		if f.Location.Snippet != "" {
			for l := range strings.SplitSeq(strings.TrimRight(f.Location.Snippet, "\n"), "\n") {
				fmt.Fprintf(&body, "    %s\n", l)
			}
		}
		if f.Remediation != "" && f.Suppression == nil {
			fmt.Fprintf(&body, "    fix: %s\n", f.Remediation)
		}
	}
	msg := &junitMessage{Body: xmlText(body.String())}
	if open > 0 && worst < failOn {
		i := slices.IndexFunc(fs, func(f finding.Finding) bool { return !f.Suppressed() })
		msg.Message = fmt.Sprintf("%d finding(s) below the gate (%s), at most %s: %s", open, failOn, worst, firstNonEmpty(fs[i].Title, fs[i].RuleID))
		c.Skipped = msg
	} else if open > 0 {
		i := slices.IndexFunc(fs, func(f finding.Finding) bool { return !f.Suppressed() })
		msg.Message = fmt.Sprintf("%d %s finding(s): %s", open, worst, firstNonEmpty(fs[i].Title, fs[i].RuleID))
		msg.Type = worst.String()
		c.Failure = msg
	} else {
		msg.Message = fmt.Sprintf("%d suppressed finding(s): %s", suppressed, firstNonEmpty(first.Title, first.RuleID))
		c.Skipped = msg
	}
	return c
}

// xmlText replaces what XML 1.0 cannot hold (most control characters, invalid UTF-8) with U+FFFD.
// encoding/xml does this for attributes and character data but writes CDATA as given.
func xmlText(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return r
		case r < 0x20, r == utf8.RuneError, r >= 0xD800 && r <= 0xDFFF, r == 0xFFFE, r == 0xFFFF:
			return utf8.RuneError
		}
		return r
	}, strings.ToValidUTF8(s, string(utf8.RuneError)))
}
