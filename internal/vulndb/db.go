// Package vulndb is Palisade's local copy of the OSV vulnerability data: it downloads or imports
// the per-ecosystem OSV exports, verifies them, builds an index made for fast lookups, and
// matches inventories of packages against it with each ecosystem's own version ordering.
//
// Security invariants: an update or import never damages the database in use (it builds a new
// generation and switches by rename, after every record has parsed); downloads use TLS 1.2 or
// later and refuse plain http unless explicitly allowed; withdrawn advisories never match; a
// package that cannot be matched is reported as skipped, never silently treated as safe.
package vulndb

import (
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/palisade-sec/palisade/internal/vulndb/osv"
)

// DB is an open, read-only database. It is safe for concurrent use. Ecosystem indexes are read
// on first use, advisory bodies when a match needs them.
type DB struct {
	dir  string // the generation
	meta Meta

	mu    sync.Mutex
	ecos  map[string]*ecoIndex
	vulns map[string]*osv.Vulnerability // eco + "\x00" + id
}

type ecoIndex struct {
	ix     *index
	bodies *os.File
}

// Open opens the database in dir read-only. It reads only the metadata; it fails with an error
// of kind NotFound (wrapping ErrNoDatabase) when nothing has been installed yet.
func Open(dir string) (*DB, error) {
	gen, err := currentGeneration(dir)
	if err != nil {
		return nil, err
	}
	meta, err := readMeta(gen)
	if err != nil {
		return nil, err
	}
	return &DB{dir: gen, meta: meta, ecos: map[string]*ecoIndex{}, vulns: map[string]*osv.Vulnerability{}}, nil
}

// Meta returns what the database records about itself.
func (db *DB) Meta() Meta { return db.meta }

// Close releases the files the database holds open.
func (db *DB) Close() error {
	db.mu.Lock()
	defer db.mu.Unlock()
	var errs []error
	for _, e := range db.ecos {
		if e != nil && e.bodies != nil {
			errs = append(errs, e.bodies.Close())
		}
	}
	db.ecos = map[string]*ecoIndex{}
	return errors.Join(errs...)
}

// ecosystem returns the loaded index of eco, or nil when the database has no such ecosystem.
func (db *DB) ecosystem(eco string) (*ecoIndex, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	if e, ok := db.ecos[eco]; ok {
		return e, nil
	}
	if _, ok := db.meta.Ecosystems[eco]; !ok {
		db.ecos[eco] = nil
		return nil, nil
	}
	stem := filepath.Join(db.dir, fileStem(eco))
	b, err := os.ReadFile(stem + ".idx")
	if err != nil {
		return nil, fmt.Errorf("open %s index: %w", eco, err)
	}
	ix, err := decodeIndex(b)
	if err != nil {
		return nil, fmt.Errorf("open %s index %s: %w", eco, stem+".idx", err)
	}
	f, err := os.Open(stem + ".bodies")
	if err != nil {
		return nil, fmt.Errorf("open %s index: %w", eco, err)
	}
	e := &ecoIndex{ix: ix, bodies: f}
	db.ecos[eco] = e
	return e, nil
}

// Get returns one advisory by ecosystem and ID.
func (db *DB) Get(ctx context.Context, eco, id string) (*osv.Vulnerability, error) {
	e, i, err := db.find(eco, id)
	if err != nil {
		return nil, err
	}
	return db.advisory(eco, e, i)
}

// Raw returns one advisory's OSV JSON exactly as the archive held it.
func (db *DB) Raw(ctx context.Context, eco, id string) ([]byte, error) {
	e, i, err := db.find(eco, id)
	if err != nil {
		return nil, err
	}
	return db.body(eco, e, i)
}

// find locates an advisory by ID; the table is sorted by ID (buildEcosystem sorts it).
func (db *DB) find(eco, id string) (*ecoIndex, uint32, error) {
	e, err := db.ecosystem(eco)
	if err != nil {
		return nil, 0, err
	}
	if e == nil {
		return nil, 0, fmt.Errorf("get %s: %w: ecosystem %s is not in the database", id, fs.ErrNotExist, eco)
	}
	i, found := slices.BinarySearchFunc(e.ix.advs, id, func(a advRef, id string) int { return strings.Compare(a.id, id) })
	if !found {
		return nil, 0, fmt.Errorf("get %s in %s: %w", id, eco, fs.ErrNotExist)
	}
	return e, uint32(i), nil
}

// body reads and inflates one advisory's JSON.
func (db *DB) body(eco string, e *ecoIndex, i uint32) ([]byte, error) {
	a := e.ix.advs[i]
	if a.bodyLen > maxRecordSize {
		return nil, fmt.Errorf("read %s %s: %w: body length %d", eco, a.id, errCorrupt, a.bodyLen)
	}
	comp := make([]byte, a.bodyLen)
	if _, err := e.bodies.ReadAt(comp, int64(a.bodyOff)); err != nil {
		return nil, fmt.Errorf("read %s %s: %w", eco, a.id, err)
	}
	data, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(comp)), maxRecordSize))
	if err != nil {
		return nil, fmt.Errorf("read %s %s: %w: %w", eco, a.id, errCorrupt, err)
	}
	return data, nil
}

// advisory reads, inflates and parses one advisory body, once per DB.
func (db *DB) advisory(eco string, e *ecoIndex, i uint32) (*osv.Vulnerability, error) {
	a := e.ix.advs[i]
	key := eco + "\x00" + a.id
	db.mu.Lock()
	v, ok := db.vulns[key]
	db.mu.Unlock()
	if ok {
		return v, nil
	}
	data, err := db.body(eco, e, i)
	if err != nil {
		return nil, err
	}
	v, err = osv.Parse(a.id+".json", data)
	if err != nil {
		return nil, err
	}
	db.mu.Lock()
	db.vulns[key] = v
	db.mu.Unlock()
	return v, nil
}
