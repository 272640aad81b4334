package vulndb

import (
	"archive/zip"
	"bufio"
	"bytes"
	"cmp"
	"compress/flate"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/palisade-sec/palisade/internal/atomicfile"
	"github.com/palisade-sec/palisade/internal/errkind"
	"github.com/palisade-sec/palisade/internal/vulndb/osv"
)

// maxRecordSize bounds one advisory's JSON, so a hostile zip cannot exhaust memory through one
// entry (the largest real records, long version lists, are well under 1 MiB); maxRecords and
// maxArchiveContent bound the whole archive the same way (the largest OSV export, npm with its
// malicious-package reports, holds a few hundred thousand records and a few GiB of JSON).
const (
	maxRecordSize     = 32 << 20
	maxRecords        = 5_000_000
	maxArchiveContent = 64 << 30
)

// builtRecord is what the index needs from one advisory of a zip: its ID, whether it was
// withdrawn, its deflated body, and its affected entries for the ecosystem being built. The parsed
// record itself is dropped at once, so building the index of a large ecosystem does not hold every
// advisory in memory.
type builtRecord struct {
	name      string
	id        string
	withdrawn bool
	body      []byte
	keys      []string // normalised package name of each entry
	entries   []entry  // adv is filled in by assemble
}

// buildEcosystem verifies the zip of one ecosystem — it opens, and every entry is an OSV record
// that parses — and writes that ecosystem's index files into outDir. Nothing is written when any
// entry fails, and the error names the entry and the field.
func buildEcosystem(ctx context.Context, eco, zipPath, outDir string) (EcosystemInfo, error) {
	var info EcosystemInfo
	sum, err := fileSHA256(zipPath)
	if err != nil {
		return info, fmt.Errorf("read %s archive: %w", eco, err)
	}
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		return info, fmt.Errorf("open %s archive: %w", eco, err)
	}
	defer zr.Close()
	if len(zr.File) > maxRecords {
		return info, fmt.Errorf("%s archive: %d entries exceeds the limit of %d", eco, len(zr.File), maxRecords)
	}
	var files []*zip.File
	var content uint64
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		if !strings.HasSuffix(f.Name, ".json") {
			return info, fmt.Errorf("%s archive: entry %s: not an OSV .json record", eco, f.Name)
		}
		if f.UncompressedSize64 > maxRecordSize {
			return info, fmt.Errorf("%s archive: entry %s: %d bytes exceeds the %d-byte limit for one record", eco, f.Name, f.UncompressedSize64, maxRecordSize)
		}
		if content += f.UncompressedSize64; content > maxArchiveContent {
			return info, fmt.Errorf("%s archive: more than %d bytes of records", eco, uint64(maxArchiveContent))
		}
		files = append(files, f)
	}
	recs, err := parseEntries(ctx, eco, files)
	if err != nil {
		if errkind.Of(err) == errkind.Invalid {
			return info, fmt.Errorf("%s: %w", zipPath, err)
		}
		return info, err
	}
	slices.SortFunc(recs, func(a, b builtRecord) int { return strings.Compare(a.id, b.id) })
	for i := 1; i < len(recs); i++ {
		if recs[i].id == recs[i-1].id {
			return info, fmt.Errorf("%s archive: entries %s and %s both hold %s", eco, recs[i-1].name, recs[i].name, recs[i].id)
		}
	}
	if err := checkIndexesSomething(eco, recs); err != nil {
		return info, errkind.Wrap(errkind.Invalid, fmt.Errorf("%s: %w", zipPath, err))
	}
	stem := filepath.Join(outDir, fileStem(eco))
	advs, pkgs, err := writeBodies(stem+".bodies", recs)
	if err != nil {
		return info, fmt.Errorf("write %s index: %w", eco, err)
	}
	if err := atomicfile.WriteFile(stem+".idx", encodeIndex(advs, pkgs), 0o644); err != nil {
		return info, fmt.Errorf("write %s index: %w", eco, err)
	}
	info.SHA256 = sum
	info.Advisories = len(recs)
	info.Packages = len(pkgs)
	releases := map[string]bool{}
	for _, r := range recs {
		if r.withdrawn {
			info.Withdrawn++
		}
		for _, e := range r.entries {
			releases[e.release] = true
		}
	}
	if base, _ := baseEcosystem(eco); releaseRequired(base) {
		for r := range releases {
			if r != "" {
				info.Releases = append(info.Releases, r)
			}
		}
		slices.Sort(info.Releases)
	}
	return info, nil
}

// parseEntries reads, parses and deflates every entry, on as many goroutines as there are CPUs.
func parseEntries(ctx context.Context, eco string, files []*zip.File) ([]builtRecord, error) {
	recs := make([]builtRecord, len(files))
	workers := min(runtime.GOMAXPROCS(0), max(len(files), 1))
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	next := make(chan int)
	// Entries are handed out in order and each handed-out entry is finished, so the failed entry
	// with the lowest index is the archive's first bad entry, whatever the scheduling.
	errs := make([]error, len(files))
	for range workers {
		wg.Go(func() {
			var buf bytes.Buffer
			fw, _ := flate.NewWriter(&buf, flate.BestSpeed) // the level is valid, so no error
			for i := range next {
				r, err := parseEntry(eco, files[i], fw, &buf)
				if err != nil {
					errs[i] = err
					cancel(err)
					continue
				}
				recs[i] = r
			}
		})
	}
feed:
	for i := range files {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	return recs, nil
}

func parseEntry(eco string, f *zip.File, fw *flate.Writer, buf *bytes.Buffer) (builtRecord, error) {
	rc, err := f.Open()
	if err != nil {
		return builtRecord{}, fmt.Errorf("%s archive: entry %s: %w", eco, f.Name, err)
	}
	data, err := io.ReadAll(io.LimitReader(rc, maxRecordSize+1))
	rc.Close()
	if err != nil {
		return builtRecord{}, fmt.Errorf("%s archive: entry %s: %w", eco, f.Name, err)
	}
	if len(data) > maxRecordSize {
		return builtRecord{}, fmt.Errorf("%s archive: entry %s: exceeds the %d-byte limit for one record", eco, f.Name, maxRecordSize)
	}
	v, err := osv.Parse(f.Name, data)
	if err != nil {
		return builtRecord{}, fmt.Errorf("%s archive: %w", eco, err)
	}
	buf.Reset()
	fw.Reset(buf)
	if _, err := fw.Write(data); err != nil {
		return builtRecord{}, err
	}
	if err := fw.Close(); err != nil {
		return builtRecord{}, err
	}
	if err := checkRecordEcosystem(eco, v); err != nil {
		return builtRecord{}, errkind.Wrap(errkind.Invalid, fmt.Errorf("%s archive: entry %s: %w", eco, f.Name, err))
	}
	r := builtRecord{name: f.Name, id: v.ID, withdrawn: v.IsWithdrawn(), body: bytes.Clone(buf.Bytes())}
	if !r.withdrawn {
		r.keys, r.entries = compactAffected(eco, v)
	}
	return r, nil
}

// checkRecordEcosystem refuses a record none of whose affected packages is in the archive's
// ecosystem: the archive is another ecosystem's (a PyPI export imported as Go), and indexing it
// would replace the ecosystem's data with nothing. Entries that name no ecosystem are not judged.
func checkRecordEcosystem(eco string, v *osv.Vulnerability) error {
	base, _ := baseEcosystem(eco)
	other := ""
	for _, a := range v.Affected {
		if a.Package.Ecosystem == "" {
			continue
		}
		if b, _ := baseEcosystem(a.Package.Ecosystem); b == base {
			return nil
		}
		if other == "" {
			other = a.Package.Ecosystem
		}
	}
	if other == "" {
		return nil
	}
	return fmt.Errorf("%s affects packages of ecosystem %q, not %s: is this the right archive for --ecosystem %s?", v.ID, other, eco, eco)
}

// checkIndexesSomething refuses an archive with live advisories none of which names a package of
// eco: checkRecordEcosystem lets through records that name no affected package at all, and an
// archive made only of those would replace the ecosystem's data with an index that matches nothing.
func checkIndexesSomething(eco string, recs []builtRecord) error {
	live := 0
	for _, r := range recs {
		if len(r.entries) > 0 {
			return nil
		}
		if !r.withdrawn {
			live++
		}
	}
	if live == 0 {
		return nil
	}
	return fmt.Errorf("%s archive: none of its %d advisories names a package of ecosystem %s: is this the right archive for --ecosystem %s?", eco, live, eco, eco)
}

// compactAffected returns the affected entries of v for the ecosystem eco, in index form, with
// their normalised package names. Entries for other ecosystems are left to their own archives.
func compactAffected(eco string, v *osv.Vulnerability) (keys []string, entries []entry) {
	base, _ := baseEcosystem(eco)
	for _, a := range v.Affected {
		aBase, release := baseEcosystem(a.Package.Ecosystem)
		if aBase != base || a.Package.Name == "" {
			continue
		}
		e := entry{release: release, versions: a.Versions}
		for _, rg := range a.Ranges {
			cr := compactRange{typ: rangeType(rg.Type)}
			for _, ev := range rg.Events {
				cr.events = append(cr.events, compactEvent(ev))
			}
			e.ranges = append(e.ranges, cr)
		}
		keys = append(keys, normalizeName(a.Package.Ecosystem, a.Package.Name))
		entries = append(entries, e)
	}
	return keys, entries
}

// writeBodies writes the deflated bodies one after the other (releasing each once written) and
// returns the advisory table and the package records. Withdrawn advisories keep their body (so
// they can be shown) but have no package entries, so they never match.
func writeBodies(path string, recs []builtRecord) ([]advRef, []pkgRecord, error) {
	advs := make([]advRef, len(recs))
	byName := map[string][]entry{}
	err := atomicfile.Write(path, 0o644, func(f io.Writer) error {
		w := bufio.NewWriterSize(f, 1<<20)
		var off uint64
		for i := range recs {
			r := &recs[i]
			advs[i] = advRef{id: r.id, bodyOff: off, bodyLen: uint64(len(r.body))}
			if _, err := w.Write(r.body); err != nil {
				return err
			}
			off += uint64(len(r.body))
			r.body = nil
			for j, e := range r.entries {
				e.adv = uint32(i)
				byName[r.keys[j]] = append(byName[r.keys[j]], e)
			}
		}
		return w.Flush()
	})
	if err != nil {
		return nil, nil, err
	}
	pkgs := make([]pkgRecord, 0, len(byName))
	for name, es := range byName {
		pkgs = append(pkgs, pkgRecord{name: name, entries: es})
	}
	slices.SortFunc(pkgs, func(a, b pkgRecord) int { return cmp.Compare(a.name, b.name) })
	return advs, pkgs, nil
}

func rangeType(t string) byte {
	switch t {
	case osv.RangeSemver:
		return rtSemver
	case osv.RangeEcosystem:
		return rtEcosystem
	}
	return rtGit
}

func compactEvent(ev osv.Event) event {
	switch {
	case ev.Introduced != "":
		return event{evIntroduced, ev.Introduced}
	case ev.Fixed != "":
		return event{evFixed, ev.Fixed}
	case ev.LastAffected != "":
		return event{evLastAffected, ev.LastAffected}
	}
	return event{evLimit, ev.Limit}
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
