package secret

import (
	"bytes"
	"context"
	"fmt"
	"slices"
)

// Bounds that keep time and memory proportional to the input, whatever its shape.
const (
	// lineReach is how far, on its own line, a keyword hit's window reaches each way; on a
	// minified or 50 MB single line the window is this slice, not the line.
	lineReach = 2048
	// maxWindow caps one merged window; longer runs of windows are split with an overlap of
	// windowOverlap so a secret that straddles the cut is still seen whole.
	maxWindow     = 64 << 10
	windowOverlap = 1024
	// maxMultiLine bounds Rule.MultiLine.
	maxMultiLine = 64 << 10
	// DefaultDecodeBytes and DefaultDecodeDepth bound decoding per file: the total number of
	// decoded bytes scanned again, and how many encodings deep.
	DefaultDecodeBytes = 1 << 20
	DefaultDecodeDepth = 3
)

// Detector runs a set of compiled rules over content. It is immutable after NewDetector and
// safe for concurrent use.
type Detector struct {
	rules       []*compiledRule
	kw          *keywordMatcher
	kwRules     [][]int32 // keyword index → indexes into rules
	decodeBytes int
	decodeDepth int
	classes     [256]uint8 // byte classes for finding encoded runs
}

// match is one secret found: offsets into the scanned content and the secret itself. For a secret
// found in decoded text the offsets span the encoded run in the outer content.
type match struct {
	rule       int
	start, end int
	secret     []byte
	decoded    string // "", "base64", "hex", "percent", or a chain "base64/hex"
}

type span struct{ start, end int }

// NewDetector compiles rules once. decodeBytes and decodeDepth bound decoding per file; zero or
// negative decodeBytes or decodeDepth turns decoding off.
func NewDetector(rules []Rule, decodeBytes, decodeDepth int) (*Detector, error) {
	d := &Detector{decodeBytes: decodeBytes, decodeDepth: decodeDepth, classes: byteClasses()}
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

// detect returns the secrets in content, deduplicated and ordered by offset.
func (d *Detector) detect(ctx context.Context, content []byte) ([]match, error) {
	budget := d.decodeBytes
	ms, err := d.detectDepth(ctx, content, 0, &budget)
	if err != nil {
		return nil, err
	}
	return dedupe(d, ms), nil
}

func (d *Detector) detectDepth(ctx context.Context, content []byte, depth int, budget *int) ([]match, error) {
	wins := d.windows(content)
	var ms []match
	for ri, ws := range wins {
		if len(ws) == 0 {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		r := d.rules[ri]
		for _, w := range ws {
			for _, loc := range r.re.FindAllSubmatchIndex(content[w.start:w.end], -1) {
				s, e := secretSpan(loc)
				if s < 0 || s == e {
					continue
				}
				secret := content[w.start+s : w.start+e]
				if !r.accept(secret, content[w.start+loc[0]:w.start+loc[1]]) {
					continue
				}
				ms = append(ms, match{rule: ri, start: w.start + s, end: w.start + e, secret: secret})
			}
		}
	}
	if depth < d.decodeDepth && *budget > 0 {
		dm, err := d.decodeAndDetect(ctx, content, depth, budget)
		if err != nil {
			return nil, err
		}
		ms = append(ms, dm...)
	}
	return ms, nil
}

// windows runs the one keyword pass over content and returns, per rule, the merged windows its
// regex must search. Rules whose keywords do not occur get none and never run.
func (d *Detector) windows(content []byte) [][]span {
	wins := make([][]span, len(d.rules))
	n := len(content)
	curStart, curEnd, curOK := 0, 0, false
	d.kw.scan(content, func(kw int32, end int) {
		pos := end - d.kw.lens[kw]
		if !curOK || pos < curStart || end > curEnd {
			curStart, curEnd, curOK = lineAround(content, pos, end)
		}
		for _, ri := range d.kwRules[kw] {
			w := span{curStart, curEnd}
			if ml := d.rules[ri].MultiLine; ml > 0 {
				w.end = min(n, curEnd+ml)
			}
			wins[ri] = addWindow(wins[ri], w)
		}
	})
	return wins
}

// lineAround returns the window for a hit at [pos, end): its line, clipped to lineReach each way.
// ok is false when the line was clipped, so the window must not be reused for later hits.
func lineAround(b []byte, pos, end int) (start, stop int, ok bool) {
	ok = true
	lo := max(0, pos-lineReach)
	if i := bytes.LastIndexByte(b[lo:pos], '\n'); i >= 0 {
		start = lo + i + 1
	} else {
		start = lo
		ok = lo == 0
	}
	hi := min(len(b), end+lineReach)
	if i := bytes.IndexByte(b[end:hi], '\n'); i >= 0 {
		stop = end + i
	} else {
		stop = hi
		ok = ok && hi == len(b)
	}
	return start, stop, ok
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
func dedupe(d *Detector, ms []match) []match {
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
