// Package sbom writes software bills of materials — CycloneDX 1.6 JSON and SPDX 2.3 JSON — from
// an inventory: every package with its purl, licences, hashes and the file it was found in, and
// the dependency graph from the target down.
//
// The documents are built from small structs of our own rather than the CycloneDX and SPDX
// libraries: we write a few dozen fields, and owning them keeps the output exact (no empty arrays
// or zero values a schema rejects), stable byte for byte, and free of heavy dependencies. Output
// is deterministic apart from the timestamp and the document's UUID, which come from Options so
// tests can fix them; tests validate every document against the official JSON schemas.
package sbom

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/inventory"
)

// Format is an SBOM format Palisade writes.
type Format string

// The formats.
const (
	CycloneDX Format = "cyclonedx"
	SPDX      Format = "spdx"
)

// ParseFormat reads a format name as users type it.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "cyclonedx", "cdx", "cyclonedx-json":
		return CycloneDX, nil
	case "spdx", "spdx-json":
		return SPDX, nil
	}
	return "", fmt.Errorf("unknown SBOM format %q (want cyclonedx or spdx)", s)
}

// Options describe the document around the packages.
type Options struct {
	// Target names what the SBOM describes: the scanned directory, repository or image.
	Target string
	// ToolVersion is Palisade's version, recorded as the document's creator.
	ToolVersion string
	// Now is the clock for the document's timestamp; nil means time.Now.
	Now func() time.Time
	// NewUUID returns the UUID that makes the serial number or namespace unique; nil means a
	// random (version 4) UUID.
	NewUUID func() string
}

func (o Options) now() time.Time {
	if o.Now != nil {
		return o.Now().UTC()
	}
	return time.Now().UTC()
}

func (o Options) uuid() string {
	if o.NewUUID != nil {
		return o.NewUUID()
	}
	return RandomUUID()
}

func (o Options) target() string { return cmp.Or(o.Target, "unnamed") }

func (o Options) toolVersion() string { return cmp.Or(o.ToolVersion, "devel") }

// RandomUUID returns a version 4 UUID from crypto/rand.
func RandomUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// Write renders pkgs as an SBOM in format f.
func Write(w io.Writer, f Format, pkgs []inventory.Package, opts Options) error {
	switch f {
	case CycloneDX:
		return WriteCycloneDX(w, pkgs, opts)
	case SPDX:
		return WriteSPDX(w, pkgs, opts)
	}
	return fmt.Errorf("write SBOM: unknown format %q", f)
}

// entry is one package of the document: the inventory's packages merged by key, since the same
// version found in two lockfiles is one component.
type entry struct {
	inventory.Package
	locations []string
	layers    []finding.Layer // the image layers the package's files came from, by index
}

// merge collapses pkgs by Key, keeping every location, the union of DependsOn, licences and
// hashes, and Direct if any occurrence was direct. The result is sorted by key.
func merge(pkgs []inventory.Package) []*entry {
	byKey := map[string]*entry{}
	for _, p := range pkgs {
		k := p.Key()
		loc := p.Location.Path
		if p.Location.StartLine > 0 {
			loc += ":" + strconv.Itoa(p.Location.StartLine)
		}
		e, ok := byKey[k]
		if !ok {
			e = &entry{Package: p}
			e.DependsOn = slices.Clone(p.DependsOn)
			e.Licenses = slices.Clone(p.Licenses)
			e.Hashes = maps.Clone(p.Hashes)
			e.Properties = maps.Clone(p.Properties)
			byKey[k] = e
		} else {
			e.Direct = e.Direct || p.Direct
			e.DependsOn = append(e.DependsOn, p.DependsOn...)
			e.Licenses = append(e.Licenses, p.Licenses...)
			for a, h := range p.Hashes {
				if e.Hashes == nil {
					e.Hashes = map[string]string{}
				}
				if _, ok := e.Hashes[a]; !ok {
					e.Hashes[a] = h
				}
			}
		}
		if loc != "" {
			e.locations = append(e.locations, loc)
		}
		if l := p.Location.Layer; l != nil && !slices.ContainsFunc(e.layers, func(x finding.Layer) bool { return x.Index == l.Index }) {
			e.layers = append(e.layers, *l)
		}
	}
	out := slices.Collect(maps.Values(byKey))
	slices.SortFunc(out, func(a, b *entry) int { return strings.Compare(a.Key(), b.Key()) })
	for _, e := range out {
		slices.Sort(e.DependsOn)
		e.DependsOn = slices.Compact(e.DependsOn)
		e.Licenses = uniqueInOrder(e.Licenses) // keeps the sources' order, drops repeats
		slices.Sort(e.locations)
		e.locations = slices.Compact(e.locations)
		slices.SortFunc(e.layers, func(a, b finding.Layer) int { return a.Index - b.Index })
	}
	return out
}

// layerText names a layer in prose: "layer 3 (sha256:…, own: RUN make)".
func layerText(l finding.Layer) string {
	who := "own"
	if l.Base {
		who = "base image"
	}
	s := fmt.Sprintf("layer %d (", l.Index)
	if l.Digest != "" {
		s += l.Digest + ", "
	}
	s += who
	if l.CreatedBy != "" {
		s += ": " + l.CreatedBy
	}
	return s + ")"
}

// hexHash reports whether s is a hex digest of the length alg produces.
func hexHash(alg, s string) bool {
	want := map[string]int{"sha1": 40, "sha256": 64, "sha384": 96, "sha512": 128}[alg]
	if want == 0 || len(s) != want {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// uniqueInOrder drops repeated strings, keeping the first of each.
func uniqueInOrder(ss []string) []string {
	seen := make(map[string]bool, len(ss))
	out := ss[:0]
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
