package inventory

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/palisade-sec/palisade/internal/boundedread"
	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/inventory/license"
)

// The dpkg database of Debian and Ubuntu: var/lib/dpkg/status, one paragraph of "Field: value"
// lines per package (continuation lines start with a space or tab), and distroless images'
// var/lib/dpkg/status.d/<package>, one paragraph per file and no Status field.

const (
	dpkgStatusPath = "var/lib/dpkg/status"
	dpkgStatusDir  = "var/lib/dpkg/status.d"
)

// extractDpkgStatus reads var/lib/dpkg/status. A file named dpkg/status elsewhere (another
// tool's test fixture in a source tree) is not an installed system, so not an input.
func extractDpkgStatus(ctx context.Context, in *input) ([]Package, error) {
	root, ok := osRoot(in.path, dpkgStatusPath)
	if !ok {
		return nil, errNotMine
	}
	return extractDpkg(ctx, in, osDistro(in, dpkgStatusPath), root)
}

// extractDpkgStatusD reads one file of distroless's status.d. Its checksum lists (<pkg>.md5sums)
// share the directory and are not package records.
func extractDpkgStatusD(ctx context.Context, in *input) ([]Package, error) {
	if strings.HasSuffix(in.path, ".md5sums") {
		return nil, errNotMine
	}
	place := path.Join(dpkgStatusDir, path.Base(in.path))
	root, ok := osRoot(in.path, place)
	if !ok {
		return nil, errNotMine
	}
	return extractDpkg(ctx, in, osDistro(in, place), root)
}

// extractDpkg reads the paragraphs of a dpkg database of the root file system at root.
func extractDpkg(ctx context.Context, in *input, d Distro, root string) ([]Package, error) {
	paras, err := parseDpkgParagraphs(in.data)
	if err != nil {
		return nil, err
	}
	var pkgs []Package
	nameless, firstNameless := 0, 0
	for i, para := range paras {
		if i%256 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if st, ok := para.fields["Status"]; ok && !dpkgInstalled(st) {
			continue // removed with its configuration files kept, half-installed, not-installed
		}
		if strings.TrimSpace(para.fields["Package"]) == "" {
			// Counted, and reported once below: a file of millions of nameless paragraphs must
			// not become millions of problems.
			if nameless++; nameless == 1 {
				firstNameless = para.line
			}
			continue
		}
		p := Package{
			Name:      para.fields["Package"],
			Version:   para.fields["Version"],
			Ecosystem: osEcosystem(d, "Debian"),
			Location:  finding.Location{Path: in.path, StartLine: para.line},
		}
		// The architecture-qualified name dpkg may print ("libc6:amd64") is not a package name.
		p.Name, _, _ = strings.Cut(p.Name, ":")
		p.Source, p.SourceVersion = p.Name, p.Version
		if src := para.fields["Source"]; src != "" {
			name, ver, err := parseDpkgSource(src)
			if err != nil {
				return nil, errAt(para.line, "package %s: %v", p.Name, err)
			}
			p.Source = name
			if ver != "" {
				p.SourceVersion = ver
			}
		}
		p.Licenses = dpkgLicenses(in.fsys, root, p.Name)
		setProp(&p, PropArch, para.fields["Architecture"])
		setProp(&p, PropDistro, d.PURLDistro())
		epoch, ver := splitEpoch(p.Version)
		p.PURL = osPURL("deb", d.Namespace, p, epoch, ver)
		pkgs = append(pkgs, p)
	}
	if nameless > 0 {
		in.problem(finding.ProblemParse, in.path, firstNameless, "parse dpkg: %d paragraphs without a Package field (the first at line %d) were not listed", nameless, firstNameless)
	}
	reportUnmatchable(in, d, "dpkg", pkgs)
	return pkgs, nil
}

// dpkgInstalled reads the Status field ("install ok installed", "hold ok installed",
// "deinstall ok config-files"): only the third word says whether the files are on disk.
func dpkgInstalled(status string) bool {
	w := strings.Fields(status)
	return len(w) == 3 && w[2] == "installed"
}

// parseDpkgSource reads "name" or "name (version)".
func parseDpkgSource(s string) (name, version string, err error) {
	name, rest, hasVer := strings.Cut(strings.TrimSpace(s), " ")
	if !hasVer {
		return name, "", nil
	}
	rest = strings.TrimSpace(rest)
	if !strings.HasPrefix(rest, "(") || !strings.HasSuffix(rest, ")") {
		return "", "", fmt.Errorf("field Source %q: want \"name\" or \"name (version)\"", s)
	}
	version = strings.TrimSpace(rest[1 : len(rest)-1])
	if version == "" || strings.ContainsAny(version, " ()") {
		return "", "", fmt.Errorf("field Source %q: bad version", s)
	}
	return name, version, nil
}

type dpkgParagraph struct {
	line   int // of its first field
	fields map[string]string
}

// parseDpkgParagraphs splits a deb822 file into paragraphs. Multi-line fields (Description,
// Conffiles) keep only their first line: nothing the inventory needs spans lines. A field line
// without a colon, or a continuation line with no field before it, is an error at that line.
func parseDpkgParagraphs(data []byte) ([]dpkgParagraph, error) {
	var out []dpkgParagraph
	var cur *dpkgParagraph
	lineNo := 0
	for line := range strings.Lines(string(data)) {
		lineNo++
		line = strings.TrimRight(line, "\r\n")
		if strings.TrimSpace(line) == "" {
			cur = nil
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			if cur == nil {
				return nil, errAt(lineNo, "continuation line outside a paragraph")
			}
			continue
		}
		if line[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			return nil, errAt(lineNo, "want \"Field: value\", got %q", clipText(line, 60))
		}
		if cur == nil {
			out = append(out, dpkgParagraph{line: lineNo, fields: map[string]string{}})
			cur = &out[len(out)-1]
		}
		if _, dup := cur.fields[k]; dup {
			return nil, errAt(lineNo, "field %s repeated in one paragraph", k)
		}
		cur.fields[k] = strings.TrimSpace(v)
	}
	return out, nil
}

// clipText shortens s for an error message.
func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// maxCopyright bounds the copyright file read for a package's licence (the largest real ones, of
// firmware and toolchain packages, are a few hundred KiB).
const maxCopyright = 2 << 20

// dpkgLicenses reads the licence of a package from usr/share/doc/<name>/copyright under root,
// when that file is machine-readable (DEP-5, "Format: …copyright-format…"): the License of the
// "Files: *" paragraph, else of the first Files paragraph. Free-text copyright files, a missing
// file and anything that does not parse give nil: nothing said is better than a guess.
func dpkgLicenses(fsys fs.FS, root, name string) []string {
	data, err := boundedread.File(fsys, path.Join(root, "usr/share/doc", name, "copyright"), maxCopyright)
	if err != nil {
		return nil // missing, not a regular file, or too large to be worth reading for this
	}
	first, _, _ := strings.Cut(strings.TrimLeft(string(data), "\ufeff\r\n\t "), "\n")
	if !strings.HasPrefix(first, "Format:") || !strings.Contains(first, "copyright-format") {
		return nil
	}
	paras, err := parseDpkgParagraphs(data)
	if err != nil {
		return nil
	}
	var lic string
	for _, p := range paras {
		files, ok := p.fields["Files"]
		if !ok || p.fields["License"] == "" {
			continue
		}
		if strings.Fields(files + " x")[0] == "*" {
			lic = p.fields["License"]
			break
		}
		if lic == "" {
			lic = p.fields["License"]
		}
	}
	return license.Declared(lic)
}
