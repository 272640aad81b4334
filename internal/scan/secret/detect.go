package secret

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"
)

// Bounds that keep time and memory proportional to the input, whatever its shape.
const (
	// reachBefore and reachAfter are how far, on its own line, a keyword hit's window reaches
	// back and forward; on a minified or 50 MB single line the window is this slice, not the
	// line. A rule's context (a variable name) sits shortly before its keyword; the value, up to
	// about 1000 bytes, after it.
	reachBefore = 256
	reachAfter  = 1280
	// maxWindow caps one merged window; longer runs of windows are split with an overlap of
	// windowOverlap so a secret that straddles the cut is still seen whole.
	maxWindow     = 64 << 10
	windowOverlap = 1024
	// allowMatchBefore is how much of the line before a match AllowMatch sees.
	allowMatchBefore = 48
	// maxMultiLine bounds Rule.MultiLine.
	maxMultiLine = 64 << 10
	// DefaultDecodeBytes and DefaultDecodeDepth bound decoding per file: the total number of
	// decoded bytes scanned again, and how many encodings deep.
	DefaultDecodeBytes = 1 << 20
	DefaultDecodeDepth = 3
)

// detector runs a set of compiled rules over content. It is immutable after newDetector and
// safe for concurrent use.
type detector struct {
	rules       []*compiledRule
	kw          *keywordMatcher
	kwRules     [][]int32 // keyword index → indexes into rules
	decodeBytes int
	decodeDepth int
	classes     [256]uint8 // byte classes for finding encoded runs
	scratch     sync.Pool  // *scratch, reused across files to spare the garbage collector
}

// scratch holds the per-rule window lists of one keyword pass; touched lists the rules that got
// windows, so resetting costs what the file used, not the number of rules.
type scratch struct {
	wins    [][]span
	touched []int32
}

// match is one secret found: offsets into the scanned content and the secret itself. For a secret
// found in decoded text the offsets span the encoded run in the outer content.
type match struct {
	rule       int
	start, end int // the secret
	// at, to is what the finding's location spans: the secret, or for a multi-line rule the whole
	// match (a private key is reported from its BEGIN line), or for a decoded one the encoded run.
	at, to  int
	secret  []byte
	decoded string // "", "base64", "hex", "percent", or a chain "base64/hex"
}

type span struct{ start, end int }

// newDetector compiles rules once. decodeBytes and decodeDepth bound decoding per file; zero or
// negative decodeBytes or decodeDepth turns decoding off.
func newDetector(rules []Rule, decodeBytes, decodeDepth int) (*detector, error) {
	d := &detector{decodeBytes: decodeBytes, decodeDepth: decodeDepth, classes: byteClasses()}
	kwIndex := map[string]int32{}
	var keywords []string
	seen := map[string]bool{}
	for i := range rules {
		r := &rules[i]
		if seen[r.ID] {
			return nil, fmt.Errorf("rule %s: duplicate id", r.ID)
		}
		seen[r.ID] = true
		c, err := compile(r)
		if err != nil {
			return nil, err
		}
		ri := int32(len(d.rules))
		d.rules = append(d.rules, c)
		for _, k := range r.Keywords {
			ki, ok := kwIndex[k]
			if !ok {
				ki = int32(len(keywords))
				kwIndex[k] = ki
				keywords = append(keywords, k)
				d.kwRules = append(d.kwRules, nil)
			}
			if !slices.Contains(d.kwRules[ki], ri) {
				d.kwRules[ki] = append(d.kwRules[ki], ri)
			}
		}
	}
	if len(keywords) == 0 {
		return nil, fmt.Errorf("no rules to run")
	}
	d.kw = newKeywordMatcher(keywords)
	return d, nil
}

// detectReport is detect that also reports whether the decoding budget ran out, leaving some
// encoded content unscanned.
func (d *detector) detectReport(ctx context.Context, content []byte, code bool) ([]match, bool, error) {
	budget := d.decodeBytes
	ms, err := d.detectDepth(ctx, content, 0, &budget, code)
	if err != nil {
		return nil, false, err
	}
	return dedupe(d, ms), budget < 0, nil
}

func (d *detector) detectDepth(ctx context.Context, content []byte, depth int, budget *int, code bool) ([]match, error) {
	sc, _ := d.scratch.Get().(*scratch)
	if sc == nil {
		sc = &scratch{wins: make([][]span, len(d.rules))}
	}
	ms := d.keywordPass(content, code, sc)
	for _, ri := range sc.touched {
		if err := ctx.Err(); err != nil {
			sc.reset()
			d.scratch.Put(sc)
			return nil, err
		}
		r := d.rules[ri]
		for _, w := range sc.wins[ri] {
			for _, loc := range r.re.FindAllSubmatchIndex(content[w.start:w.end], -1) {
				ms = d.consider(ms, int(ri), content, w.start, loc, code)
			}
		}
	}
	sc.reset()
	d.scratch.Put(sc)
	if depth < d.decodeDepth && *budget > 0 {
		dm, err := d.decodeAndDetect(ctx, content, depth, budget)
		if err != nil {
			return nil, err
		}
		ms = append(ms, dm...)
	}
	return ms, nil
}

// consider checks one regex match of rule ri (loc is relative to base) against the rule's
// boundary, literal, entropy and allow filters and appends it to ms when it passes.
func (d *detector) consider(ms []match, ri int, content []byte, base int, loc []int, code bool) []match {
	r := d.rules[ri]
	if r.wordStart && !wordBoundary(content, base+loc[0]) {
		return ms
	}
	s, e := secretSpan(loc)
	if s < 0 {
		return ms
	}
	s, e = trimSpace(content, base+s, base+e)
	if s >= e {
		return ms
	}
	if code && r.LiteralInCode && !quotedAt(content, s) {
		return ms
	}
	ctxStart := max(0, base+loc[0]-allowMatchBefore)
	if i := bytes.LastIndexByte(content[ctxStart:base+loc[0]], '\n'); i >= 0 {
		ctxStart += i + 1
	}
	if !r.accept(content[s:e], content[ctxStart:base+loc[1]]) {
		return ms
	}
	at, to := s, e
	if r.MultiLine > 0 {
		at, to = base+loc[0], base+loc[1]
	}
	return append(ms, match{rule: ri, start: s, end: e, at: at, to: to, secret: content[s:e]})
}

// keywordPass runs the one keyword pass over content. Rules anchored at their keyword are tried
// right there, once per hit, and their matches returned; for the others it fills sc with, per
// rule, the merged windows their regex must search. Rules whose keywords do not occur never run.
func (d *detector) keywordPass(content []byte, code bool, sc *scratch) []match {
	var ms []match
	n := len(content)
	// The current line, found incrementally: hits arrive in order, so each byte is searched for
	// a newline at most once whatever the number of hits or the length of the line.
	lineStart, lineEnd := 0, -1
	d.kw.scan(content, func(kw int32, end int) {
		pos := end - d.kw.lens[kw]
		if pos > lineEnd {
			from := max(lineEnd, 0)
			if i := bytes.LastIndexByte(content[from:pos], '\n'); i >= 0 {
				lineStart = from + i + 1
			} else if lineEnd >= 0 {
				lineStart = lineEnd + 1
			}
			if i := bytes.IndexByte(content[pos:], '\n'); i >= 0 {
				lineEnd = pos + i
			} else {
				lineEnd = n
			}
		}
		w := span{max(lineStart, pos-reachBefore), min(lineEnd, end+reachAfter)}
		for _, ri := range d.kwRules[kw] {
			r := d.rules[ri]
			if r.anchoredRe != nil {
				if loc := r.anchoredRe.FindSubmatchIndex(content[pos:w.end]); loc != nil {
					ms = d.consider(ms, int(ri), content, pos, loc, code)
				}
				continue
			}
			rw := w
			if ml := r.MultiLine; ml > 0 {
				// Past the hit's line, but never further than a key of ml bytes can reach from
				// the hit: on a long line (a PEM key with escaped newlines in minified JSON, or
				// a line of nothing but BEGIN markers) the window would otherwise run to the
				// line's end, and the regex over it would cost the line for every window.
				rw.end = min(n, lineEnd+ml, end+reachAfter+ml)
			}
			if len(sc.wins[ri]) == 0 {
				sc.touched = append(sc.touched, ri)
			}
			sc.wins[ri] = addWindow(sc.wins[ri], rw)
		}
	})
	slices.Sort(sc.touched) // rules run in list order, so results do not depend on hit order
	return ms
}

// reset empties the window lists for reuse, keeping their storage unless a huge file grew it.
func (sc *scratch) reset() {
	for _, ri := range sc.touched {
		if cap(sc.wins[ri]) > 4096 {
			sc.wins[ri] = nil
		} else {
			sc.wins[ri] = sc.wins[ri][:0]
		}
	}
	sc.touched = sc.touched[:0]
}

// addWindow merges w into ws (whose last window ends latest), splitting windows at maxWindow.
func addWindow(ws []span, w span) []span {
	if len(ws) == 0 {
		return append(ws, w)
	}
	last := &ws[len(ws)-1]
	if w.start > last.end {
		return append(ws, w)
	}
	if w.end <= last.end {
		return ws
	}
	if w.end-last.start <= maxWindow {
		last.end = w.end
		return ws
	}
	return append(ws, span{max(w.start, last.end-windowOverlap), w.end})
}

// dedupe drops overlapping matches: a specific rule beats a generic one, a direct match beats a
// decoded one, and otherwise the rule listed first wins. The result is ordered by offset.
func dedupe(d *detector, ms []match) []match {
	slices.SortFunc(ms, func(a, b match) int {
		if a.start != b.start {
			return a.start - b.start
		}
		if a.end != b.end {
			return b.end - a.end
		}
		return a.rule - b.rule
	})
	rank := func(m *match) int {
		r := 0
		if !d.rules[m.rule].Generic {
			r += 2
		}
		if m.decoded == "" {
			r++
		}
		return r
	}
	kept := ms[:0:0]
	var active []int // indexes into kept that may still overlap later matches
	for i := range ms {
		m := ms[i]
		live := active[:0]
		for _, k := range active {
			if kept[k].end > m.start {
				live = append(live, k)
			}
		}
		active = live
		drop := false
		for _, k := range active {
			if kept[k].rule < 0 {
				continue
			}
			if rank(&kept[k]) >= rank(&m) {
				drop = true
				break
			}
		}
		if drop {
			continue
		}
		for _, k := range active {
			if kept[k].rule >= 0 {
				kept[k].rule = -1 // outranked by m
			}
		}
		kept = append(kept, m)
		active = append(active, len(kept)-1)
	}
	out := kept[:0]
	for _, m := range kept {
		if m.rule >= 0 {
			out = append(out, m)
		}
	}
	return out
}

// wordBoundary reports whether \b holds at offset i of b (ASCII word characters, as RE2).
func wordBoundary(b []byte, i int) bool {
	before := i > 0 && isWordByte(b[i-1])
	after := i < len(b) && isWordByte(b[i])
	return before != after
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// trimSpace narrows the span [s, e) of b past leading and trailing ASCII white space, so a
// private key's body is located at its first base64 character, not the newline before it.
func trimSpace(b []byte, s, e int) (int, int) {
	if s < 0 {
		return s, e
	}
	for s < e && (b[s] == ' ' || b[s] == '\t' || b[s] == '\n' || b[s] == '\r') {
		s++
	}
	for e > s && (b[e-1] == ' ' || b[e-1] == '\t' || b[e-1] == '\n' || b[e-1] == '\r') {
		e--
	}
	return s, e
}

// quotedAt reports whether the byte before offset i opens a string literal.
func quotedAt(b []byte, i int) bool {
	return i > 0 && (b[i-1] == '"' || b[i-1] == '\'' || b[i-1] == '`')
}

// secretSpan returns the secret's offsets in a submatch index list: the first capture group that
// took part in the match (rules with alternatives capture each in its own group), or the whole
// match when the regex has no group.
func secretSpan(loc []int) (int, int) {
	if len(loc) == 2 {
		return loc[0], loc[1]
	}
	for g := 2; g+1 < len(loc); g += 2 {
		if loc[g] >= 0 {
			return loc[g], loc[g+1]
		}
	}
	return -1, -1
}
