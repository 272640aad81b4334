package inventory

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// An RPM header, as the rpm database stores one per installed package (without the 8-byte
// magic of a header in a package file):
//
//	il  uint32 BE   number of index entries
//	dl  uint32 BE   length of the data store
//	il × { tag int32, type uint32, offset int32, count uint32 }   (16 bytes each, big-endian)
//	dl bytes of data: each entry's value at its offset
//
// Every offset and count is checked against the store before it is used: the blob comes from the
// image being scanned and may be anything.

// The header tags the inventory reads (rpm's lib/rpmtag.h).
const (
	rpmTagName      = 1000
	rpmTagVersion   = 1001
	rpmTagRelease   = 1002
	rpmTagEpoch     = 1003
	rpmTagLicense   = 1014
	rpmTagArch      = 1022
	rpmTagSourceRPM = 1044
)

// The header data types (rpm's rpmTagType).
const (
	rpmTypeInt32       = 4
	rpmTypeString      = 6
	rpmTypeStringArray = 8
	rpmTypeI18NString  = 9
)

// Limits rpm itself enforces on a header (lib/header.c HEADER_TAGS_MAX and HEADER_DATA_MAX).
const (
	rpmMaxEntries = 0xffff
	rpmMaxData    = 0x0fffffff
)

// rpmHeader is the part of a header the inventory uses.
type rpmHeader struct {
	name, version, release, arch, sourceRPM, license string
	epoch                                            int64 // -1 when the header has none
}

var errRPMHeader = errors.New("malformed rpm header")

// parseRPMHeader reads the tags the inventory needs from a header blob.
func parseRPMHeader(blob []byte) (rpmHeader, error) {
	h := rpmHeader{epoch: -1}
	if len(blob) < 8 {
		return h, fmt.Errorf("%w: %d bytes, shorter than its 8-byte preamble", errRPMHeader, len(blob))
	}
	il := binary.BigEndian.Uint32(blob[0:4])
	dl := binary.BigEndian.Uint32(blob[4:8])
	if il == 0 || il > rpmMaxEntries || dl > rpmMaxData {
		return h, fmt.Errorf("%w: %d entries, %d data bytes", errRPMHeader, il, dl)
	}
	storeAt := 8 + uint64(il)*16
	if storeAt+uint64(dl) > uint64(len(blob)) {
		return h, fmt.Errorf("%w: %d entries and %d data bytes do not fit in %d bytes", errRPMHeader, il, dl, len(blob))
	}
	store := blob[storeAt : storeAt+uint64(dl)]
	for i := range uint64(il) {
		e := blob[8+i*16 : 8+i*16+16]
		tag := int32(binary.BigEndian.Uint32(e[0:4]))
		typ := binary.BigEndian.Uint32(e[4:8])
		off := int32(binary.BigEndian.Uint32(e[8:12]))
		count := binary.BigEndian.Uint32(e[12:16])
		var dst *string
		switch tag {
		case rpmTagName:
			dst = &h.name
		case rpmTagVersion:
			dst = &h.version
		case rpmTagRelease:
			dst = &h.release
		case rpmTagArch:
			dst = &h.arch
		case rpmTagSourceRPM:
			dst = &h.sourceRPM
		case rpmTagLicense:
			dst = &h.license
		case rpmTagEpoch:
			v, err := rpmInt32(store, typ, off, count)
			if err != nil {
				return h, fmt.Errorf("EPOCH: %w", err)
			}
			h.epoch = v
			continue
		default:
			continue
		}
		s, err := rpmString(store, typ, off, count)
		if err != nil {
			return h, fmt.Errorf("tag %d: %w", tag, err)
		}
		*dst = s
	}
	if h.name == "" {
		return h, fmt.Errorf("%w: no NAME", errRPMHeader)
	}
	return h, nil
}

// rpmString reads a STRING or I18NSTRING (its first, untranslated, string) at off.
func rpmString(store []byte, typ uint32, off int32, count uint32) (string, error) {
	if typ != rpmTypeString && typ != rpmTypeI18NString && typ != rpmTypeStringArray {
		return "", fmt.Errorf("%w: type %d where a string belongs", errRPMHeader, typ)
	}
	if count == 0 {
		return "", fmt.Errorf("%w: string with count 0", errRPMHeader)
	}
	if off < 0 || int64(off) >= int64(len(store)) {
		return "", fmt.Errorf("%w: offset %d outside the %d-byte store", errRPMHeader, off, len(store))
	}
	rest := store[off:]
	end := bytes.IndexByte(rest, 0)
	if end < 0 {
		return "", fmt.Errorf("%w: string at %d not terminated", errRPMHeader, off)
	}
	return string(rest[:end]), nil
}

// rpmInt32 reads the first INT32 at off.
func rpmInt32(store []byte, typ uint32, off int32, count uint32) (int64, error) {
	if typ != rpmTypeInt32 || count == 0 {
		return 0, fmt.Errorf("%w: type %d count %d where an INT32 belongs", errRPMHeader, typ, count)
	}
	if off < 0 || int64(off)+4 > int64(len(store)) {
		return 0, fmt.Errorf("%w: offset %d outside the %d-byte store", errRPMHeader, off, len(store))
	}
	return int64(binary.BigEndian.Uint32(store[off : off+4])), nil
}

// evr is the header's version as OSV's Red Hat-family records write it: "epoch:version-release",
// the epoch left out when the header has none.
func (h rpmHeader) evr() string {
	v := h.version
	if h.release != "" {
		v += "-" + h.release
	}
	if h.epoch > 0 {
		v = strconv.FormatInt(h.epoch, 10) + ":" + v
	}
	return v
}

// sourceNameVersion splits SOURCERPM ("openssl-3.0.7-27.el9.src.rpm") into the source package's
// name and version-release; empty when the value is not of that form.
func (h rpmHeader) sourceNameVersion() (name, version string) {
	s := h.sourceRPM
	for _, suf := range []string{".src.rpm", ".nosrc.rpm"} {
		if t, ok := strings.CutSuffix(s, suf); ok {
			s = t
			break
		}
	}
	if s == h.sourceRPM {
		return "", ""
	}
	i := strings.LastIndexByte(s, '-')
	if i <= 0 {
		return "", ""
	}
	j := strings.LastIndexByte(s[:i], '-')
	if j <= 0 {
		return "", ""
	}
	name, version = s[:j], s[j+1:]
	if h.epoch > 0 {
		version = strconv.FormatInt(h.epoch, 10) + ":" + version
	}
	return name, version
}
