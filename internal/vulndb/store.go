package vulndb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/palisade-sec/palisade/internal/atomicfile"
	"github.com/palisade-sec/palisade/internal/errkind"
)

// The database directory holds complete generations side by side and a pointer to the one in use:
//
//	<dir>/CURRENT          the name of the generation in use, replaced by rename
//	<dir>/gen-<time>-<id>/ meta.json and <eco>.idx / <eco>.bodies per ecosystem
//	<dir>/staging-*/       a generation being built; never read
//
// An update builds and verifies a whole new generation in a staging directory, renames it into
// place, and only then swaps CURRENT (write a temporary file, rename over). A crash or a failed
// download at any point leaves CURRENT naming the old, complete generation.

const (
	currentFile = "CURRENT"
	metaFile    = "meta.json"
	genPrefix   = "gen-"
	stagePrefix = "staging-"
	metaSchema  = 1
	dirPerm     = 0o755
)

// DefaultMaxAge is how old the database may get before scans warn about it.
const DefaultMaxAge = 7 * 24 * time.Hour

// Meta is what the database records about itself in meta.json.
type Meta struct {
	Schema     int                      `json:"schema"`
	Built      time.Time                `json:"built"`
	Ecosystems map[string]EcosystemInfo `json:"ecosystems"`
}

// EcosystemInfo records where one ecosystem's advisories came from, when, and how many there are.
type EcosystemInfo struct {
	Source     string    `json:"source"` // the URL or local path of the archive
	Fetched    time.Time `json:"fetched"`
	SHA256     string    `json:"sha256"` // of the archive, so a mirror's copy can be compared
	Advisories int       `json:"advisories"`
	Withdrawn  int       `json:"withdrawn"`
	Packages   int       `json:"packages"`
	// Releases are the release suffixes the advisories name ("11", "12" of Debian:11, Debian:12),
	// for the ecosystems whose advisories are per release: a package of a release not among them
	// is reported as not checked, not as clean. Empty in databases built before it was recorded.
	Releases []string `json:"releases,omitempty"`
}

// Oldest returns the fetch time of the least recently fetched ecosystem: the age of the database
// is the age of its stalest part. It is zero for an empty database.
func (m Meta) Oldest() time.Time {
	var t time.Time
	for _, e := range m.Ecosystems {
		if t.IsZero() || e.Fetched.Before(t) {
			t = e.Fetched
		}
	}
	return t
}

// EcosystemNames returns the ecosystems in the database, sorted.
func (m Meta) EcosystemNames() []string { return slices.Sorted(maps.Keys(m.Ecosystems)) }

// EnvDir is the environment variable that names the database directory when no flag does.
const EnvDir = "PALISADE_DB_DIR"

// ResolveDir says where the database is: dir if set (--db-dir, or deps.db-dir from the user's own
// configuration), else $PALISADE_DB_DIR as getenv reads it, else DefaultDir. Every command that
// opens or updates the database resolves it here, so a scan and 'db update' never disagree.
func ResolveDir(dir string, getenv func(string) string) (string, error) {
	if dir != "" {
		return dir, nil
	}
	if env := getenv(EnvDir); env != "" {
		return env, nil
	}
	return DefaultDir()
}

// DefaultDir is where the database lives unless --db-dir or PALISADE_DB_DIR say otherwise.
func DefaultDir() (string, error) {
	c, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("locate the vulnerability database: %w", err)
	}
	return filepath.Join(c, "palisade", "db"), nil
}

// ErrNoDatabase is returned by Open when no database has been installed in the directory yet.
var ErrNoDatabase = errors.New("no vulnerability database (run 'palisade db update', or 'palisade db import' offline)")

// currentGeneration returns the path of the generation in use.
func currentGeneration(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, currentFile))
	if errors.Is(err, fs.ErrNotExist) {
		return "", errkind.Wrap(errkind.NotFound, fmt.Errorf("open %s: %w", dir, ErrNoDatabase))
	}
	if err != nil {
		return "", fmt.Errorf("open vulnerability database: %w", err)
	}
	name := strings.TrimSpace(string(b))
	if !strings.HasPrefix(name, genPrefix) || strings.ContainsAny(name, `/\`) || name != filepath.Base(name) {
		return "", fmt.Errorf("open vulnerability database: %s names %q, not a generation", filepath.Join(dir, currentFile), name)
	}
	return filepath.Join(dir, name), nil
}

func readMeta(gen string) (Meta, error) {
	var m Meta
	b, err := os.ReadFile(filepath.Join(gen, metaFile))
	if err != nil {
		return m, fmt.Errorf("read database metadata: %w", err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("read database metadata %s: %w", filepath.Join(gen, metaFile), err)
	}
	if m.Schema != metaSchema {
		return m, fmt.Errorf("database metadata %s: schema %d, this palisade reads %d (run palisade db update)", filepath.Join(gen, metaFile), m.Schema, metaSchema)
	}
	return m, nil
}

// ReadMeta returns the metadata of the database in dir without opening its indexes.
func ReadMeta(dir string) (Meta, error) {
	gen, err := currentGeneration(dir)
	if err != nil {
		return Meta{}, err
	}
	return readMeta(gen)
}

// archive is one ecosystem's verified-or-to-verify OSV export on local disk.
type archive struct {
	ecosystem string
	path      string // the zip
	origin    string // URL or path recorded as the source
	// downloaded archives live in the staging directory and are removed once indexed; imported
	// ones belong to the user and are never touched.
	downloaded bool
}

// install builds a new generation from archives in staging (created by the caller inside dir),
// carries over the ecosystems it does not replace from the current generation, and switches to
// it atomically. On any error the staging directory is removed and the old generation stays.
func install(ctx context.Context, dir, staging string, archives []archive, now time.Time) (meta Meta, err error) {
	defer func() {
		if err != nil {
			os.RemoveAll(staging)
		}
	}()
	meta = Meta{Schema: metaSchema, Built: now.UTC(), Ecosystems: map[string]EcosystemInfo{}}
	for _, a := range archives {
		if err := ctx.Err(); err != nil {
			return meta, err
		}
		info, err := buildEcosystem(ctx, a.ecosystem, a.path, staging)
		if err != nil {
			return meta, err
		}
		info.Source, info.Fetched = a.origin, now.UTC()
		meta.Ecosystems[a.ecosystem] = info
		if a.downloaded {
			// The download is verified and indexed; it must not be renamed into the generation.
			if err := os.Remove(a.path); err != nil {
				return meta, fmt.Errorf("remove %s download: %w", a.ecosystem, err)
			}
		}
	}
	if err := carryOver(dir, staging, &meta); err != nil {
		return meta, err
	}
	b, _ := json.MarshalIndent(meta, "", "  ") // plain data: cannot fail
	if err := atomicfile.WriteFile(filepath.Join(staging, metaFile), b, 0o644); err != nil {
		return meta, fmt.Errorf("write database metadata: %w", err)
	}
	// Every file in staging is flushed; flush its entries before it becomes a generation.
	if err := atomicfile.SyncDir(staging); err != nil {
		return meta, fmt.Errorf("install database: %w", err)
	}
	gen := genPrefix + now.UTC().Format("20060102T150405Z") + "-" + randomID()
	if err := os.Rename(staging, filepath.Join(dir, gen)); err != nil {
		return meta, fmt.Errorf("install database: %w", err)
	}
	prev, _ := currentGeneration(dir)
	if err := atomicfile.WriteFile(filepath.Join(dir, currentFile), []byte(gen+"\n"), 0o644); err != nil {
		os.RemoveAll(filepath.Join(dir, gen))
		return meta, fmt.Errorf("switch database: %w", err)
	}
	pruneGenerations(dir, gen, filepath.Base(prev))
	return meta, nil
}

// carryOver links (or copies) the ecosystems of the current generation that this update does
// not replace, so updating one ecosystem keeps the others.
func carryOver(dir, staging string, meta *Meta) error {
	gen, err := currentGeneration(dir)
	if errkind.Of(err) == errkind.NotFound {
		return nil
	}
	if err != nil {
		return err
	}
	old, err := readMeta(gen)
	if err != nil {
		return nil // an unreadable old generation is replaced, not carried over
	}
	for eco, info := range old.Ecosystems {
		if _, ok := meta.Ecosystems[eco]; ok {
			continue
		}
		for _, ext := range []string{".idx", ".bodies"} {
			name := fileStem(eco) + ext
			if err := linkOrCopy(filepath.Join(gen, name), filepath.Join(staging, name)); err != nil {
				return fmt.Errorf("keep %s from the current database: %w", eco, err)
			}
		}
		meta.Ecosystems[eco] = info
	}
	return nil
}

func linkOrCopy(from, to string) error {
	if err := os.Link(from, to); err == nil {
		return nil
	}
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	return atomicfile.Write(to, 0o644, func(w io.Writer) error {
		_, err := io.Copy(w, src)
		return err
	})
}

// pruneGenerations removes generations other than the new one and the one it replaced (a scan
// that read CURRENT just before the switch may still be opening that one), and stale staging
// directories of interrupted updates older than a day.
func pruneGenerations(dir, keep, prev string) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		n := e.Name()
		switch {
		case strings.HasPrefix(n, genPrefix) && n != keep && n != prev:
			os.RemoveAll(filepath.Join(dir, n))
		case strings.HasPrefix(n, stagePrefix):
			if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > 24*time.Hour {
				os.RemoveAll(filepath.Join(dir, n))
			}
		}
	}
}

func randomID() string {
	b := make([]byte, 4)
	rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// newStaging creates dir (if needed) and a fresh staging directory inside it.
func newStaging(dir string) (string, error) {
	if err := os.MkdirAll(dir, dirPerm); err != nil {
		return "", fmt.Errorf("create database directory: %w", err)
	}
	s, err := os.MkdirTemp(dir, stagePrefix)
	if err != nil {
		return "", fmt.Errorf("create database staging directory: %w", err)
	}
	return s, nil
}
