package secret

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"unicode/utf8"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/scan"
)

// streamSizes shape how a stream is cut into overlapping chunks. Each chunk holds before bytes
// of context already seen, chunk new bytes, and reaches after bytes into what the next chunk
// sees again; a match is reported by the one chunk where it starts between before and
// len-after, so it is reported once, and it always has before bytes of context behind it and
// after bytes ahead of it.
type streamSizes struct {
	chunk, before, after int
}

// defaultStream is sized for the detector's reach: after covers the longest window a match can
// come from (maxMultiLine beyond a line, reachAfter past a keyword, one merged maxWindow), before
// the context a rule looks back at (reachBefore, allowMatchBefore) with room to spare.
var defaultStream = streamSizes{chunk: 1 << 20, before: 4 << 10, after: maxMultiLine + maxWindow}

// minPrintableRun is the shortest run of printable bytes a binary file's view keeps, as
// strings(1) does with a larger default: shorter runs are noise, and no secret is that short.
const minPrintableRun = 6

// AnalyzeStream implements scan.StreamAnalyzer: it finds the secrets of a file of any size in
// overlapping chunks, in memory bounded by the chunk size whatever the file's size or the length
// of its lines. Findings are the ones AnalyzeFile would report on the whole file, with the same
// lines and columns, except that the decoding budget applies per chunk.
func (a *Analyzer) AnalyzeStream(ctx context.Context, s *scan.Stream) ([]finding.Finding, error) {
	if a.err != nil {
		return nil, a.err
	}
	return a.stream(ctx, s, defaultStream)
}

// AnalyzeBinary implements scan.BinaryAnalyzer: it scans the printable runs of a binary file
// (see printableView), reporting lines and columns counted in the file's own bytes.
func (a *Analyzer) AnalyzeBinary(ctx context.Context, f *scan.File) ([]finding.Finding, error) {
	if a.err != nil {
		return nil, a.err
	}
	out, exhausted, err := a.binaryFindings(ctx, f, region{orig: f.Content, line: 1, col: 1, keepTo: len(f.Content)}, nil)
	if err != nil {
		return nil, err
	}
	return out, a.incomplete(f.Path, exhausted)
}

// binaryFindings scans the region of a binary file twice: its printable ASCII runs in place
// (written into view when it is big enough, to reuse a stream's buffer), then its UTF-16LE runs
// (Windows resources, Java and .NET string tables), whose findings say "utf-16le" in their
// decoded property.
func (a *Analyzer) binaryFindings(ctx context.Context, f *scan.File, rg region, view []byte) ([]finding.Finding, bool, error) {
	if cap(view) < len(rg.orig) {
		view = make([]byte, len(rg.orig))
	}
	rg.text = printableView(view[:len(rg.orig)], rg.orig)
	out, exhausted, err := a.regionFindings(ctx, f, rg)
	if err != nil {
		return nil, false, err
	}
	text, runs := utf16View(rg.orig)
	if len(runs) == 0 {
		return out, exhausted, nil
	}
	rg.text, rg.encoding = text, "utf-16le"
	rg.origOf = func(off int) int { return runs.origOf(off) }
	more, ex, err := a.regionFindings(ctx, f, rg)
	if err != nil {
		return nil, false, err
	}
	return append(out, more...), exhausted || ex, nil
}

func (a *Analyzer) stream(ctx context.Context, s *scan.Stream, z streamSizes) ([]finding.Finding, error) {
	overlap := z.before + z.after
	buf := make([]byte, z.chunk+overlap)
	var view []byte
	if s.Binary {
		view = make([]byte, len(buf))
	}
	f := &scan.File{Path: s.Path}
	var out []finding.Finding
	exhausted := false
	line, col := 1, 1
	filled, eof, err := fill(s.R, buf, 0)
	for first := true; ; first = false {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		rg := region{text: buf[:filled], orig: buf[:filled], line: line, col: col, keepTo: filled}
		if !first {
			rg.keepFrom = z.before
		}
		if !eof {
			rg.keepTo = filled - z.after
		}
		var found []finding.Finding
		var ex bool
		var ferr error
		if s.Binary {
			found, ex, ferr = a.binaryFindings(ctx, f, rg, view)
		} else {
			found, ex, ferr = a.regionFindings(ctx, f, rg)
		}
		if ferr != nil {
			return nil, ferr
		}
		out = append(out, found...)
		exhausted = exhausted || ex
		if err != nil {
			// What was read is scanned and reported; the rest of the file was not.
			return out, &scan.Incomplete{Problems: []finding.Problem{{Path: s.Path, Kind: finding.ProblemRead,
				Message: fmt.Sprintf("read: %v (the rest of the file was not scanned for secrets)", err)}}}
		}
		if eof {
			break
		}
		// Slide: keep the last overlap bytes, count the lines of what is dropped.
		drop := filled - overlap
		line, col = advance(buf[:drop], line, col)
		copy(buf, buf[drop:filled])
		filled, eof, err = fill(s.R, buf, overlap)
	}
	return out, a.incomplete(s.Path, exhausted)
}

// fill reads into buf[from:] until it is full or the reader ends.
func fill(r io.Reader, buf []byte, from int) (filled int, eof bool, err error) {
	n, err := io.ReadFull(r, buf[from:])
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return from + n, true, nil
	case err != nil:
		return from + n, true, err
	}
	return from + n, false, nil
}

// advance moves a 1-based line and column past b.
func advance(b []byte, line, col int) (int, int) {
	nl := bytes.Count(b, []byte{'\n'})
	if nl == 0 {
		return line, col + utf8.RuneCount(b)
	}
	return line + nl, 1 + utf8.RuneCount(b[bytes.LastIndexByte(b, '\n')+1:])
}

// printableView writes into dst (len(src) bytes) the view of a binary file the detector reads:
// runs of at least minPrintableRun printable ASCII bytes (tab, CR and LF included) as they are,
// every other byte replaced by a newline. Offsets are unchanged, so a match in the view is at
// the same offset in the file, and a newline keeps a match from joining two unrelated runs.
func printableView(dst, src []byte) []byte {
	dst = dst[:len(src)]
	start := -1 // start of the current printable run
	for i := 0; i <= len(src); i++ {
		if i < len(src) && printableByte(src[i]) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			if i-start >= minPrintableRun {
				copy(dst[start:i], src[start:i])
			} else {
				fillNewlines(dst[start:i])
			}
			start = -1
		}
		if i < len(src) {
			dst[i] = '\n'
		}
	}
	return dst
}

func fillNewlines(b []byte) {
	for i := range b {
		b[i] = '\n'
	}
}

func printableByte(c byte) bool {
	return c >= 0x20 && c < 0x7f || c == '\t' || c == '\n' || c == '\r'
}

// utf16Run is one UTF-16LE run copied into a utf16View: n characters read from orig at origAt,
// written at textAt.
type utf16Run struct{ textAt, origAt, n int }

type utf16Runs []utf16Run

// origOf maps an offset of the view back into the file: two bytes per character of its run; the
// newline after a run maps to the byte after the run.
func (rs utf16Runs) origOf(off int) int {
	i, _ := slices.BinarySearchFunc(rs, off, func(r utf16Run, off int) int { return cmp.Compare(r.textAt, off) })
	if i == len(rs) || rs[i].textAt > off {
		i--
	}
	if i < 0 {
		return 0
	}
	r := rs[i]
	return r.origAt + 2*min(off-r.textAt, r.n)
}

// utf16View returns the runs of at least minPrintableRun printable ASCII characters encoded as
// UTF-16LE (each followed by a zero byte) in src, one per line, and where each came from.
func utf16View(src []byte) ([]byte, utf16Runs) {
	var text []byte
	var runs utf16Runs
	pair := func(i int) bool { return i+1 < len(src) && printableByte(src[i]) && src[i+1] == 0 }
	for i := 0; i < len(src); {
		if !pair(i) {
			i++
			continue
		}
		start := i
		for pair(i) {
			i += 2
		}
		n := (i - start) / 2
		if n < minPrintableRun {
			continue
		}
		runs = append(runs, utf16Run{textAt: len(text), origAt: start, n: n})
		for j := start; j < i; j += 2 {
			text = append(text, src[j])
		}
		text = append(text, '\n')
	}
	return text, runs
}
