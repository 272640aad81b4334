package render

import (
	"strings"
	"sync"
)

// maxAlignCells bounds the table of the line alignment (rendered lines × static template
// lines); beyond it a greedy forward match is used, so a huge render cannot exhaust memory.
const maxAlignCells = 4 << 20

// templateMap aligns the lines of a rendered template with the template's source lines.
//
// Static template lines (no action) come out of the engine unchanged apart from indentation, so
// a longest common subsequence of the trimmed lines anchors rendered lines to template lines.
// A rendered line without an anchor came from an action between the neighbouring anchors; the
// template line chosen for it is the one in that region that writes the requested key, or the
// first line there that produces output.
type templateMap struct {
	tmpl     []string // trimmed template lines
	rendered []string // trimmed rendered lines
	once     sync.Once
	anchor   []int // rendered index → template index, or -1
}

func newTemplateMap(tmpl string, rendered []string) *templateMap {
	tm := &templateMap{}
	for _, l := range strings.Split(tmpl, "\n") {
		tm.tmpl = append(tm.tmpl, strings.TrimSpace(l))
	}
	for _, l := range rendered {
		tm.rendered = append(tm.rendered, strings.TrimSpace(l))
	}
	return tm
}

// static reports whether a trimmed template line is copied to the output verbatim and is
// distinctive enough to anchor on.
func static(l string) bool {
	return l != "" && !strings.Contains(l, "{{") && !strings.Contains(l, "}}")
}

func (tm *templateMap) align() {
	n, m := len(tm.rendered), len(tm.tmpl)
	tm.anchor = make([]int, n)
	for i := range tm.anchor {
		tm.anchor[i] = -1
	}
	if n == 0 || m == 0 {
		return
	}
	if int64(n+1)*int64(m+1) > maxAlignCells {
		tm.alignGreedy()
		return
	}
	// lcs[i][j] is the LCS length of rendered[i:] and tmpl[j:].
	w := m + 1
	lcs := make([]int32, (n+1)*w)
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			switch {
			case static(tm.tmpl[j]) && tm.rendered[i] == tm.tmpl[j]:
				lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
			case lcs[(i+1)*w+j] >= lcs[i*w+j+1]:
				lcs[i*w+j] = lcs[(i+1)*w+j]
			default:
				lcs[i*w+j] = lcs[i*w+j+1]
			}
		}
	}
	for i, j := 0, 0; i < n && j < m; {
		switch {
		case static(tm.tmpl[j]) && tm.rendered[i] == tm.tmpl[j]:
			tm.anchor[i] = j
			i, j = i+1, j+1
		case lcs[(i+1)*w+j] >= lcs[i*w+j+1]:
			i++
		default:
			j++
		}
	}
}

// alignGreedy anchors each rendered line to the next matching static template line.
func (tm *templateMap) alignGreedy() {
	j := 0
	for i, r := range tm.rendered {
		for k := j; k < len(tm.tmpl); k++ {
			if static(tm.tmpl[k]) && tm.tmpl[k] == r {
				tm.anchor[i], j = k, k+1
				break
			}
		}
	}
}

// templateLine returns the 1-based template line for the 0-based rendered line i.
func (tm *templateMap) templateLine(i int, key string) int {
	tm.once.Do(tm.align)
	if len(tm.tmpl) == 0 {
		return 1
	}
	if i < 0 || i >= len(tm.anchor) {
		return 1
	}
	if a := tm.anchor[i]; a >= 0 {
		return a + 1
	}
	lo, hi := -1, len(tm.tmpl) // the template region between the neighbouring anchors
	for k := i - 1; k >= 0; k-- {
		if tm.anchor[k] >= 0 {
			lo = tm.anchor[k]
			break
		}
	}
	for k := i + 1; k < len(tm.anchor); k++ {
		if tm.anchor[k] >= 0 {
			hi = tm.anchor[k]
			break
		}
	}
	if key == "" {
		key = yamlKey(tm.rendered[i])
	}
	if key != "" {
		if j := tm.nearestKey(key, lo, hi); j >= 0 {
			return j + 1
		}
	}
	for j := lo + 1; j < hi; j++ {
		if producesOutput(tm.tmpl[j]) {
			return j + 1
		}
	}
	if lo >= 0 {
		return lo + 1
	}
	return 1
}

// nearestKey finds the template line writing key: the first inside (lo, hi), else the closest
// outside it (a range body repeated after its last anchor), preferring the line before.
func (tm *templateMap) nearestKey(key string, lo, hi int) int {
	best, dist := -1, 0
	for j, l := range tm.tmpl {
		if yamlKey(l) != key {
			continue
		}
		if j > lo && j < hi {
			return j
		}
		d := lo - j
		if j >= hi {
			d = j - hi + 1
		}
		if best < 0 || d < dist {
			best, dist = j, d
		}
	}
	return best
}

// yamlKey returns the mapping key a trimmed YAML (or template) line starts with, or "".
func yamlKey(l string) string {
	for strings.HasPrefix(l, "- ") {
		l = strings.TrimSpace(l[2:])
	}
	k, _, ok := strings.Cut(l, ":")
	if !ok || strings.Contains(k, "{{") || strings.HasPrefix(k, "#") {
		return ""
	}
	k = strings.TrimSpace(k)
	if len(k) >= 2 && (k[0] == '"' || k[0] == '\'') && k[len(k)-1] == k[0] {
		k = k[1 : len(k)-1]
	}
	if strings.ContainsAny(k, " \t") {
		return ""
	}
	return k
}

// controlWords start template actions that produce no text of their own.
var controlWords = [...]string{"if ", "else", "end", "range ", "with ", "define ", "/*", "template ", "block "}

// producesOutput reports whether a trimmed template line writes text to the output: static
// text or an action other than pure control flow.
func producesOutput(l string) bool {
	if l == "" {
		return false
	}
	if !strings.HasPrefix(l, "{{") || !strings.HasSuffix(l, "}}") || strings.Count(l, "{{") != 1 {
		return true
	}
	inner := strings.TrimSpace(strings.Trim(strings.TrimSuffix(strings.TrimPrefix(l, "{{"), "}}"), "-"))
	if strings.HasPrefix(inner, "$") && strings.Contains(inner, ":=") {
		return false // a variable assignment
	}
	for _, w := range controlWords {
		if strings.HasPrefix(inner, w) || inner == strings.TrimSpace(w) {
			return false
		}
	}
	return true
}

// docSpan is one YAML document in a file's lines: [start, end).
type docSpan struct{ start, end int }

// splitDocuments splits lines at `---` separators, dropping documents with no content and
// trimming leading and trailing blank lines (Helm drops empty documents too).
func splitDocuments(lines []string) []docSpan {
	var out []docSpan
	flush := func(s, e int) {
		for s < e && strings.TrimSpace(lines[s]) == "" {
			s++
		}
		for e > s && strings.TrimSpace(lines[e-1]) == "" {
			e--
		}
		for k := s; k < e; k++ {
			if t := strings.TrimSpace(lines[k]); t != "" && !strings.HasPrefix(t, "#") {
				out = append(out, docSpan{s, e})
				return
			}
		}
	}
	start := 0
	for i, l := range lines {
		if isSeparator(l) {
			flush(start, i)
			start = i + 1
		}
	}
	flush(start, len(lines))
	return out
}

// isSeparator reports a YAML document separator line ("---", optionally followed by a comment).
func isSeparator(l string) bool {
	if !strings.HasPrefix(l, "---") {
		return false
	}
	rest := strings.TrimSpace(l[3:])
	return rest == "" || strings.HasPrefix(rest, "#")
}
