package inventory

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the database/sql driver "sqlite", pure Go
	sqlitevfs "modernc.org/sqlite/vfs"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/inventory/license"
)

// The rpm database of the RHEL family (RHEL, AlmaLinux, Rocky, CentOS Stream, Fedora, Amazon
// Linux 2023): since rpm 4.16 an SQLite file, var/lib/rpm/rpmdb.sqlite (usr/lib/sysimage/rpm/
// on Fedora and SUSE), whose table Packages(hnum, blob) holds one rpm header per package. Older
// releases keep a BerkeleyDB file (Packages: RHEL ≤ 8, CentOS 7, Amazon Linux 2) and SUSE an NDB
// file (Packages.db); Palisade reads both (rpmbdb.go, rpmndb.go), without rpm or any C library.

var (
	rpmDBPaths    = []string{"var/lib/rpm/rpmdb.sqlite", "usr/lib/sysimage/rpm/rpmdb.sqlite"}
	rpmBDBPaths   = []string{"var/lib/rpm/Packages", "usr/lib/sysimage/rpm/Packages"}
	rpmNDBPaths   = []string{"var/lib/rpm/Packages.db", "usr/lib/sysimage/rpm/Packages.db"}
	rpmNoDistroAt = "the rpm database is not at var/lib/rpm/ or usr/lib/sysimage/rpm/ of a root file system, so no os-release says which distribution it belongs to"
)

// rpmDistro detects the distribution of the root an rpm database at one of places belongs to.
func rpmDistro(in *input, places []string) Distro {
	for _, p := range places {
		if _, ok := osRoot(in.path, p); ok {
			return osDistro(in, p)
		}
	}
	return Distro{Unsupported: rpmNoDistroAt}
}

// rpmFormat says whether data looks like the database format it is named for, by its magic
// (magicOK). A file at an rpm database's place in a root that does not is an error — a damaged or
// doctored database must not hide what is installed —; elsewhere (a source tree's rpm/Packages,
// which is something else) it is not an input at all.
func rpmFormat(in *input, places []string, magicOK bool) error {
	if magicOK {
		return nil
	}
	for _, p := range places {
		if _, ok := osRoot(in.path, p); ok {
			return errors.New("not an rpm database of this format (its magic number is wrong)")
		}
	}
	return errNotMine
}

func extractRPMSQLite(ctx context.Context, in *input) ([]Package, error) {
	if err := rpmFormat(in, rpmDBPaths, bytes.HasPrefix(in.data, []byte(sqliteMagic))); err != nil {
		return nil, err
	}
	d := rpmDistro(in, rpmDBPaths)
	if fi, err := fs.Stat(in.fsys, in.path+"-wal"); err == nil && fi.Size() > 0 {
		// rpm closes its database with a checkpoint, so an image should have no write-ahead log;
		// one that holds pages may hold packages this read does not see.
		in.problem(finding.ProblemParse, in.path+"-wal", 0, "rpm database: a write-ahead log of %d bytes was not read: packages installed or removed in it are not seen", fi.Size())
	}
	blobs, err := readRPMSQLite(ctx, in.data)
	if err != nil {
		return nil, err
	}
	return rpmPackages(in, d, blobs), nil
}

// extractRPMBDB reads the Berkeley DB Packages file of rpm before 4.16.
func extractRPMBDB(ctx context.Context, in *input) ([]Package, error) {
	if err := rpmFormat(in, rpmBDBPaths, bdbMagic(in.data)); err != nil {
		return nil, err
	}
	d := rpmDistro(in, rpmBDBPaths)
	values, err := bdbValues(in.data)
	if err != nil {
		return nil, err
	}
	blobs := make([]rpmBlob, len(values))
	for i, v := range values {
		if i%256 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		blobs[i] = rpmBlob{hnum: int64(i + 1), blob: v}
	}
	return rpmPackages(in, d, blobs), nil
}

// rpmPackages turns header blobs into packages; a header that does not parse is a problem naming
// its record, and the others are still listed.
func rpmPackages(in *input, d Distro, blobs []rpmBlob) []Package {
	var pkgs []Package
	bad := 0
	for _, b := range blobs {
		h, err := parseRPMHeader(b.blob)
		if err != nil {
			// Each bad record is named up to a point; a database of millions of tiny bad records
			// must not become millions of problems.
			if bad++; bad <= maxRecordProblems {
				in.problem(finding.ProblemParse, in.path, 0, "parse rpm database: package record %d: %v", b.hnum, err)
			}
			continue
		}
		if h.name == "gpg-pubkey" {
			continue // an imported signing key, recorded as a pseudo-package
		}
		p := Package{Name: h.name, Version: h.evr(), Ecosystem: osEcosystem(d, "Red Hat"), Location: finding.Location{Path: in.path}}
		p.Source, p.SourceVersion = h.sourceNameVersion()
		setProp(&p, PropArch, h.arch)
		setProp(&p, PropDistro, d.PURLDistro())
		p.Licenses = license.Declared(h.license)
		epoch := ""
		if h.epoch > 0 {
			epoch = strconv.FormatInt(h.epoch, 10)
		}
		_, ver := splitEpoch(p.Version)
		p.PURL = osPURL("rpm", d.Namespace, p, epoch, ver)
		pkgs = append(pkgs, p)
	}
	if bad > maxRecordProblems {
		in.problem(finding.ProblemParse, in.path, 0, "parse rpm database: %d more package records could not be read", bad-maxRecordProblems)
	}
	reportUnmatchable(in, d, "rpm", pkgs)
	return pkgs
}

// maxRecordProblems is how many unreadable records of one database are reported one by one.
const maxRecordProblems = 20

// extractRPMNDB reads rpm's ndb Packages.db (SUSE 15 and later).
func extractRPMNDB(ctx context.Context, in *input) ([]Package, error) {
	if err := rpmFormat(in, rpmNDBPaths, len(in.data) >= 4 && binary.LittleEndian.Uint32(in.data) == ndbHeaderMagic); err != nil {
		return nil, err
	}
	d := rpmDistro(in, rpmNDBPaths)
	blobs, err := ndbValues(in.data)
	if err != nil {
		return nil, err
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return rpmPackages(in, d, blobs), nil
}

const sqliteMagic = "SQLite format 3\x00"

type rpmBlob struct {
	hnum int64
	blob []byte
}

// readRPMSQLite reads every header blob of an rpmdb.sqlite held in memory, through a read-only
// VFS over the bytes (nothing is written to disk; immutable=1 because no other process can
// change it and SQLite then takes no locks).
func readRPMSQLite(ctx context.Context, data []byte) ([]rpmBlob, error) {
	if !bytes.HasPrefix(data, []byte(sqliteMagic)) {
		return nil, errors.New("not an SQLite database")
	}
	name, vfs, err := sqlitevfs.New(memFS{name: "rpmdb.sqlite", data: data})
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	defer vfs.Close()
	db, err := sql.Open("sqlite", "file:rpmdb.sqlite?mode=ro&immutable=1&vfs="+name)
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if err := checkRPMSchema(ctx, db); err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, "SELECT hnum, blob FROM Packages ORDER BY hnum")
	if err != nil {
		return nil, fmt.Errorf("read table Packages: %w", err)
	}
	defer rows.Close()
	var out []rpmBlob
	total := 0
	for rows.Next() {
		var b rpmBlob
		if err := rows.Scan(&b.hnum, &b.blob); err != nil {
			return nil, fmt.Errorf("read table Packages: %w", err)
		}
		// A stored table holds no more than the file: more means values computed on reading,
		// which checkRPMSchema should have refused; stop rather than exhaust memory.
		if total += len(b.blob); total > len(data) {
			return nil, fmt.Errorf("table Packages yields more bytes than the %d-byte file holds", len(data))
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read table Packages: %w", err)
	}
	return out, nil
}

// checkRPMSchema refuses a database whose Packages is not rpm's plain stored table: the file comes
// from the image, and a view (a recursive query that never ends), a virtual table or a generated
// column (zeroblob(1e9) per row) would make reading it compute without bound.
func checkRPMSchema(ctx context.Context, db *sql.DB) error {
	var typ, ddl string
	err := db.QueryRowContext(ctx, "SELECT type, sql FROM sqlite_master WHERE name = 'Packages'").Scan(&typ, &ddl)
	if errors.Is(err, sql.ErrNoRows) {
		return errors.New("no table Packages: not an rpm database")
	}
	if err != nil {
		return fmt.Errorf("read schema: %w", err)
	}
	if typ != "table" || strings.Contains(strings.ToUpper(ddl), "VIRTUAL") {
		return fmt.Errorf("schema: Packages is a %s (%q), not rpm's table", typ, clipText(ddl, 80))
	}
	rows, err := db.QueryContext(ctx, "SELECT name, hidden FROM pragma_table_xinfo('Packages')")
	if err != nil {
		return fmt.Errorf("read schema: %w", err)
	}
	defer rows.Close()
	cols := map[string]bool{}
	for rows.Next() {
		var name string
		var hidden int
		if err := rows.Scan(&name, &hidden); err != nil {
			return fmt.Errorf("read schema: %w", err)
		}
		if hidden != 0 {
			return fmt.Errorf("table Packages has a generated or hidden column %q, which rpm's has not", name)
		}
		cols[strings.ToLower(name)] = true
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read schema: %w", err)
	}
	if len(cols) != 2 || !cols["hnum"] || !cols["blob"] {
		return fmt.Errorf("table Packages has columns %v, not rpm's hnum and blob", slices.Sorted(maps.Keys(cols)))
	}
	return nil
}

// memFS is a file system of one in-memory file, seekable as the SQLite VFS needs.
type memFS struct {
	name string
	data []byte
}

func (m memFS) Open(name string) (fs.File, error) {
	if name != m.name {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return &memFile{Reader: bytes.NewReader(m.data), name: m.name, size: int64(len(m.data))}, nil
}

type memFile struct {
	*bytes.Reader
	name string
	size int64
}

func (f *memFile) Stat() (fs.FileInfo, error) { return memInfo{name: f.name, size: f.size}, nil }
func (f *memFile) Close() error               { return nil }

type memInfo struct {
	name string
	size int64
}

func (i memInfo) Name() string       { return i.name }
func (i memInfo) Size() int64        { return i.size }
func (i memInfo) Mode() fs.FileMode  { return 0o444 }
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return false }
func (i memInfo) Sys() any           { return nil }
