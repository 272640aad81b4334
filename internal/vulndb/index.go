package vulndb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// The on-disk index of one ecosystem is two files:
//
//	<eco>.idx     magic, advisory table, then packages sorted by normalised name, each with the
//	              compact affected ranges the matcher needs (read whole at open: small)
//	<eco>.bodies  every advisory's original JSON, each deflated on its own, read lazily by offset
//
// Integers are unsigned varints and strings are a varint length and bytes, except the package
// offset table, whose fixed-width little-endian uint32 entries allow a binary search by name
// without decoding any package record. Opening an ecosystem therefore costs one read of the .idx
// file and a decode of the advisory table; matching a package decodes only its own record.

const idxMagic = "PLSVIDX1"

// Event kinds in the index; the order is the OSV spelling's.
const (
	evIntroduced byte = iota + 1
	evFixed
	evLastAffected
	evLimit
)

// Range types in the index.
const (
	rtSemver byte = iota + 1
	rtEcosystem
	rtGit
)

type advRef struct {
	id      string
	bodyOff uint64
	bodyLen uint64
}

type event struct {
	kind    byte
	version string
}

type compactRange struct {
	typ    byte
	events []event
}

// entry is one affected[] element of one advisory, for one package.
type entry struct {
	adv      uint32 // index into the advisory table
	release  string // the ecosystem suffix ("12" of "Debian:12"), empty for most ecosystems
	ranges   []compactRange
	versions []string
}

type pkgRecord struct {
	name    string // normalised
	entries []entry
}

// encodeIndex writes the .idx file. pkgs must be sorted by name with no duplicates.
func encodeIndex(advs []advRef, pkgs []pkgRecord) []byte {
	var b []byte
	b = append(b, idxMagic...)
	b = binary.AppendUvarint(b, uint64(len(advs)))
	for _, a := range advs {
		b = appendString(b, a.id)
		b = binary.AppendUvarint(b, a.bodyOff)
		b = binary.AppendUvarint(b, a.bodyLen)
	}
	var recs []byte
	offs := make([]uint32, len(pkgs))
	for i, p := range pkgs {
		offs[i] = uint32(len(recs))
		recs = appendString(recs, p.name)
		recs = binary.AppendUvarint(recs, uint64(len(p.entries)))
		for _, e := range p.entries {
			recs = binary.AppendUvarint(recs, uint64(e.adv))
			recs = appendString(recs, e.release)
			recs = binary.AppendUvarint(recs, uint64(len(e.ranges)))
			for _, r := range e.ranges {
				recs = append(recs, r.typ)
				recs = binary.AppendUvarint(recs, uint64(len(r.events)))
				for _, ev := range r.events {
					recs = append(recs, ev.kind)
					recs = appendString(recs, ev.version)
				}
			}
			recs = binary.AppendUvarint(recs, uint64(len(e.versions)))
			for _, v := range e.versions {
				recs = appendString(recs, v)
			}
		}
	}
	b = binary.AppendUvarint(b, uint64(len(pkgs)))
	for _, o := range offs {
		b = binary.LittleEndian.AppendUint32(b, o)
	}
	return append(b, recs...)
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// index is a decoded .idx file: the advisory table, and the package records still encoded.
type index struct {
	advs    []advRef
	offsets []byte // nPkg × uint32
	records []byte
}

func (ix *index) numPackages() int { return len(ix.offsets) / 4 }

var errCorrupt = errors.New("corrupt index")

// decodeIndex reads an .idx file; it never panics on damaged input.
func decodeIndex(b []byte) (*index, error) {
	if !bytes.HasPrefix(b, []byte(idxMagic)) {
		return nil, fmt.Errorf("%w: bad magic (built by another version? run palisade db update)", errCorrupt)
	}
	d := decoder{b: b, pos: len(idxMagic)}
	n := d.count()
	ix := &index{advs: make([]advRef, 0, n)}
	for i := 0; i < n && d.err == nil; i++ {
		ix.advs = append(ix.advs, advRef{id: d.str(), bodyOff: d.uvarint(), bodyLen: d.uvarint()})
	}
	np := d.count()
	if d.err != nil {
		return nil, d.err
	}
	if np*4 > len(b)-d.pos {
		return nil, fmt.Errorf("%w: package table truncated", errCorrupt)
	}
	ix.offsets = b[d.pos : d.pos+np*4]
	ix.records = b[d.pos+np*4:]
	return ix, nil
}

func (ix *index) nameAt(i int) (string, error) {
	d := decoder{b: ix.records, pos: int(binary.LittleEndian.Uint32(ix.offsets[i*4:]))}
	s := d.str()
	return s, d.err
}

// lookup returns the entries of the package with normalised name, or nil.
func (ix *index) lookup(name string) ([]entry, error) {
	// A binary search by hand: the names stay encoded in the records until compared.
	lo, hi := 0, ix.numPackages()
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		n, err := ix.nameAt(mid)
		if err != nil {
			return nil, err
		}
		if strings.Compare(n, name) < 0 {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo >= ix.numPackages() {
		return nil, nil
	}
	d := decoder{b: ix.records, pos: int(binary.LittleEndian.Uint32(ix.offsets[lo*4:]))}
	if d.str() != name {
		return nil, d.err
	}
	return d.entries(len(ix.advs))
}

type decoder struct {
	b   []byte
	pos int
	err error
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	if d.pos < 0 || d.pos > len(d.b) {
		d.err = fmt.Errorf("%w: offset %d out of range", errCorrupt, d.pos)
		return 0
	}
	v, n := binary.Uvarint(d.b[d.pos:])
	if n <= 0 {
		d.err = fmt.Errorf("%w: bad varint at %d", errCorrupt, d.pos)
		return 0
	}
	d.pos += n
	return v
}

// count reads a length and checks it against the bytes left, so damaged input cannot make us
// allocate without bound.
func (d *decoder) count() int {
	v := d.uvarint()
	if d.err == nil && v > uint64(len(d.b)-d.pos) {
		d.err = fmt.Errorf("%w: count %d at %d exceeds the data", errCorrupt, v, d.pos)
		return 0
	}
	return int(v)
}

func (d *decoder) str() string {
	n := d.count()
	if d.err != nil {
		return ""
	}
	s := string(d.b[d.pos : d.pos+n])
	d.pos += n
	return s
}

func (d *decoder) byte1() byte {
	if d.err != nil {
		return 0
	}
	if d.pos >= len(d.b) {
		d.err = fmt.Errorf("%w: truncated at %d", errCorrupt, d.pos)
		return 0
	}
	c := d.b[d.pos]
	d.pos++
	return c
}

func (d *decoder) entries(nAdv int) ([]entry, error) {
	n := d.count()
	out := make([]entry, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		e := entry{adv: uint32(d.uvarint()), release: d.str()}
		if d.err == nil && int(e.adv) >= nAdv {
			return nil, fmt.Errorf("%w: advisory %d out of range", errCorrupt, e.adv)
		}
		nr := d.count()
		for j := 0; j < nr && d.err == nil; j++ {
			r := compactRange{typ: d.byte1()}
			ne := d.count()
			for k := 0; k < ne && d.err == nil; k++ {
				r.events = append(r.events, event{kind: d.byte1(), version: d.str()})
			}
			e.ranges = append(e.ranges, r)
		}
		nv := d.count()
		for j := 0; j < nv && d.err == nil; j++ {
			e.versions = append(e.versions, d.str())
		}
		out = append(out, e)
	}
	if d.err != nil {
		return nil, d.err
	}
	return out, nil
}
