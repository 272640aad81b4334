package inventory

import (
	"bytes"
	"compress/zlib"
	"context"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// The bounds of reading a cargo-auditable dependency list: the compressed section and what it
// inflates to. Real lists are a few kilobytes for hundreds of crates.
const (
	maxRustDepSection = 16 << 20
	maxRustDepJSON    = 64 << 20
)

// rustDepSection is the section cargo-auditable adds to ELF, PE and Mach-O binaries (in Mach-O,
// in segment __DATA).
const rustDepSection = ".dep-v0"

// extractRustBinary reads the dependency list cargo-auditable embeds in a Rust binary: the
// zlib-compressed JSON of section .dep-v0 (ELF, PE; __DATA,.dep-v0 in Mach-O), listing every crate
// compiled in with its version, source, kind and dependencies. The binary's own crates (source
// "local") are left out and what they depend on is direct; build-only crates are marked dev.
// A file that is not an executable, or one without the section, is not this format.
func extractRustBinary(_ context.Context, in *input) ([]Package, error) {
	ra, closeFile, err := openExecutable(in)
	if err != nil {
		return nil, err
	}
	defer closeFile()
	raw, err := rustDepData(ra)
	if err != nil {
		return nil, err
	}
	return parseRustDeps(raw)
}

// section is what the three object-file readers' sections have in common.
type section interface {
	Open() io.ReadSeeker
}

// rustDepData returns the compressed dependency list of an executable, errNotMine when it has
// none.
func rustDepData(ra io.ReaderAt) ([]byte, error) {
	var sec section
	var size uint64
	if f, err := elf.NewFile(ra); err == nil {
		if s := f.Section(rustDepSection); s != nil && s.Type != elf.SHT_NOBITS {
			sec, size = s, s.Size
		}
	} else if f, err := pe.NewFile(ra); err == nil {
		if s := f.Section(rustDepSection); s != nil {
			sec, size = s, uint64(min(s.Size, s.VirtualSize))
			if s.VirtualSize == 0 {
				size = uint64(s.Size)
			}
		}
	} else if f, err := macho.NewFile(ra); err == nil {
		if s := machoDepSection(f); s != nil {
			sec, size = s, s.Size
		}
	} else if fat, err := macho.NewFatFile(ra); err == nil {
		for _, a := range fat.Arches { // every architecture carries the same list
			if s := machoDepSection(a.File); s != nil {
				sec, size = s, s.Size
				break
			}
		}
	}
	if sec == nil {
		return nil, errNotMine
	}
	if size > maxRustDepSection {
		return nil, fmt.Errorf("section %s: %d bytes, over the %d-byte limit", rustDepSection, size, maxRustDepSection)
	}
	data, err := io.ReadAll(io.LimitReader(sec.Open(), int64(size)))
	if err != nil {
		return nil, fmt.Errorf("section %s: %w", rustDepSection, err)
	}
	return data, nil
}

// machoDepSection is __DATA,.dep-v0 of a Mach-O file, or nil.
func machoDepSection(f *macho.File) *macho.Section {
	for _, s := range f.Sections {
		if s.Name == rustDepSection && s.Seg == "__DATA" {
			return s
		}
	}
	return nil
}

// rustDeps is cargo-auditable's dependency list (format version 0).
type rustDeps struct {
	Packages []struct {
		Name         string `json:"name"`
		Version      string `json:"version"`
		Source       string `json:"source"`
		Kind         string `json:"kind"`
		Dependencies []int  `json:"dependencies"`
		Root         bool   `json:"root"`
	} `json:"packages"`
}

// parseRustDeps inflates and decodes a .dep-v0 section.
func parseRustDeps(compressed []byte) ([]Package, error) {
	return parseRustDepsWithin(compressed, maxRustDepJSON)
}

// parseRustDepsWithin is parseRustDeps refusing a list that inflates past limit bytes.
func parseRustDepsWithin(compressed []byte, limit int64) ([]Package, error) {
	zr, err := zlib.NewReader(bytes.NewReader(compressed))
	if err != nil {
		return nil, fmt.Errorf("section %s: %w", rustDepSection, err)
	}
	defer zr.Close()
	data, err := io.ReadAll(io.LimitReader(zr, limit+1))
	if err != nil {
		return nil, fmt.Errorf("section %s: inflate: %w", rustDepSection, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("section %s inflates past %d bytes: refused", rustDepSection, limit)
	}
	var deps rustDeps
	if err := json.Unmarshal(data, &deps); err != nil {
		return nil, fmt.Errorf("section %s: %w", rustDepSection, err)
	}
	if deps.Packages == nil {
		return nil, errors.New(`section ` + rustDepSection + `: no "packages" list`)
	}
	local := func(i int) bool { return deps.Packages[i].Source == "local" || deps.Packages[i].Root }
	key := func(i int) string {
		e := deps.Packages[i]
		return Package{Name: e.Name, Version: e.Version, Ecosystem: CratesIO}.Key()
	}
	direct := map[int]bool{}
	for i, e := range deps.Packages {
		for _, d := range e.Dependencies {
			if d < 0 || d >= len(deps.Packages) {
				return nil, fmt.Errorf("section %s: package %d (%s) depends on package %d, outside the list of %d", rustDepSection, i, clip(e.Name), d, len(deps.Packages))
			}
			if local(i) {
				direct[d] = true
			}
		}
	}
	var pkgs []Package
	for i, e := range deps.Packages {
		if local(i) {
			continue
		}
		if e.Name == "" || e.Version == "" {
			return nil, fmt.Errorf("section %s: package %d without a name or version", rustDepSection, i)
		}
		p := Package{Name: e.Name, Version: e.Version, Ecosystem: CratesIO, Direct: direct[i]}
		if e.Kind == "build" {
			setProp(&p, PropScope, ScopeDev)
		}
		for _, d := range e.Dependencies {
			if !local(d) {
				p.DependsOn = append(p.DependsOn, key(d))
			}
		}
		pkgs = append(pkgs, p)
	}
	return pkgs, nil
}
