package inventory

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// rpm's own "ndb" database, as SUSE keeps usr/lib/sysimage/rpm/Packages.db (rpm's
// lib/backend/ndb/rpmpkg.c): a 32-byte header ("RpmP", version 0, generation, the number of 4 KiB
// slot pages), then the slots — 16 bytes each: "Slot", package index, block offset, block count —
// and, at offset × 16 of each used slot, a blob: "BlbS", package index, checksum, length, and
// the rpm header itself. All integers little-endian. Every slot and blob is checked against the
// file before it is read: the file comes from the image being scanned.

const (
	ndbHeaderMagic = 'R' | 'p'<<8 | 'm'<<16 | 'P'<<24
	ndbSlotMagic   = 'S' | 'l'<<8 | 'o'<<16 | 't'<<24
	ndbBlobMagic   = 'B' | 'l'<<8 | 'b'<<16 | 'S'<<24
	ndbSlotsInPage = 4096 / 16
	ndbMaxPages    = 2048 // rpm's own limit on slot pages
)

var errNDB = errors.New("malformed rpm ndb file")

// ndbValues returns every package header blob of an ndb Packages.db held in memory, with its
// package index.
func ndbValues(data []byte) ([]rpmBlob, error) {
	le := binary.LittleEndian
	if len(data) < 32 || le.Uint32(data[0:4]) != ndbHeaderMagic {
		return nil, fmt.Errorf("%w: no RpmP header", errNDB)
	}
	if v := le.Uint32(data[4:8]); v != 0 {
		return nil, fmt.Errorf("%w: version %d", errNDB, v)
	}
	pages := le.Uint32(data[12:16])
	if pages == 0 || pages > ndbMaxPages {
		return nil, fmt.Errorf("%w: %d slot pages", errNDB, pages)
	}
	// The header takes the place of the first two slots.
	slotsEnd := uint64(pages) * 4096
	if slotsEnd > uint64(len(data)) {
		return nil, fmt.Errorf("%w: %d slot pages do not fit in %d bytes", errNDB, pages, len(data))
	}
	var out []rpmBlob
	for off := uint64(32); off+16 <= slotsEnd; off += 16 {
		s := data[off : off+16]
		if le.Uint32(s[0:4]) != ndbSlotMagic {
			return nil, fmt.Errorf("%w: slot at %d has no Slot magic", errNDB, off)
		}
		idx, blk, cnt := le.Uint32(s[4:8]), uint64(le.Uint32(s[8:12])), uint64(le.Uint32(s[12:16]))
		if idx == 0 {
			continue // a free slot
		}
		start, end := blk*16, (blk+cnt)*16
		if start < slotsEnd || end > uint64(len(data)) || start+16 > end {
			return nil, fmt.Errorf("%w: package %d: blocks %d+%d outside the file", errNDB, idx, blk, cnt)
		}
		b := data[start:end]
		if le.Uint32(b[0:4]) != ndbBlobMagic || le.Uint32(b[4:8]) != idx {
			return nil, fmt.Errorf("%w: package %d: no blob of its own at block %d", errNDB, idx, blk)
		}
		n := uint64(le.Uint32(b[12:16]))
		if 16+n > uint64(len(b)) {
			return nil, fmt.Errorf("%w: package %d: blob of %d bytes in %d blocks", errNDB, idx, n, cnt)
		}
		out = append(out, rpmBlob{hnum: int64(idx), blob: b[16 : 16+n]})
	}
	return out, nil
}
