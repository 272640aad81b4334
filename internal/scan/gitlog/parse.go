// Package gitlog reads version-control history for the scan engine: it runs the git binary
// (git log -p, git diff --cached) and parses the patch stream itself into commits, files and the
// runs of lines each commit added, with their line numbers in that commit's version of the file.
//
// The parser treats its input as untrusted (commit messages, file names and contents come from
// whoever wrote the repository): it never panics, bounds nothing by trust, and every malformed
// stream is an error naming the line. Secrets in the stream are returned as data, never logged.
package gitlog

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Commit is one commit and what it added.
type Commit struct {
	Hash    string
	Author  string
	Email   string
	Date    time.Time
	Message string
	Files   []FileDiff
}

// FileDiff is one file's change in a commit (or in the staged changes).
type FileDiff struct {
	// Path is the file's path after the change, slash-separated, relative to the repository
	// root; empty when the change deletes the file.
	Path string
	// OldPath is the path before a rename or copy; empty otherwise.
	OldPath string
	// Binary is set when git reported a binary change (no lines to show).
	Binary bool
	// Submodule is set when the path is a gitlink (mode 160000): its "lines" are commit hashes
	// of another repository, not content.
	Submodule bool
	// Combined is set for a merge commit's combined diff: Added then holds only the lines that
	// are in no parent, i.e. what the merge itself introduced.
	Combined bool
	// Added holds the added lines as runs of consecutive lines in the new file.
	Added []Fragment
	// Oversized is set when a run of added lines was larger than the reader's MaxFragment and
	// was left out of Added.
	Oversized bool
}

// Fragment is a run of consecutive added lines.
type Fragment struct {
	// StartLine is the 1-based line of the first line in the new version of the file.
	StartLine int
	// Content is the lines, each ended by "\n".
	Content []byte
	// Lines is the number of lines in Content.
	Lines int
}

// LogFormat is the --format that Reader expects: every field is ended by a NUL byte, which no
// commit message or name made by git can hold, so a message that looks like a diff cannot be
// mistaken for one.
const LogFormat = "%x00%H%x00%an%x00%ae%x00%aI%x00%B%x00"

// Reader parses the output of `git log -p --format=LogFormat`, one commit at a time, so history
// of any length is read in constant memory per commit.
type Reader struct {
	// MaxFragment, when positive, bounds the bytes of one fragment: a longer run of added lines
	// is dropped and its file marked Oversized, so a hostile history cannot exhaust memory.
	MaxFragment int

	br   *bufio.Reader
	line int  // lines consumed so far; the current line is line
	cut  bool // the last line read was longer than MaxFragment and was cut
	op   string
}

// NewReader returns a Reader of a git log stream.
func NewReader(r io.Reader) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, 64<<10), op: "parse git log"}
}

// ParseDiff parses the output of `git diff` (no commit headers), as used for staged changes.
// maxFragment bounds one fragment as Reader.MaxFragment does; zero means no bound.
func ParseDiff(r io.Reader, maxFragment int) ([]FileDiff, error) {
	p := &Reader{br: bufio.NewReaderSize(r, 64<<10), op: "parse git diff", MaxFragment: maxFragment}
	files, err := p.files()
	if err != nil {
		return nil, err
	}
	if _, err := p.br.Peek(1); err == nil {
		return nil, p.errorf("unexpected NUL byte at the start of a line")
	}
	return files, nil
}

func (r *Reader) errorf(format string, args ...any) error {
	return fmt.Errorf("%s: line %d: %s", r.op, r.line, fmt.Sprintf(format, args...))
}

// Next returns the next commit, or io.EOF after the last one.
func (r *Reader) Next() (*Commit, error) {
	for {
		b, err := r.br.Peek(1)
		if err == io.EOF {
			return nil, io.EOF
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.op, err)
		}
		if b[0] == 0 {
			break
		}
		// Blank lines between records are harmless; anything else is not a commit.
		line, err := r.readLine()
		if err != nil {
			return nil, err
		}
		if len(line) != 0 {
			return nil, r.errorf("expected a commit header, got %q", clip(line))
		}
	}
	c, err := r.header()
	if err != nil {
		return nil, err
	}
	c.Files, err = r.files()
	if err != nil {
		return nil, fmt.Errorf("commit %s: %w", c.Hash, err)
	}
	return c, nil
}

// header reads "\0hash\0name\0email\0date\0message\0\n".
func (r *Reader) header() (*Commit, error) {
	r.line++
	if b, _ := r.br.ReadByte(); b != 0 {
		return nil, r.errorf("commit header does not start with NUL")
	}
	var fields [5]string
	for i := range fields {
		f, err := r.readField()
		if err != nil {
			return nil, r.errorf("commit header ends early (field %d of 5)", i+1)
		}
		fields[i] = f
	}
	rest, err := r.br.ReadBytes('\n')
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("%s: %w", r.op, err)
	}
	if len(bytes.TrimRight(rest, "\n")) != 0 {
		return nil, r.errorf("unexpected text %q after the commit header", clip(rest))
	}
	hash := fields[0]
	if len(hash) < 4 || strings.Trim(hash, "0123456789abcdef") != "" {
		return nil, r.errorf("commit header has a malformed hash %q", clip([]byte(hash)))
	}
	date, err := time.Parse(time.RFC3339, fields[3])
	if err != nil {
		return nil, r.errorf("commit %s: malformed author date %q", hash, clip([]byte(fields[3])))
	}
	return &Commit{
		Hash:    hash,
		Author:  fields[1],
		Email:   fields[2],
		Date:    date,
		Message: strings.TrimRight(fields[4], "\n"),
	}, nil
}

// maxField bounds a commit header field kept in memory (a message, a name); the rest of a longer
// one is read and dropped, and the kept part ends with "…" to show it was cut.
const maxField = 64 << 10

// readField reads up to the next NUL byte.
func (r *Reader) readField() (string, error) {
	var f []byte
	cut := false
	for {
		chunk, err := r.br.ReadSlice(0)
		r.line += bytes.Count(chunk, []byte("\n"))
		if room := maxField - len(f); len(chunk) > room {
			f = append(f, chunk[:max(room, 0)]...)
			cut = true
		} else {
			f = append(f, chunk...)
		}
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err != nil:
			return "", err
		case cut:
			return string(bytes.TrimSuffix(f, []byte{0})) + "…", nil
		}
		return string(f[:len(f)-1]), nil
	}
}

// readLine returns the next line without its "\n"; the last line may lack one.
// When MaxFragment is set, a line longer than it (and than any header git writes) is cut and
// r.cut is set, so one giant line cannot take all memory; add then drops its fragment.
func (r *Reader) readLine() ([]byte, error) {
	var line []byte
	r.cut = false
	limit := max(r.MaxFragment+2, 64<<10) // +2: the diff prefix and the newline
	for {
		chunk, err := r.br.ReadSlice('\n')
		if r.MaxFragment > 0 && len(line)+len(chunk) > limit {
			room := max(limit-len(line), 0)
			line = append(line, chunk[:min(room, len(chunk))]...)
			r.cut = true
		} else {
			line = append(line, chunk...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil && (err != io.EOF || len(line) == 0) {
			if err == io.EOF {
				return nil, io.EOF
			}
			return nil, fmt.Errorf("%s: %w", r.op, err)
		}
		r.line++
		return bytes.TrimSuffix(line, []byte("\n")), nil
	}
}

// atRecordEnd reports whether the input is exhausted or the next line starts a commit header.
func (r *Reader) atRecordEnd() bool {
	b, err := r.br.Peek(1)
	return err != nil || b[0] == 0
}

// fileState is a FileDiff being read, with the header lines that decide its path.
type fileState struct {
	fd        FileDiff
	gitPath   string // from "diff --git", when it could be split unambiguously
	plusPath  string // from "+++ b/…"
	plusNull  bool   // "+++ /dev/null"
	renameTo  string
	deleted   bool
	inHunks   bool
	nextStart int  // new-file line just after the last fragment, to join adjacent hunks
	hunkEnd   int  // new-file line just after the last hunk's range: hunks must come in order
	dropping  bool // the current run of added lines is over MaxFragment and is being skipped
}

// startHunk checks that a hunk's new range does not go back before the previous one's end.
func (r *Reader) startHunk(cur *fileState, header string, start, count int) error {
	if start == 0 && count > 0 {
		return r.errorf("hunk header %q adds lines at line 0", clip([]byte(header)))
	}
	if start < cur.hunkEnd {
		return r.errorf("hunk header %q goes back before the previous hunk", clip([]byte(header)))
	}
	cur.hunkEnd = start + count
	return nil
}

// files reads file diffs up to the end of the record (a NUL line start, or EOF).
func (r *Reader) files() ([]FileDiff, error) {
	var (
		out []FileDiff
		cur *fileState
	)
	for !r.atRecordEnd() {
		line, err := r.readLine()
		if err != nil {
			return nil, err
		}
		s := string(line)
		if strings.HasPrefix(s, "diff --") {
			next, err := r.newFile(s)
			if err != nil {
				return nil, err
			}
			if out, err = r.appendFile(out, cur); err != nil {
				return nil, err
			}
			cur = next
			continue
		}
		switch {
		case cur == nil:
			if len(line) != 0 {
				return nil, r.errorf("expected a diff header, got %q", clip(line))
			}
		case strings.HasPrefix(s, "@@@"):
			cur.inHunks = true
			err = r.combinedHunk(cur, s)
		case strings.HasPrefix(s, "@@ "):
			cur.inHunks = true
			err = r.hunk(cur, s)
		case cur.inHunks:
			// Between and after hunks only "\ No newline at end of file" (or a blank) may appear.
			if len(line) != 0 && line[0] != '\\' {
				err = r.errorf("unexpected line starting %s after a hunk", lead(line))
			}
		default:
			err = r.extendedHeader(cur, s)
		}
		if err != nil {
			return nil, err
		}
	}
	return r.appendFile(out, cur)
}

// newFile starts a file at its "diff --git a/x b/x" or "diff --cc x" line.
func (r *Reader) newFile(s string) (*fileState, error) {
	switch {
	case strings.HasPrefix(s, "diff --git "):
		return &fileState{gitPath: splitGitHeader(s[len("diff --git "):])}, nil
	case strings.HasPrefix(s, "diff --cc "), strings.HasPrefix(s, "diff --combined "):
		name := s[strings.IndexByte(s[5:], ' ')+6:]
		p, err := unquote(name)
		if err != nil {
			return nil, r.errorf("%v", err)
		}
		return &fileState{gitPath: p, fd: FileDiff{Combined: true}}, nil
	}
	return nil, r.errorf("unknown diff header %q", clip([]byte(s)))
}

// appendFile settles cur, if any, and appends it to out.
func (r *Reader) appendFile(out []FileDiff, cur *fileState) ([]FileDiff, error) {
	if cur == nil {
		return out, nil
	}
	fd, err := r.finish(cur)
	if err != nil {
		return nil, err
	}
	return append(out, fd), nil
}

// extendedHeader reads one header line between "diff --git" and the first hunk. Lines git may
// add in later versions are ignored: they carry metadata, never content.
func (r *Reader) extendedHeader(cur *fileState, s string) error {
	var err error
	switch {
	case strings.HasPrefix(s, "+++ "):
		name := strings.TrimSuffix(s[4:], "\t")
		if name == "/dev/null" {
			cur.plusNull = true
			return nil
		}
		if cur.plusPath, err = unquote(name); err != nil {
			return r.errorf("%v", err)
		}
		p, ok := strings.CutPrefix(cur.plusPath, "b/")
		if !ok {
			return r.errorf("new path %q lacks the b/ prefix", clip([]byte(cur.plusPath)))
		}
		cur.plusPath = p
	case strings.HasPrefix(s, "rename to "), strings.HasPrefix(s, "copy to "):
		if cur.renameTo, err = unquote(s[strings.Index(s, " to ")+4:]); err != nil {
			return r.errorf("%v", err)
		}
	case strings.HasPrefix(s, "rename from "), strings.HasPrefix(s, "copy from "):
		if cur.fd.OldPath, err = unquote(s[strings.Index(s, " from ")+6:]); err != nil {
			return r.errorf("%v", err)
		}
	case strings.HasPrefix(s, "deleted file mode"):
		cur.deleted = true
	case strings.HasPrefix(s, "new file mode 160000"), strings.HasPrefix(s, "new mode 160000"),
		strings.HasPrefix(s, "index ") && strings.HasSuffix(s, " 160000"):
		cur.fd.Submodule = true
	case strings.HasPrefix(s, "Binary files "), s == "GIT binary patch":
		cur.fd.Binary = true
	}
	return nil
}

// finish settles the file's path: "+++ b/path" is authoritative, then "rename to", then the
// "diff --git" line when it could be split.
func (r *Reader) finish(cur *fileState) (FileDiff, error) {
	fd := cur.fd
	switch {
	case cur.deleted || cur.plusNull:
		fd.Path = ""
	case cur.plusPath != "":
		fd.Path = cur.plusPath
	case cur.renameTo != "":
		fd.Path = cur.renameTo
	case cur.gitPath != "":
		fd.Path = cur.gitPath
	default:
		return FileDiff{}, r.errorf("cannot tell the path of a changed file from its diff header")
	}
	if fd.Path == "" && len(fd.Added) > 0 {
		return FileDiff{}, r.errorf("a deleted file has added lines")
	}
	return fd, nil
}

// hunk reads "@@ -a,b +c,d @@" and its lines, counting them against the header so that a content
// line can never be taken for a header.
func (r *Reader) hunk(cur *fileState, header string) error {
	end := strings.Index(header[3:], " @@")
	if end < 0 {
		return r.errorf("malformed hunk header %q", clip([]byte(header)))
	}
	ranges := strings.Fields(header[3 : 3+end])
	if len(ranges) != 2 || ranges[0][0] != '-' || ranges[1][0] != '+' {
		return r.errorf("malformed hunk header %q", clip([]byte(header)))
	}
	_, oldLeft, err1 := parseRange(ranges[0][1:])
	start, newLeft, err2 := parseRange(ranges[1][1:])
	if err := errors.Join(err1, err2); err != nil {
		return r.errorf("hunk header %q: %v", clip([]byte(header)), err)
	}
	if err := r.startHunk(cur, header, start, newLeft); err != nil {
		return err
	}
	lineNo := start
	for oldLeft > 0 || newLeft > 0 {
		if r.atRecordEnd() {
			return r.errorf("hunk ends early: %d old and %d new lines missing", oldLeft, newLeft)
		}
		line, err := r.readLine()
		if err != nil {
			return err
		}
		kind := byte(' ') // an empty line is an empty context line (diff.suppressBlankEmpty)
		if len(line) > 0 {
			kind = line[0]
		}
		switch kind {
		case ' ':
			oldLeft--
			newLeft--
			lineNo++
		case '-':
			oldLeft--
		case '+':
			newLeft--
			cur.add(lineNo, line[1:], r.MaxFragment, r.cut)
			lineNo++
		case '\\':
		default:
			return r.errorf("unexpected line starting %s in a hunk", lead(line))
		}
		if oldLeft < 0 || newLeft < 0 {
			return r.errorf("hunk has more lines than its header %q says", clip([]byte(header)))
		}
	}
	return nil
}

// combinedHunk reads a merge's "@@@ -a,b -c,d +e,f @@@" hunk. Each line has one column per
// parent; a line is in the result unless some column is '-', and it is new in the merge itself
// only when every column is '+'.
func (r *Reader) combinedHunk(cur *fileState, header string) error {
	oldLeft, start, newLeft, err := r.combinedHeader(header)
	if err != nil {
		return err
	}
	if err := r.startHunk(cur, header, start, newLeft); err != nil {
		return err
	}
	parents := len(oldLeft)
	lineNo := start
	tooMany := func() error {
		return r.errorf("combined hunk has more lines than its header %q says", clip([]byte(header)))
	}
	for newLeft > 0 || anyPositive(oldLeft) {
		if r.atRecordEnd() {
			return r.errorf("combined hunk ends early")
		}
		line, err := r.readLine()
		if err != nil {
			return err
		}
		if len(line) > 0 && line[0] == '\\' {
			continue
		}
		if len(line) < parents {
			return r.errorf("combined hunk line is shorter than its %d columns", parents)
		}
		cols := line[:parents]
		if strings.Trim(string(cols), " +-") != "" {
			return r.errorf("unexpected line starting %s in a combined hunk", lead(line))
		}
		inResult := bytes.IndexByte(cols, '-') < 0
		for i, c := range cols {
			if c == '-' || (inResult && c == ' ') {
				if oldLeft[i]--; oldLeft[i] < 0 {
					return tooMany()
				}
			}
		}
		if !inResult {
			continue
		}
		if newLeft--; newLeft < 0 {
			return tooMany()
		}
		if bytes.Count(cols, []byte("+")) == parents {
			cur.add(lineNo, line[parents:], r.MaxFragment, r.cut)
		}
		lineNo++
	}
	return nil
}

// combinedHeader parses "@@@ -a,b -c,d +e,f @@@" (one more '@' than parents) into the line
// counts per parent and the new range.
func (r *Reader) combinedHeader(header string) (oldLeft []int, start, newLeft int, err error) {
	bad := func() error { return r.errorf("malformed combined hunk header %q", clip([]byte(header))) }
	n := 0
	for n < len(header) && header[n] == '@' {
		n++
	}
	parents := n - 1
	closing := strings.Index(header[n:], " "+header[:n])
	if parents < 2 || closing < 0 {
		return nil, 0, 0, bad()
	}
	ranges := strings.Fields(header[n : n+closing])
	if len(ranges) != parents+1 {
		return nil, 0, 0, r.errorf("combined hunk header %q has %d ranges, want %d", clip([]byte(header)), len(ranges), parents+1)
	}
	oldLeft = make([]int, parents)
	for i, rg := range ranges {
		want := byte('-')
		if i == parents {
			want = '+'
		}
		if rg[0] != want {
			return nil, 0, 0, bad()
		}
		var count int
		var perr error
		if i == parents {
			start, count, perr = parseRange(rg[1:])
			newLeft = count
		} else {
			_, oldLeft[i], perr = parseRange(rg[1:])
		}
		if perr != nil {
			return nil, 0, 0, r.errorf("hunk header %q: %v", clip([]byte(header)), perr)
		}
	}
	return oldLeft, start, newLeft, nil
}

func anyPositive(xs []int) bool {
	for _, x := range xs {
		if x > 0 {
			return true
		}
	}
	return false
}

// add appends an added line, joining it to the previous fragment when it directly follows it.
// A run that grows past limit (or holds a cut line) is dropped whole and the file marked Oversized.
func (f *fileState) add(lineNo int, text []byte, limit int, cut bool) {
	joins := f.nextStart == lineNo && (f.dropping || len(f.fd.Added) > 0)
	f.nextStart = lineNo + 1
	if joins && f.dropping {
		return
	}
	f.dropping = false
	if !joins {
		f.fd.Added = append(f.fd.Added, Fragment{StartLine: lineNo, Content: make([]byte, 0, len(text)+1)})
	}
	fr := &f.fd.Added[len(f.fd.Added)-1]
	if cut || (limit > 0 && len(fr.Content)+len(text)+1 > limit) {
		f.fd.Added = f.fd.Added[:len(f.fd.Added)-1]
		f.fd.Oversized = true
		f.dropping = true
		return
	}
	fr.Content = append(append(fr.Content, text...), '\n')
	fr.Lines++
}

// parseRange reads "start[,count]"; count defaults to 1.
func parseRange(s string) (start, count int, err error) {
	a, b, hasCount := strings.Cut(s, ",")
	start, err = strconv.Atoi(a)
	if err != nil || start < 0 {
		return 0, 0, fmt.Errorf("bad line number %q", a)
	}
	count = 1
	if hasCount {
		count, err = strconv.Atoi(b)
		if err != nil || count < 0 {
			return 0, 0, fmt.Errorf("bad line count %q", b)
		}
	}
	if start > 1<<30 || count > 1<<30 {
		return 0, 0, fmt.Errorf("range %q is out of bounds", s)
	}
	return start, count, nil
}

// splitGitHeader takes "a/X b/X" (or its quoted form) and returns X, or "" when the two names
// differ or cannot be told apart (a rename with spaces: later header lines name the path).
func splitGitHeader(s string) string {
	if strings.HasPrefix(s, `"`) || strings.HasSuffix(s, `"`) {
		a, b, ok := splitQuoted(s)
		if !ok {
			return ""
		}
		if pa, ok := strings.CutPrefix(a, "a/"); ok {
			if pb, ok := strings.CutPrefix(b, "b/"); ok && pa == pb {
				return pb
			}
		}
		return ""
	}
	// Unquoted: "a/" + X + " b/" + X, so the length is 2*len(X)+5.
	if (len(s)-5)%2 != 0 || len(s) < 7 {
		return ""
	}
	n := (len(s) - 5) / 2
	if s[:2] == "a/" && s[2+n:2+n+3] == " b/" && s[2:2+n] == s[5+n:] {
		return s[5+n:]
	}
	return ""
}

// splitQuoted splits two space-separated names, either of which may be C-quoted.
func splitQuoted(s string) (string, string, bool) {
	first, rest, ok := takeName(s)
	if !ok || !strings.HasPrefix(rest, " ") {
		return "", "", false
	}
	second, rest, ok := takeName(rest[1:])
	if !ok || rest != "" {
		return "", "", false
	}
	return first, second, true
}

func takeName(s string) (name, rest string, ok bool) {
	if !strings.HasPrefix(s, `"`) {
		i := strings.IndexByte(s, ' ')
		if i < 0 {
			return s, "", true
		}
		return s[:i], s[i:], true
	}
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			n, err := strconv.Unquote(s[:i+1])
			if err != nil {
				return "", "", false
			}
			return n, s[i+1:], true
		}
	}
	return "", "", false
}

// unquote reads a name git may have C-quoted ("tab\there", octal escapes for bytes >= 0x80).
func unquote(s string) (string, error) {
	if !strings.HasPrefix(s, `"`) {
		return s, nil
	}
	n, rest, ok := takeName(s)
	if !ok || rest != "" {
		return "", fmt.Errorf("malformed quoted path %q", clip([]byte(s)))
	}
	return n, nil
}

// lead shows only the first byte of a line that may be file content: enough to see what went
// wrong, never enough to leak a secret.
func lead(b []byte) string {
	return strconv.Quote(string(b[:min(len(b), 1)]))
}

// clip shortens input quoted in an error: enough to find it, never a whole line of a file, which
// could hold a secret.
func clip(b []byte) string {
	const max = 32
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}
