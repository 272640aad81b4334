package inventory

import (
	"bytes"
	"compress/zlib"
	"context"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

// elfWithSection builds, by hand (debug/elf cannot write), a minimal x86-64 ELF executable with
// one PROGBITS section of the given name and contents, padded to pad bytes so Walk takes it for a
// program.
func elfWithSection(t testing.TB, name string, data []byte, pad int) []byte {
	t.Helper()
	const hdrSize, shSize = 64, 64
	shstr := "\x00" + name + "\x00.shstrtab\x00"
	dataOff := uint64(hdrSize)
	strOff := dataOff + uint64(len(data))
	shOff := (strOff + uint64(len(shstr)) + 7) &^ 7
	var b bytes.Buffer
	h := elf.Header64{Type: uint16(elf.ET_EXEC), Machine: uint16(elf.EM_X86_64), Version: uint32(elf.EV_CURRENT),
		Shoff: shOff, Ehsize: hdrSize, Phentsize: 56, Shentsize: shSize, Shnum: 3, Shstrndx: 2}
	copy(h.Ident[:], "\x7fELF")
	h.Ident[elf.EI_CLASS], h.Ident[elf.EI_DATA], h.Ident[elf.EI_VERSION] = byte(elf.ELFCLASS64), byte(elf.ELFDATA2LSB), byte(elf.EV_CURRENT)
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(binary.Write(&b, binary.LittleEndian, h))
	b.Write(data)
	b.WriteString(shstr)
	b.Write(make([]byte, int(shOff)-b.Len()))
	for _, s := range []elf.Section64{
		{},
		{Name: 1, Type: uint32(elf.SHT_PROGBITS), Off: dataOff, Size: uint64(len(data)), Addralign: 1},
		{Name: uint32(2 + len(name)), Type: uint32(elf.SHT_STRTAB), Off: strOff, Size: uint64(len(shstr)), Addralign: 1},
	} {
		must(binary.Write(&b, binary.LittleEndian, s))
	}
	if b.Len() < pad {
		b.Write(make([]byte, pad-b.Len()))
	}
	return b.Bytes()
}

// machoWithSection builds a minimal 64-bit Mach-O executable with one segment holding one
// section.
func machoWithSection(t testing.TB, seg, name string, data []byte) []byte {
	t.Helper()
	const hdr, segCmd, sect = 32, 72, 80
	off := uint32(hdr + segCmd + sect)
	var b bytes.Buffer
	w := func(v any) {
		if err := binary.Write(&b, binary.LittleEndian, v); err != nil {
			t.Fatal(err)
		}
	}
	w(macho.FileHeader{Magic: macho.Magic64, Cpu: macho.CpuAmd64, SubCpu: 3, Type: macho.TypeExec, Ncmd: 1, Cmdsz: segCmd + sect})
	w(uint32(0)) // the 64-bit header's reserved word
	s := macho.Segment64{Cmd: macho.LoadCmdSegment64, Len: segCmd + sect, Offset: uint64(off), Filesz: uint64(len(data)), Memsz: uint64(len(data)), Nsect: 1}
	copy(s.Name[:], seg)
	w(s)
	sc := macho.Section64{Size: uint64(len(data)), Offset: off}
	copy(sc.Name[:], name)
	copy(sc.Seg[:], seg)
	w(sc)
	b.Write(data)
	return b.Bytes()
}

// peWithSection builds a minimal PE executable (no optional header) with one section.
func peWithSection(t testing.TB, name string, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	dos := make([]byte, 0x40)
	copy(dos, "MZ")
	binary.LittleEndian.PutUint32(dos[0x3c:], 0x40)
	b.Write(dos)
	b.WriteString("PE\x00\x00")
	w := func(v any) {
		if err := binary.Write(&b, binary.LittleEndian, v); err != nil {
			t.Fatal(err)
		}
	}
	w(pe.FileHeader{Machine: pe.IMAGE_FILE_MACHINE_AMD64, NumberOfSections: 1})
	off := uint32(b.Len() + 40)
	sh := pe.SectionHeader32{VirtualSize: uint32(len(data)), SizeOfRawData: uint32(len(data)), PointerToRawData: off}
	copy(sh.Name[:], name)
	w(sh)
	b.Write(data)
	return b.Bytes()
}

func deflate(t testing.TB, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zlib.NewWriter(&b)
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// usesJSONWant is the inventory of uses_json, a crate depending on serde (derive) and serde_json
// built with cargo auditable: osv-scalibr's test binary uses_serde_json (Apache-2.0), whose .dep-v0
// section testdata/rust-binary/uses_json.dep-v0 holds.
func usesJSONWant() []view {
	return []view{
		{Key: "crates.io/itoa@1.0.14"},
		{Key: "crates.io/memchr@2.7.4"},
		{Key: "crates.io/proc-macro2@1.0.92", DependsOn: []string{"crates.io/unicode-ident@1.0.14"}},
		{Key: "crates.io/quote@1.0.38", DependsOn: []string{"crates.io/proc-macro2@1.0.92"}},
		{Key: "crates.io/ryu@1.0.18"},
		{Key: "crates.io/serde@1.0.217", Direct: true, DependsOn: []string{"crates.io/serde_derive@1.0.217"}},
		{Key: "crates.io/serde_derive@1.0.217", DependsOn: []string{"crates.io/proc-macro2@1.0.92", "crates.io/quote@1.0.38", "crates.io/syn@2.0.95"}},
		{Key: "crates.io/serde_json@1.0.135", Direct: true, DependsOn: []string{"crates.io/itoa@1.0.14", "crates.io/memchr@2.7.4", "crates.io/ryu@1.0.18", "crates.io/serde@1.0.217"}},
		{Key: "crates.io/syn@2.0.95", DependsOn: []string{"crates.io/proc-macro2@1.0.92", "crates.io/quote@1.0.38", "crates.io/unicode-ident@1.0.14"}},
		{Key: "crates.io/unicode-ident@1.0.14"},
	}
}

// TestRustBinaryHandBuiltELF puts the real section into an ELF built here and inventories it the
// way a scan does: found by Walk as an executable, recognised by content.
func TestRustBinaryHandBuiltELF(t *testing.T) {
	sec, err := os.ReadFile("testdata/rust-binary/uses_json.dep-v0")
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{"usr/local/bin/uses_json": {Data: elfWithSection(t, ".dep-v0", sec, 4096), Mode: 0o755}}
	for _, installed := range []bool{false, true} {
		pkgs, probs, err := FromFS(context.Background(), fsys, Options{Installed: installed})
		if err != nil || len(probs) != 0 {
			t.Fatalf("FromFS: %v, problems %+v", err, probs)
		}
		if diff := cmp.Diff(usesJSONWant(), views(pkgs), viewOpts); diff != "" {
			t.Errorf("installed=%v: packages (-want +got):\n%s", installed, diff)
		}
		if p, _ := find(pkgs, "crates.io/serde@1.0.217"); p.PURL != "pkg:cargo/serde@1.0.217" || p.Location.Path != "usr/local/bin/uses_json" {
			t.Errorf("serde: purl %q, path %q", p.PURL, p.Location.Path)
		}
	}
}

// TestRustBinaryFormats reads the real section from each executable format cargo-auditable
// writes it into, and not from a Mach-O section of that name in another segment.
func TestRustBinaryFormats(t *testing.T) {
	sec, err := os.ReadFile("testdata/rust-binary/uses_json.dep-v0")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		bin  []byte
		want bool
	}{
		{"ELF", elfWithSection(t, ".dep-v0", sec, 0), true},
		{"PE", peWithSection(t, ".dep-v0", sec), true},
		{"Mach-O", machoWithSection(t, "__DATA", ".dep-v0", sec), true},
		{"Mach-O other segment", machoWithSection(t, "__TEXT", ".dep-v0", sec), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkgs, probs, err := Extract(context.Background(), fstest.MapFS{"app": {Data: tt.bin}}, []string{"app"})
			if err != nil || len(probs) != 0 {
				t.Fatalf("Extract: %v, problems %+v", err, probs)
			}
			if got := len(pkgs) == len(usesJSONWant()); got != tt.want {
				t.Errorf("got %v, want the list read: %v", views(pkgs), tt.want)
			}
		})
	}
}

// TestRustBinaryReal reads osv-scalibr's real cargo-auditable binary from the module cache, when
// the module (a dependency of this one) is there.
func TestRustBinaryReal(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/google/osv-scalibr").Output()
	dir := strings.TrimSpace(string(out))
	if err != nil || dir == "" {
		t.Skipf("osv-scalibr not in the module cache: %v", err)
	}
	bin := filepath.Join(dir, "extractor/filesystem/language/rust/cargoauditable/testdata/uses_serde_json/uses_serde_json")
	if _, err := os.Stat(bin); err != nil {
		t.Skipf("no test binary: %v", err)
	}
	pkgs, probs, err := Extract(context.Background(), os.DirFS(filepath.Dir(bin)), []string{"uses_serde_json"})
	if err != nil || len(probs) != 0 {
		t.Fatalf("Extract: %v, problems %+v", err, probs)
	}
	if diff := cmp.Diff(usesJSONWant(), views(pkgs), viewOpts); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
}

func TestRustBinaryMalformed(t *testing.T) {
	tests := []struct {
		name    string
		section []byte
		problem string // "" when the file is not this format and nothing is reported
	}{
		{"not zlib", []byte("plain text"), "zlib: invalid header"},
		{"not json", deflate(t, []byte("{")), "unexpected end of JSON"},
		{"no packages", deflate(t, []byte(`{}`)), `no "packages" list`},
		{"dependency out of range", deflate(t, []byte(`{"packages":[{"name":"a","version":"1","source":"crates.io","dependencies":[7]}]}`)), "outside the list"},
		{"negative dependency", deflate(t, []byte(`{"packages":[{"name":"a","version":"1","source":"crates.io","dependencies":[-1]}]}`)), "outside the list"},
		{"nameless", deflate(t, []byte(`{"packages":[{"version":"1","source":"crates.io"}]}`)), "without a name or version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkgs, probs, err := Extract(context.Background(), fstest.MapFS{"bin": {Data: elfWithSection(t, ".dep-v0", tt.section, 0)}}, []string{"bin"})
			if err != nil || len(pkgs) != 0 || len(probs) != 1 || !strings.Contains(probs[0].Message, tt.problem) || probs[0].Path != "bin" {
				t.Errorf("got %v, %+v, %v; want one problem containing %q", views(pkgs), probs, err, tt.problem)
			}
		})
	}
	// The inflated list is bounded (tested here with a small bound: the real one is 64 MiB).
	if _, err := parseRustDepsWithin(deflate(t, make([]byte, 1<<20+1)), 1<<20); err == nil || !strings.Contains(err.Error(), "inflates past 1048576 bytes") {
		t.Errorf("a list inflating past the bound: %v, want it refused", err)
	}
	// An executable without the section, and a file that is no executable, are not inputs.
	for name, data := range map[string][]byte{"other section": elfWithSection(t, ".text", []byte{0x90}, 0), "script": []byte("#!/bin/sh\necho hi\n")} {
		pkgs, probs, err := Extract(context.Background(), fstest.MapFS{"bin": {Data: data}}, []string{"bin"})
		if err != nil || len(pkgs) != 0 || len(probs) != 0 {
			t.Errorf("%s: got %v, %+v, %v; want nothing", name, views(pkgs), probs, err)
		}
	}
}
