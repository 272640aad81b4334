package render

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/palisade-sec/palisade/internal/boundedread"
)

// Limits bound what one unit may read, so a hostile repository cannot make rendering exhaust
// memory.
const (
	defaultMaxFileSize  = 8 << 20
	defaultMaxUnitBytes = 64 << 20
)

// errSymlink is returned for a symbolic link: links are never followed, so a chart or overlay
// cannot make rendering read outside the scanned tree even when the fs.FS would follow them.
var errSymlink = errors.New("symbolic link not followed")

// limits says how much may be read.
type limits struct {
	file, unit int64
}

func (l limits) orDefault() limits {
	if l.file <= 0 {
		l.file = defaultMaxFileSize
	}
	if l.unit <= 0 {
		l.unit = defaultMaxUnitBytes
	}
	return l
}

// reader reads files of one unit, counting bytes against the unit's budget.
type reader struct {
	fsys  fs.FS
	lim   limits
	total int64
}

// readFile reads a regular file; symbolic links, directories and oversized files are errors
// naming the file. walked says the name came from walkFiles, which already refused links on
// the way down; other names have each component checked.
func (r *reader) readFile(name string, walked bool) ([]byte, error) {
	if !fs.ValidPath(name) {
		return nil, fmt.Errorf("read %s: invalid path", name)
	}
	if !walked {
		if err := r.noLinks(name); err != nil {
			return nil, err
		}
	}
	st, err := fs.Stat(r.fsys, name)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("read %s: not a regular file", name)
	}
	if st.Size() > r.lim.file {
		return nil, fmt.Errorf("read %s: %d bytes is over the %d-byte limit", name, st.Size(), r.lim.file)
	}
	if r.total+st.Size() > r.lim.unit {
		return nil, fmt.Errorf("read %s: the unit's files exceed the %d-byte limit", name, r.lim.unit)
	}
	// Read bounded: the file may have grown since it was measured.
	data, err := boundedread.File(r.fsys, name, min(r.lim.file, r.lim.unit-r.total))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	r.total += int64(len(data))
	return data, nil
}

// noLinks refuses a path any of whose components is a symbolic link. fs.Stat follows links on
// os.DirFS, so each component is checked through ReadDir, which reports the link itself.
func (r *reader) noLinks(name string) error {
	if name == "." {
		return nil
	}
	dir := "."
	for _, part := range strings.Split(name, "/") {
		ents, err := fs.ReadDir(r.fsys, dir)
		if err != nil {
			return nil // let the read report the real error
		}
		for _, e := range ents {
			if e.Name() == part && e.Type()&fs.ModeSymlink != 0 {
				return fmt.Errorf("read %s: %w", path.Join(dir, part), errSymlink)
			}
		}
		dir = path.Join(dir, part)
	}
	return nil
}

// walkFiles lists the regular files under dir (slash paths in fsys). Symbolic links and other
// irregular entries are not followed but returned as errors; skip prunes files and directories.
func walkFiles(ctx context.Context, fsys fs.FS, dir string, skip func(rel string, d fs.DirEntry) bool) (files []string, bad []error, err error) {
	err = fs.WalkDir(fsys, dir, func(name string, d fs.DirEntry, werr error) error {
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		if werr != nil {
			bad = append(bad, fmt.Errorf("read %s: %w", name, werr))
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		rel := relTo(dir, name)
		if rel != "" && skip != nil && skip(rel, d) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			bad = append(bad, fmt.Errorf("read %s: %w", name, errSymlink))
		case d.IsDir():
		case !d.Type().IsRegular():
			bad = append(bad, fmt.Errorf("read %s: not a regular file", name))
		default:
			files = append(files, name)
		}
		return nil
	})
	return files, bad, err
}

// relTo is name relative to dir (both clean slash paths, name inside dir).
func relTo(dir, name string) string {
	if dir == "." {
		if name == "." {
			return ""
		}
		return name
	}
	if name == dir {
		return ""
	}
	return strings.TrimPrefix(name, dir+"/")
}

// joinRel joins a path written in a file under dir and cleans it; ok is false when the result
// leaves the fs.FS root.
func joinRel(dir, ref string) (string, bool) {
	if strings.HasPrefix(ref, "/") {
		return "", false
	}
	p := path.Join(dir, ref)
	if p == ".." || strings.HasPrefix(p, "../") {
		return "", false
	}
	return p, true
}
