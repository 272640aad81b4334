package secret

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/scan"
)

// Options configure the analyzer. The zero value runs every built-in rule with default decoding.
type Options struct {
	// Disable lists rule IDs not to run; an ID that names no rule is an error.
	Disable []string
	// Extra rules run beside the built-ins; they follow the same model and checks.
	Extra []Rule
	// MaxDecodeBytes bounds the decoded bytes scanned per file (default DefaultDecodeBytes);
	// negative turns decoding off.
	MaxDecodeBytes int
	// MaxDecodeDepth bounds nested decoding (default DefaultDecodeDepth); negative turns it off.
	MaxDecodeDepth int
}

// Analyzer finds secrets in files. It implements scan.FileAnalyzer with both optional
// capabilities — scan.StreamAnalyzer (files of any size, in bounded memory) and
// scan.BinaryAnalyzer (the printable runs of binary files) — and scan.RuleLister. It is safe for
// concurrent use.
type Analyzer struct {
	det   *detector
	rules []finding.Rule
	err   error
}

var (
	_ scan.FileAnalyzer   = (*Analyzer)(nil)
	_ scan.StreamAnalyzer = (*Analyzer)(nil)
	_ scan.BinaryAnalyzer = (*Analyzer)(nil)
	_ scan.RuleLister     = (*Analyzer)(nil)
)

// New compiles the built-in rules, minus opts.Disable, plus opts.Extra. A bad option (an unknown
// rule ID to disable, an invalid extra rule) does not panic: Err reports it, and AnalyzeFile
// fails closed with it rather than scanning with a rule set the user did not ask for.
func New(opts Options) *Analyzer {
	a := &Analyzer{}
	rules, err := selectRules(Builtin(), opts)
	if err != nil {
		a.err = fmt.Errorf("secret analyzer: %w", err)
		return a
	}
	db, dd := opts.MaxDecodeBytes, opts.MaxDecodeDepth
	if db == 0 {
		db = DefaultDecodeBytes
	}
	if dd == 0 {
		dd = DefaultDecodeDepth
	}
	det, err := newDetector(rules, db, dd)
	if err != nil {
		a.err = fmt.Errorf("secret analyzer: %w", err)
		return a
	}
	a.det = det
	for i := range rules {
		a.rules = append(a.rules, rules[i].Info())
	}
	return a
}

func selectRules(builtin []Rule, opts Options) ([]Rule, error) {
	known := map[string]bool{}
	for _, r := range builtin {
		known[r.ID] = true
	}
	for _, r := range opts.Extra {
		known[r.ID] = true
	}
	for _, id := range opts.Disable {
		if !known[id] {
			return nil, fmt.Errorf("disable rule %q: no such rule", id)
		}
	}
	var out []Rule
	for _, r := range slices.Concat(builtin, opts.Extra) {
		if !slices.Contains(opts.Disable, r.ID) {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("every rule is disabled")
	}
	return out, nil
}

// Err reports a configuration error from New, so a caller can refuse to start.
func (a *Analyzer) Err() error { return a.err }

// Name is the ID users pick with --scanners.
func (a *Analyzer) Name() string { return "secret" }

// Rules describes the enabled rules for reports.
func (a *Analyzer) Rules() []finding.Rule { return slices.Clone(a.rules) }

// AnalyzeFile returns the secrets in f. Findings hold the secret only redacted (in the snippet)
// and hashed (in the fingerprint).
func (a *Analyzer) AnalyzeFile(ctx context.Context, f *scan.File) ([]finding.Finding, error) {
	if a.err != nil {
		return nil, a.err
	}
	out, exhausted, err := a.regionFindings(ctx, f, region{text: f.Content, orig: f.Content, line: 1, col: 1, keepTo: len(f.Content)})
	if err != nil {
		return nil, err
	}
	return out, a.incomplete(f.Path, exhausted)
}

// incomplete is the problem of a file whose encoded content outran the decoding budget.
func (a *Analyzer) incomplete(path string, exhausted bool) error {
	if !exhausted {
		return nil
	}
	return &scan.Incomplete{Problems: []finding.Problem{{Path: path, Message: fmt.Sprintf(
		"encoded content beyond the per-file decoding budget (%d bytes decoded) was not scanned for secrets", a.det.decodeBytes), Kind: finding.ProblemTooLarge}}}
}

// region is a stretch of a file the detector runs over at once: the whole file, or one chunk of
// a stream.
type region struct {
	// text is what the detector reads: the content, or a binary's printable-runs view of it.
	text []byte
	// orig holds the file's bytes at the same offsets as text; lines and columns count in it.
	orig []byte
	// line and col are the 1-based position of orig[0] in the file.
	line, col int
	// keepFrom and keepTo bound, in orig, where a match must start to be reported: a stream's
	// chunks overlap, and each match belongs to exactly one chunk.
	keepFrom, keepTo int
	// origOf maps an offset of text to the offset in orig it was read from, when text is not
	// offset for offset the same as orig (the UTF-16 view of a binary); nil is the identity.
	origOf func(int) int
	// encoding names how text was read from orig ("utf-16le"), for the finding's "decoded"
	// property; "" when text is orig or its printable view.
	encoding string
}

// regionFindings detects the secrets of one region and turns those it keeps into findings.
func (a *Analyzer) regionFindings(ctx context.Context, f *scan.File, rg region) ([]finding.Finding, bool, error) {
	ms, exhausted, err := a.det.detectReport(ctx, rg.text, isSourceCode(f.Path))
	if err != nil {
		return nil, false, fmt.Errorf("scan %s for secrets: %w", f.Path, err)
	}
	if len(ms) == 0 {
		return nil, exhausted, nil
	}
	out := make([]finding.Finding, 0, len(ms))
	pos := newPositioner(rg.orig, rg.line, rg.col)
	for i := range ms {
		m := &ms[i]
		at, to := m.at, m.to
		if rg.origOf != nil {
			at, to = rg.origOf(at), rg.origOf(to)
		}
		if at < rg.keepFrom || at >= rg.keepTo {
			continue
		}
		r := a.det.rules[m.rule]
		sl, sc := pos.at(at)
		el, ec := endOf(rg.orig, at, to, sl, sc)
		fd := finding.Finding{
			RuleID:      r.ID,
			Title:       r.Title,
			Description: r.Description,
			Severity:    r.Severity,
			Confidence:  r.confidence(),
			CWE:         r.cwe(),
			Location: finding.Location{
				Path:        f.Path,
				StartLine:   sl + f.LineOffset,
				StartColumn: sc,
				EndLine:     el + f.LineOffset,
				EndColumn:   ec,
				Snippet:     snippet(rg.text, ms, i),
				Commit:      f.Commit,
			},
			Fingerprint: finding.Fingerprint(r.ID, f.Path, string(m.secret)),
			Remediation: r.Remediation,
			References:  r.References,
			Scanner:     "secret",
		}
		if decoded := strings.Trim(rg.encoding+"/"+m.decoded, "/"); decoded != "" {
			fd.Properties = map[string]string{"decoded": decoded}
		}
		out = append(out, fd)
	}
	return out, exhausted, nil
}

// positioner turns increasing byte offsets into 1-based lines and columns (in characters; an
// invalid UTF-8 byte counts as one) in time linear in the file, however many findings it has.
// line0 and col0 are the position of b[0], which is not the file's first byte in a stream chunk.
type positioner struct {
	b              []byte
	off, line, col int
	lineStart      int
	line0, col0    int
}

func newPositioner(b []byte, line, col int) *positioner {
	return &positioner{b: b, line: line, col: col, line0: line, col0: col}
}

func (p *positioner) at(off int) (line, col int) {
	if off < p.off { // a multi-line match reported from before its secret; rare, start over
		*p = *newPositioner(p.b, p.line0, p.col0)
	}
	seg := p.b[p.off:off]
	if nl := bytes.Count(seg, []byte{'\n'}); nl > 0 {
		p.line += nl
		p.lineStart = p.off + bytes.LastIndexByte(seg, '\n') + 1
		p.col = 1 + utf8.RuneCount(p.b[p.lineStart:off])
	} else {
		p.col += utf8.RuneCount(seg)
	}
	p.off = off
	return p.line, p.col
}

// endOf returns the line and the column just past the last character of [start, end).
func endOf(b []byte, start, end, line, col int) (int, int) {
	seg := b[start:end]
	nl := bytes.Count(seg, []byte{'\n'})
	if nl == 0 {
		return line, col + utf8.RuneCount(seg)
	}
	return line + nl, 1 + utf8.RuneCount(seg[bytes.LastIndexByte(seg, '\n')+1:])
}

// snippetReach is how much of the line around a secret a snippet keeps on each side.
const snippetReach = 80

// snippet returns the line holding ms[i], trimmed to snippetReach around it, with every secret
// that overlaps the shown text — this one and any neighbour — replaced by its redacted form.
func snippet(b []byte, ms []match, i int) string {
	m := ms[i]
	lo := max(0, m.at-snippetReach)
	if j := bytes.LastIndexByte(b[lo:m.at], '\n'); j >= 0 {
		lo += j + 1
	}
	hi := min(len(b), max(m.to, m.end)+snippetReach)
	lineEnd := bytes.IndexByte(b[m.at:hi], '\n')
	if lineEnd >= 0 {
		hi = m.at + lineEnd
	}
	var sb strings.Builder
	if lo > 0 && b[lo-1] != '\n' {
		sb.WriteString("…")
	}
	pos := lo
	// Matches are deduplicated, so they do not overlap and ordering by start orders ends too:
	// the neighbours that can reach into [lo, hi) sit right around i.
	first := i
	for first > 0 && ms[first-1].end > lo {
		first--
	}
	for k := first; k < len(ms) && ms[k].start < hi; k++ {
		o := ms[k]
		if o.start > pos {
			sb.Write(b[pos:o.start])
		}
		if o.end > pos {
			sb.WriteString(finding.Redact(string(o.secret)))
			pos = o.end
			// A rule may capture only the first part of a longer value (regex repeat limits);
			// hide the rest of the token too rather than show what follows the capture.
			for pos < hi && tokenByte(b[pos]) {
				pos++
			}
		}
	}
	if pos < hi {
		sb.Write(b[pos:hi])
	}
	if hi < len(b) && b[hi] != '\n' && hi > m.at {
		sb.WriteString("…")
	}
	s := strings.TrimRight(sb.String(), "\r")
	return strings.ToValidUTF8(s, "\uFFFD")
}

// isSourceCode reports whether path is program source by its extension: there, a bare value after
// "password =" is an expression, so LiteralInCode rules look only at string literals. Shell
// scripts are not in the list: in them a bare word is a literal.
func isSourceCode(path string) bool {
	ext := path
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		ext = path[i+1:]
	} else {
		return false
	}
	switch strings.ToLower(ext) {
	case "go", "js", "mjs", "cjs", "jsx", "ts", "tsx", "java", "kt", "kts", "scala", "groovy", "py", "rb", "php",
		"cs", "fs", "vb", "c", "h", "cc", "cpp", "cxx", "hpp", "hh", "rs", "swift", "m", "mm", "dart", "lua", "pl",
		"pm", "ex", "exs", "erl", "hs", "clj", "cljs", "r", "jl", "zig", "nim", "tf", "hcl", "sol", "vue", "svelte":
		return true
	}
	return false
}

// tokenByte reports whether c can continue a secret token (base64, hex, URL-safe alphabets).
func tokenByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=' || c == '_' || c == '-'
}
