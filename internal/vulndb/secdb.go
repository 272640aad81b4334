package vulndb

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/palisade-sec/palisade/internal/errkind"
	"github.com/palisade-sec/palisade/internal/vulndb/osv"
)

// Alpine's secdb (alpinelinux/alpine-secdb, secdb.alpinelinux.org) is the older form of Alpine's
// advisories: one YAML file per release and repository (v3.20/main.yaml), listing for each source
// package the versions that fixed which CVEs ("secfixes"). Import turns it into the OSV records
// the rest of the database holds — one per CVE, "ALPINE-<CVE>", with an entry per release and
// package: introduced 0, fixed at the listed version — and indexes them as ecosystem Alpine.
// A fix listed at version "0" means Alpine's package was never affected, so it gives no entry.

// maxSecdbFile bounds one secdb YAML file (the largest real ones are a few hundred KiB).
const maxSecdbFile = 64 << 20

// secdbFile is one release-and-repository file.
type secdbFile struct {
	DistroVersion string `yaml:"distroversion"`
	RepoName      string `yaml:"reponame"`
	Packages      []struct {
		Pkg struct {
			Name     string              `yaml:"name"`
			Secfixes map[string][]string `yaml:"secfixes"`
		} `yaml:"pkg"`
	} `yaml:"packages"`
}

var secdbRelease = regexp.MustCompile(`^v\d+\.\d+$`)

// apkVersion is the loose form of an apk version the import accepts: a digit first, no spaces or
// quotes. Real files hold slips apk itself tolerates ("4.8.0.-r1"), so the check is only against
// values that are not versions at all; ordering is Alpine's comparator's, as when matching.
var apkVersion = regexp.MustCompile(`^\d[0-9A-Za-z._+~-]*$`)

// secdbFiles returns the secdb YAML files at p: p itself when it is a .yaml file, else every
// <release>/*.yaml under the directory p. ok is false when p holds none (it is not a secdb).
func secdbFiles(p string) (files []string, ok bool, err error) {
	fi, err := os.Stat(p)
	if err != nil {
		return nil, false, err
	}
	if !fi.IsDir() {
		return []string{p}, strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml"), nil
	}
	for _, pat := range []string{"v*/*.yaml", "v*/*.yml"} {
		m, err := filepath.Glob(filepath.Join(p, pat))
		if err != nil {
			return nil, false, err
		}
		files = append(files, m...)
	}
	slices.Sort(files)
	return files, len(files) > 0, nil
}

// secdbToZip converts secdb files into an OSV archive at out (records sorted by ID, so the same
// input gives the same archive). Any file that does not parse, names no release, or lists a
// version Alpine's ordering rejects fails the whole conversion, naming the file and the field.
func secdbToZip(files []string, out string) (records int, err error) {
	byID := map[string]map[secdbKey]bool{}
	aliases := map[string][]string{}
	for _, f := range files {
		doc, err := readSecdb(f)
		if err != nil {
			return 0, err
		}
		if err := collectSecdb(f, doc, byID, aliases); err != nil {
			return 0, err
		}
	}
	if len(byID) == 0 {
		return 0, errkind.Wrap(errkind.Invalid, errors.New("alpine secdb: no fixed vulnerabilities in the files"))
	}
	ids := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, id := range ids {
		keys := make([]secdbKey, 0, len(byID[id]))
		for k := range byID[id] {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b secdbKey) int {
			return strings.Compare(a.release+"\x00"+a.pkg+"\x00"+a.fixed, b.release+"\x00"+b.pkg+"\x00"+b.fixed)
		})
		rec := secdbRecord(id, aliases[id], keys)
		data, err := json.Marshal(rec)
		if err != nil {
			return 0, err
		}
		w, err := zw.Create(strings.ReplaceAll(rec.ID, "/", "_") + ".json")
		if err != nil {
			return 0, err
		}
		if _, err := w.Write(data); err != nil {
			return 0, err
		}
	}
	if err := zw.Close(); err != nil {
		return 0, err
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o600); err != nil {
		return 0, err
	}
	return len(ids), nil
}

// collectSecdb adds the fixes of one file to byID (issue ID → the releases, packages and
// versions that fixed it) and aliases (issue ID → the other IDs its lines give it). A line may
// name one vulnerability by several IDs ("CVE-2016-6258 XSA-182"): one record, under the first.
func collectSecdb(f string, doc *secdbFile, byID map[string]map[secdbKey]bool, aliases map[string][]string) error {
	for i, p := range doc.Packages {
		name := strings.TrimSpace(p.Pkg.Name)
		if name == "" {
			return errkind.Wrap(errkind.Invalid, fmt.Errorf("alpine secdb %s: packages[%d].pkg.name: empty", f, i))
		}
		for fixed, ids := range p.Pkg.Secfixes {
			fixed = strings.TrimSpace(fixed)
			if fixed == "0" {
				continue // never affected
			}
			if _, err := parseVersion("Alpine", fixed); err != nil || !apkVersion.MatchString(fixed) {
				return errkind.Wrap(errkind.Invalid, fmt.Errorf("alpine secdb %s: package %s: secfixes %q: not an Alpine version", f, name, fixed))
			}
			for _, line := range ids {
				toks := strings.Fields(line)
				if len(toks) == 0 {
					continue
				}
				id := toks[0]
				if byID[id] == nil {
					byID[id] = map[secdbKey]bool{}
				}
				byID[id][secdbKey{doc.DistroVersion, name, fixed}] = true
				for _, al := range toks[1:] {
					if !slices.Contains(aliases[id], al) {
						aliases[id] = append(aliases[id], al)
					}
				}
			}
		}
	}
	return nil
}

// secdbJSON is the part of an OSV record a secdb entry fills, in the schema's spelling.
type secdbJSON struct {
	SchemaVersion string          `json:"schema_version"`
	ID            string          `json:"id"`
	Modified      string          `json:"modified"`
	Aliases       []string        `json:"aliases,omitempty"`
	Summary       string          `json:"summary"`
	Affected      []secdbAffected `json:"affected"`
}

type secdbAffected struct {
	Package osv.Package  `json:"package"`
	Ranges  []secdbRange `json:"ranges"`
}

type secdbRange struct {
	Type   string      `json:"type"`
	Events []osv.Event `json:"events"`
}

// secdbKey is one fix: the release, the source package and the version that fixed it.
type secdbKey struct{ release, pkg, fixed string }

func secdbRecord(id string, aliases []string, keys []secdbKey) secdbJSON {
	rec := secdbJSON{SchemaVersion: "1.6.0", ID: "ALPINE-" + id, Modified: "1970-01-01T00:00:00Z",
		Summary: id + " (from Alpine's secdb)"}
	if strings.HasPrefix(id, "CVE-") {
		rec.Aliases = []string{id}
	}
	rec.Aliases = append(rec.Aliases, aliases...)
	slices.Sort(rec.Aliases)
	for _, k := range keys {
		rec.Affected = append(rec.Affected, secdbAffected{
			Package: osv.Package{Ecosystem: "Alpine:" + k.release, Name: k.pkg},
			Ranges:  []secdbRange{{Type: osv.RangeEcosystem, Events: []osv.Event{{Introduced: "0"}, {Fixed: k.fixed}}}},
		})
	}
	return rec
}

func readSecdb(path string) (*secdbFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("alpine secdb: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxSecdbFile+1))
	if err != nil {
		return nil, fmt.Errorf("alpine secdb %s: %w", path, err)
	}
	if len(data) > maxSecdbFile {
		return nil, errkind.Wrap(errkind.Invalid, fmt.Errorf("alpine secdb %s: larger than %d bytes", path, maxSecdbFile))
	}
	var doc secdbFile
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, errkind.Wrap(errkind.Invalid, fmt.Errorf("alpine secdb %s: %w", path, err))
	}
	doc.DistroVersion = strings.TrimSpace(doc.DistroVersion)
	if !secdbRelease.MatchString(doc.DistroVersion) {
		return nil, errkind.Wrap(errkind.Invalid, fmt.Errorf("alpine secdb %s: distroversion %q: want a release such as v3.20", path, doc.DistroVersion))
	}
	return &doc, nil
}
