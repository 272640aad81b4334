package inventory

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/inventory/license"
)

// The bounds of reading one Java archive, nested archives included. A hostile archive can nest
// archives inside archives or claim a tiny entry that inflates to gigabytes: what is read is
// counted against these, whatever the headers claim.
const (
	// maxArchiveDepth is how deep archives nest: an EAR holding a WAR holding a JAR is depth 2.
	maxArchiveDepth = 4
	// maxArchiveBytes is how many bytes one outer archive may have decompressed in total
	// (nested archives are read into memory, metadata files too).
	maxArchiveBytes = 1 << 30
	// maxNestedArchive bounds one nested archive; Spring Boot stores its libraries uncompressed,
	// and no single library comes near this.
	maxNestedArchive = MaxFileSize
	// maxArchiveMeta bounds one metadata file (pom.properties, MANIFEST.MF).
	maxArchiveMeta = 1 << 20
	// maxInflateRatio is the compression ratio above which an entry of more than
	// inflateRatioFloor bytes is refused as a zip bomb: real class files and jars compress a few
	// times at most.
	maxInflateRatio   = 200
	inflateRatioFloor = 1 << 20
)

// errArchiveBudget is the error of an archive that decompresses past its total limit.
var errArchiveBudget = errors.New("decompresses past the limit for one archive, nested ones included")

// archiveRead holds the bounds of reading one outer archive and counts what it has decompressed.
type archiveRead struct {
	left      int64 // bytes that may still be decompressed
	maxDepth  int
	maxNested int64
	maxMeta   int64
}

// defaultArchiveRead is the budget of one outer archive.
func defaultArchiveRead() *archiveRead {
	return &archiveRead{left: maxArchiveBytes, maxDepth: maxArchiveDepth, maxNested: maxNestedArchive, maxMeta: maxArchiveMeta}
}

// extractJavaArchive reads a Java archive (JAR, WAR, EAR, Jenkins JPI/HPI): the Maven coordinates
// of every META-INF/maven/GROUP/ARTIFACT/pom.properties in it; failing those, the archive's
// identity from META-INF/MANIFEST.MF; failing that, from its file name. Archives inside it
// (BOOT-INF/lib/, WEB-INF/lib/, an EAR's modules) are read the same way, within maxArchiveDepth and
// maxArchiveBytes. A package not identified by pom.properties carries PropIdentity saying how it
// was, and one whose Maven group could not be found is reported as unmatched: it is listed, but
// advisories (keyed by group:artifact) cannot be matched to it.
func extractJavaArchive(ctx context.Context, in *input) ([]Package, error) {
	zr, f, err := openZip(in)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	pkgs, err := javaArchivePackages(ctx, in, zr, path.Base(in.path), "", 0, defaultArchiveRead())
	if errors.Is(err, errArchiveBudget) {
		return nil, fmt.Errorf("%w (%d bytes): refused as a zip bomb", err, maxArchiveBytes)
	}
	return pkgs, err
}

// openZip opens the input as a zip archive, read by offset where the file system allows (the
// file is read whole, within MaxFileSize, where it does not). The caller closes the file when it
// is done with the archive.
func openZip(in *input) (*zip.Reader, io.Closer, error) {
	f, err := in.fsys.Open(in.path)
	if err != nil {
		return nil, nil, fmt.Errorf("open: %w", err)
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("stat: %w", err)
	}
	ra, ok := f.(io.ReaderAt)
	size := info.Size()
	if !ok {
		data, err := readLimited(in.fsys, in.path)
		if err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("read: %w", err)
		}
		ra, size = bytes.NewReader(data), int64(len(data))
	}
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("not a readable zip archive: %w", err)
	}
	return zr, f, nil
}

// javaArchivePackages identifies the packages of one archive, at depth, whose path inside the
// outer archive is inner ("" for the outer one itself): its own, then those of the archives in it.
func javaArchivePackages(ctx context.Context, in *input, zr *zip.Reader, name, inner string, depth int, budget *archiveRead) ([]Package, error) {
	pkgs, err := ownArchivePackages(ctx, in, zr, name, inner, budget)
	if err != nil {
		return nil, err
	}
	for _, zf := range zr.File {
		if !isJavaArchiveName(zf.Name) || strings.HasSuffix(zf.Name, "/") {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		at := entryName(zf.Name)
		if inner != "" {
			at = inner + "!/" + at
		}
		if depth+1 >= budget.maxDepth {
			in.problem(finding.ProblemTooLarge, in.path, 0, "read %s!/%s: archives nested deeper than %d levels are not read", in.path, at, budget.maxDepth)
			continue
		}
		data, err := readArchiveEntry(zf, budget.maxNested, budget)
		if err != nil {
			if errors.Is(err, errArchiveBudget) {
				return nil, err
			}
			in.problem(archiveReadKind(err), in.path, 0, "read %s!/%s: %v", in.path, at, err)
			continue
		}
		nested, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			in.problem(finding.ProblemParse, in.path, 0, "parse %s!/%s: not a readable zip archive: %v", in.path, at, err)
			continue
		}
		got, err := javaArchivePackages(ctx, in, nested, entryName(path.Base(zf.Name)), at, depth+1, budget)
		if err != nil {
			return nil, err
		}
		pkgs = append(pkgs, got...)
	}
	return pkgs, nil
}

// ownArchivePackages identifies the packages an archive holds itself, not in archives inside it:
// one per pom.properties, else its identity from manifest or file name, with their licences.
func ownArchivePackages(ctx context.Context, in *input, zr *zip.Reader, name, inner string, budget *archiveRead) ([]Package, error) {
	where := in.path
	if inner != "" {
		where += "!/" + inner
	}
	var pkgs []Package
	var manifest *zip.File
	byName := make(map[string]*zip.File, len(zr.File))
	for _, zf := range zr.File {
		byName[zf.Name] = zf
	}
	for _, zf := range zr.File {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		switch {
		case zf.Name == "META-INF/MANIFEST.MF":
			manifest = zf
		case isPomProperties(zf.Name):
			data, err := readArchiveEntry(zf, budget.maxMeta, budget)
			if err != nil {
				if errors.Is(err, errArchiveBudget) {
					return nil, err
				}
				in.problem(finding.ProblemParse, in.path, 0, "parse %s: %s: %v", where, entryName(zf.Name), err)
				continue
			}
			p, ok := pomPropertiesPackage(data)
			if !ok {
				in.problem(finding.ProblemParse, in.path, 0, "parse %s: %s: no groupId, artifactId and version", where, entryName(zf.Name))
				continue
			}
			setProp(&p, PropArchivePath, inner)
			p.Licenses = pomXMLLicenses(byName[path.Dir(zf.Name)+"/pom.xml"], budget)
			pkgs = append(pkgs, p)
		}
	}
	// An archive without pom.properties is named from its manifest or file name, unless it is only
	// a container (a WAR, an EAR, a fat jar built without Maven): its libraries are what it ships.
	if len(pkgs) == 0 && !slices.ContainsFunc(zr.File, func(zf *zip.File) bool { return isJavaArchiveName(zf.Name) }) {
		p, ok, err := archiveIdentity(in, manifest, name, where, budget)
		if err != nil {
			return nil, err
		}
		if ok {
			setProp(&p, PropArchivePath, inner)
			pkgs = append(pkgs, p)
		}
	}
	// The manifest and META-INF/LICENSE speak for the archive: only for its one package (a shaded
	// jar's licence file is the shading artifact's, not its dependencies').
	if len(pkgs) == 1 && len(pkgs[0].Licenses) == 0 {
		pkgs[0].Licenses = archiveLicenses(byName, manifest, budget)
	}
	return pkgs, nil
}

// entryName is an archive entry's name as reports show it: control and invalid characters
// replaced, a long name clipped, so a hostile archive cannot forge or flood report lines.
func entryName(name string) string {
	name = strings.ToValidUTF8(name, "?")
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return '?'
		}
		return r
	}, name)
	if len(name) > 240 {
		name = strings.ToValidUTF8(name[:240], "") + "…"
	}
	return name
}

// archiveReadKind is the problem kind of an entry that could not be read.
func archiveReadKind(err error) string {
	if errors.Is(err, errEntryTooLarge) || errors.Is(err, errZipBomb) {
		return finding.ProblemTooLarge
	}
	return finding.ProblemParse
}

var (
	errEntryTooLarge = errors.New("entry larger than the limit")
	errZipBomb       = errors.New("refused as a zip bomb: it claims to inflate more than 200 times")
)

// readArchiveEntry decompresses one entry, at most limit bytes, counting them against budget.
// The headers' sizes are checked first (a ratio past maxInflateRatio is refused) but not trusted:
// the read itself is bounded.
func readArchiveEntry(zf *zip.File, limit int64, budget *archiveRead) ([]byte, error) {
	if zf.UncompressedSize64 > uint64(limit) {
		return nil, fmt.Errorf("%w (%d bytes)", errEntryTooLarge, zf.UncompressedSize64)
	}
	if zf.UncompressedSize64 > inflateRatioFloor && zf.UncompressedSize64/max(zf.CompressedSize64, 1) > maxInflateRatio {
		return nil, errZipBomb
	}
	if int64(zf.UncompressedSize64) > budget.left {
		return nil, errArchiveBudget
	}
	rc, err := zf.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, min(limit, budget.left)+1))
	budget.left -= int64(len(data))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: inflates past %d bytes", errEntryTooLarge, limit)
	}
	if budget.left < 0 {
		return nil, errArchiveBudget
	}
	return data, nil
}

// pomXMLLicenses reads <licenses> from the pom.xml Maven packs beside pom.properties; nil when
// there is none (licences are often declared in a parent pom, which the archive does not hold).
func pomXMLLicenses(zf *zip.File, budget *archiveRead) []string {
	if zf == nil {
		return nil
	}
	data, err := readArchiveEntry(zf, budget.maxMeta, budget)
	if err != nil {
		return nil
	}
	proj, err := parsePom(data)
	if err != nil {
		return nil
	}
	var out []string
	for _, l := range proj.Licenses {
		out = append(out, license.Declared(cmpOr(l.Name, l.URL))...)
	}
	return out
}

// archiveLicenses is an archive's licence from its manifest's Bundle-License (entries naming a
// licence Palisade recognises; URLs and unknown names are not guessed at), else from its
// META-INF/LICENSE file as classified by its text.
func archiveLicenses(byName map[string]*zip.File, manifest *zip.File, budget *archiveRead) []string {
	if manifest != nil {
		if data, err := readArchiveEntry(manifest, budget.maxMeta, budget); err == nil {
			var out []string
			for _, clause := range splitOutsideQuotes(parseManifest(data)["Bundle-License"], ',') {
				name, _, _ := strings.Cut(clause, ";")
				if id, ok := license.Normalize(strings.Trim(strings.TrimSpace(name), `"`)); ok {
					out = append(out, id)
				}
			}
			if len(out) > 0 {
				return out
			}
		}
	}
	for _, n := range []string{"META-INF/LICENSE", "META-INF/LICENSE.txt", "META-INF/LICENSE.md"} {
		zf := byName[n]
		if zf == nil {
			continue
		}
		data, err := readArchiveEntry(zf, budget.maxMeta, budget)
		if err != nil {
			return nil
		}
		if id, ok := license.Classify(data); ok {
			return []string{id}
		}
		return nil // a licence text we cannot classify: say nothing rather than guess
	}
	return nil
}

// splitOutsideQuotes splits s at sep where sep is not inside double quotes.
func splitOutsideQuotes(s string, sep byte) []string {
	var out []string
	quoted, start := false, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			quoted = !quoted
		case sep:
			if !quoted {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// isPomProperties reports whether an entry is META-INF/maven/GROUP/ARTIFACT/pom.properties.
func isPomProperties(name string) bool {
	parts := strings.Split(name, "/")
	return len(parts) == 5 && parts[0] == "META-INF" && parts[1] == "maven" && parts[2] != "" && parts[3] != "" && parts[4] == "pom.properties"
}

// isJavaArchiveName reports whether an entry is itself a Java archive.
func isJavaArchiveName(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".jar", ".war", ".ear", ".jpi", ".hpi":
		return true
	}
	return false
}

// pomPropertiesPackage is the package a pom.properties names.
func pomPropertiesPackage(data []byte) (Package, bool) {
	props := parseJavaProperties(data)
	g, a, v := props["groupId"], props["artifactId"], props["version"]
	if g == "" || a == "" || v == "" {
		return Package{}, false
	}
	p := Package{Name: g + ":" + a, Version: v, Ecosystem: Maven}
	setProp(&p, PropIdentity, IdentityPomProperties)
	return p, true
}

// parseJavaProperties reads the subset of the .properties format Maven writes: key=value or
// key:value lines, # and ! comments, trailing-backslash continuations.
func parseJavaProperties(data []byte) map[string]string {
	out := map[string]string{}
	var pending string
	for _, raw := range strings.Split(string(data), "\n") {
		line := strings.TrimLeft(strings.TrimRight(raw, "\r"), " \t\f")
		if pending == "" && (line == "" || line[0] == '#' || line[0] == '!') {
			continue
		}
		if strings.HasSuffix(line, `\`) && !strings.HasSuffix(line, `\\`) {
			pending += strings.TrimSuffix(line, `\`)
			continue
		}
		line, pending = pending+line, ""
		k, v, ok := strings.Cut(line, "=")
		if i := strings.IndexAny(line, "=:"); i >= 0 {
			k, v, ok = line[:i], line[i+1:], true
		}
		if !ok {
			continue
		}
		k = strings.TrimSpace(k)
		if _, seen := out[k]; !seen {
			out[k] = strings.TrimSpace(v)
		}
	}
	return out
}

// parseManifest reads the main section of a JAR manifest: "Name: value" headers, lines starting
// with one space continuing the one above, up to the first blank line.
func parseManifest(data []byte) map[string]string {
	out := map[string]string{}
	last := ""
	for _, raw := range strings.Split(string(data), "\n") {
		line := strings.TrimRight(raw, "\r")
		if line == "" {
			break
		}
		if line[0] == ' ' {
			if last != "" {
				out[last] += line[1:]
			}
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			last = ""
			continue
		}
		last = strings.TrimSpace(k)
		out[last] = strings.TrimSpace(v)
	}
	return out
}

// jarFileNameRe splits "spring-core-6.1.2.jar" into the artifact and the version.
var jarFileNameRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(.+?)-(\d[\w.+-]*?)(?:\.(?:jar|war|ear|jpi|hpi))$`) })

// archiveIdentity names an archive without pom.properties: from its manifest (Implementation-*
// and Bundle-* headers, group from Implementation-Vendor-Id), else from its file name. The guess is
// marked in PropIdentity; without a group it is reported as unmatched. ok is false (and a problem
// recorded) when not even a versioned name is found.
func archiveIdentity(in *input, manifest *zip.File, name, where string, budget *archiveRead) (Package, bool, error) {
	fromName := jarFileNameRe().FindStringSubmatch(strings.ToLower(name))
	var artifact, version, group, source string
	if manifest != nil {
		data, err := readArchiveEntry(manifest, budget.maxMeta, budget)
		switch {
		case errors.Is(err, errArchiveBudget):
			return Package{}, false, err
		case err != nil:
			in.problem(archiveReadKind(err), in.path, 0, "read %s: META-INF/MANIFEST.MF: %v", where, err)
		default:
			m := parseManifest(data)
			version = cmpOr(m["Implementation-Version"], cmpOr(m["Bundle-Version"], m["Specification-Version"]))
			group = m["Implementation-Vendor-Id"]
			artifact = cmpOr(m["Implementation-Title"], m["Bundle-SymbolicName"])
			if fromName != nil {
				artifact = fromName[1] // the file name is the artifact as Maven wrote it
			}
			if i := strings.IndexByte(artifact, ';'); i >= 0 { // Bundle-SymbolicName directives
				artifact = artifact[:i]
			}
			artifact = strings.TrimSpace(artifact)
			source = IdentityManifest
		}
	}
	if artifact == "" || version == "" {
		if fromName == nil {
			in.problem(finding.ProblemUnmatched, in.path, 0, "identify %s: no pom.properties, no manifest version and no version in the file name: its packages are not known", where)
			return Package{}, false, nil
		}
		artifact, version, group, source = fromName[1], fromName[2], "", IdentityFileName
	}
	p := Package{Name: artifact, Version: version, Ecosystem: Maven}
	if group != "" {
		p.Name = group + ":" + artifact
	} else {
		in.problem(finding.ProblemUnmatched, in.path, 0, "identify %s: found as %s %s by its %s only, without a Maven group: advisories cannot be matched to it", where, clip(entryName(artifact)), clip(entryName(version)), source)
	}
	setProp(&p, PropIdentity, source)
	return p, true, nil
}
