package inventory

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// A Berkeley DB hash database, as rpm before 4.16 keeps var/lib/rpm/Packages (RHEL ≤ 8, CentOS 7,
// Amazon Linux 2): fixed-size pages, page 0 the hash metadata, hash pages holding key/data pairs
// (the key a 4-byte package number, the data an rpm header), and data too large for its page in a
// chain of overflow pages. Only what reading every value needs is implemented — no locking, no
// log, no duplicates (rpm uses none) — and every page number, offset and length is checked
// against the file before it is used: the file comes from the image being scanned.

// Berkeley DB constants (db_page.h, db.h).
const (
	bdbHashMagic      = 0x061561
	bdbPageHashMeta   = 8
	bdbPageHash       = 13
	bdbPageHashUnsort = 2
	bdbPageOverflow   = 7
	bdbItemKeyData    = 1
	bdbItemOffPage    = 3
	bdbPageHeaderSize = 26
)

var errBDB = errors.New("malformed Berkeley DB file")

// bdbMagic says whether data starts like a Berkeley DB hash file, in either byte order.
func bdbMagic(data []byte) bool {
	return len(data) >= 16 && (binary.LittleEndian.Uint32(data[12:16]) == bdbHashMagic || binary.BigEndian.Uint32(data[12:16]) == bdbHashMagic)
}

// bdbValues returns every data value of a Berkeley DB hash file held in memory.
func bdbValues(data []byte) ([][]byte, error) {
	if len(data) < 512 {
		return nil, fmt.Errorf("%w: %d bytes, shorter than a metadata page", errBDB, len(data))
	}
	var order binary.ByteOrder = binary.LittleEndian
	switch {
	case binary.LittleEndian.Uint32(data[12:16]) == bdbHashMagic:
	case binary.BigEndian.Uint32(data[12:16]) == bdbHashMagic:
		order = binary.BigEndian
	default:
		return nil, fmt.Errorf("%w: not a hash database (magic %#x)", errBDB, binary.LittleEndian.Uint32(data[12:16]))
	}
	pageSize := order.Uint32(data[20:24])
	if pageSize < 512 || pageSize > 65536 || pageSize&(pageSize-1) != 0 {
		return nil, fmt.Errorf("%w: page size %d", errBDB, pageSize)
	}
	if data[24] != 0 {
		return nil, fmt.Errorf("%w: encrypted", errBDB)
	}
	if data[25] != bdbPageHashMeta {
		return nil, fmt.Errorf("%w: metadata page of type %d", errBDB, data[25])
	}
	lastPage := order.Uint32(data[32:36])
	pages := uint64(len(data)) / uint64(pageSize)
	if uint64(lastPage) >= pages {
		return nil, fmt.Errorf("%w: last page %d beyond the file's %d pages", errBDB, lastPage, pages)
	}
	page := func(n uint32) []byte {
		off := uint64(n) * uint64(pageSize)
		return data[off : off+uint64(pageSize)]
	}
	var out [][]byte
	for n := uint32(1); n <= lastPage; n++ {
		p := page(n)
		if typ := p[25]; typ != bdbPageHash && typ != bdbPageHashUnsort {
			continue
		}
		entries := int(order.Uint16(p[20:22]))
		if bdbPageHeaderSize+2*entries > len(p) {
			return nil, fmt.Errorf("%w: page %d: %d entries do not fit", errBDB, n, entries)
		}
		// Entries alternate key and data; items are packed from the page's end downwards, so an
		// item ends where the one before it in the index begins.
		for i := 1; i < entries; i += 2 {
			off := int(order.Uint16(p[bdbPageHeaderSize+2*i:]))
			end := int(order.Uint16(p[bdbPageHeaderSize+2*(i-1):]))
			if off < bdbPageHeaderSize+2*entries || off >= len(p) || end > len(p) || end <= off {
				return nil, fmt.Errorf("%w: page %d: item %d at %d..%d", errBDB, n, i, off, end)
			}
			switch p[off] {
			case bdbItemOffPage:
				if off+12 > len(p) {
					return nil, fmt.Errorf("%w: page %d: item %d cut short", errBDB, n, i)
				}
				first := order.Uint32(p[off+4 : off+8])
				total := order.Uint32(p[off+8 : off+12])
				v, err := bdbOverflow(page, order, first, total, lastPage)
				if err != nil {
					return nil, fmt.Errorf("page %d item %d: %w", n, i, err)
				}
				out = append(out, v)
			case bdbItemKeyData:
				// rpm keeps a 4-byte counter under key 0; a real header is never that small.
				if v := p[off+1 : end]; len(v) > 16 {
					out = append(out, v)
				}
			}
		}
	}
	return out, nil
}

// bdbOverflow reads a value of total bytes from the chain of overflow pages starting at first.
func bdbOverflow(page func(uint32) []byte, order binary.ByteOrder, first, total, lastPage uint32) ([]byte, error) {
	if total > rpmMaxData+8+16*rpmMaxEntries {
		return nil, fmt.Errorf("%w: value of %d bytes", errBDB, total)
	}
	out := make([]byte, 0, min(total, 1<<20))
	n := first
	for steps := uint32(0); uint32(len(out)) < total; steps++ {
		if n == 0 || n > lastPage || steps > lastPage {
			return nil, fmt.Errorf("%w: overflow chain broken at page %d after %d of %d bytes", errBDB, n, len(out), total)
		}
		p := page(n)
		if p[25] != bdbPageOverflow {
			return nil, fmt.Errorf("%w: page %d of an overflow chain has type %d", errBDB, n, p[25])
		}
		used := int(order.Uint16(p[22:24])) // on overflow pages, the bytes of data it holds
		if bdbPageHeaderSize+used > len(p) {
			return nil, fmt.Errorf("%w: overflow page %d holds %d bytes", errBDB, n, used)
		}
		out = append(out, p[bdbPageHeaderSize:bdbPageHeaderSize+used]...)
		n = order.Uint32(p[16:20])
	}
	if uint32(len(out)) != total {
		return nil, fmt.Errorf("%w: overflow chain holds %d bytes, not %d", errBDB, len(out), total)
	}
	return out, nil
}
