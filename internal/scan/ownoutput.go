package scan

import (
	"bytes"
	"encoding/json"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// outputHead is how much of a JSON file is read to decide whether it could be an SBOM or a
// report at all; only those are read whole and parsed.
const outputHead = 4 << 10

// ownOutput returns SkipOwnOutput or SkipTreeSBOM when the file at p is Palisade's own output
// about this tree or another tool's SBOM of it, and "" otherwise. Such files describe the tree's
// own packages and findings; read back by the dependency analyzer they would report every
// vulnerable package again, once per copy. A file over the size limit is never recognised: the
// dependency analyzer reports it as a problem instead.
func (w *walker) ownOutput(p string, size int64) string {
	return OwnOutput(w.fsys, p, size, w.rootName, w.s.maxSize)
}

// OwnOutput says whether the file at p (of the given size) in fsys, a tree whose root directory
// is named rootName, is Palisade's own SBOM or report about that tree (SkipOwnOutput) or another
// tool's SBOM of it (SkipTreeSBOM); "" for anything else. Files over maxSize are never read. It
// is the one recogniser for every command that reads a tree's packages (scan, sbom), so neither
// reads its own earlier output back as input.
func OwnOutput(fsys fs.FS, p string, size int64, rootName string, maxSize int64) string {
	switch strings.ToLower(path.Ext(p)) {
	case ".json", ".sarif":
	default:
		return ""
	}
	if size > maxSize {
		return ""
	}
	f, err := fsys.Open(p)
	if err != nil {
		return "" // reading it fails again, and is reported, where an analyzer opens it
	}
	defer f.Close()
	head := make([]byte, outputHead)
	n, _ := io.ReadFull(f, head)
	if !mayBeOutput(head[:n]) {
		return ""
	}
	// The rest comes from the same handle, so the file is opened once and the bytes classified
	// are the bytes whose head was looked at; a file that grew past maxSize is not recognised.
	var data bytes.Buffer
	data.Grow(int(size) + bytes.MinRead)
	data.Write(head[:n])
	if _, err := data.ReadFrom(io.LimitReader(f, maxSize-int64(n)+1)); err != nil || int64(data.Len()) > maxSize {
		return ""
	}
	return classifyOutput(data.Bytes(), subjects(p, rootName))
}

// mayBeOutput is a cheap look at a file's start for the keys of the formats classifyOutput knows.
func mayBeOutput(head []byte) bool {
	for _, k := range []string{`"bomFormat"`, `"spdxVersion"`, `"runs"`, `"schemaVersion"`} {
		if bytes.Contains(head, []byte(k)) {
			return true
		}
	}
	return false
}

// subjects are the names an SBOM of this tree gives its subject: the root directory's name, or
// the name of a directory the file sits in (an SBOM of a subdirectory, written inside it).
func subjects(p, root string) []string {
	out := []string{root}
	for d := path.Dir(p); d != "."; d = path.Dir(d) {
		out = append(out, path.Base(d))
	}
	return out
}

// The top-level keys each format may have. A document with any other key is not recognised —
// so a Kubernetes manifest dressed up with a "runs" or "bomFormat" key is still an input.
var (
	cycloneDXKeys = []string{"$schema", "bomFormat", "specVersion", "serialNumber", "version", "metadata",
		"components", "services", "externalReferences", "dependencies", "compositions", "properties",
		"vulnerabilities", "annotations", "formulation", "declarations", "definitions", "signature"}
	spdxKeys = []string{"$schema", "SPDXID", "spdxVersion", "creationInfo", "name", "dataLicense",
		"externalDocumentRefs", "hasExtractedLicensingInfos", "annotations", "comment", "documentNamespace",
		"documentDescribes", "packages", "files", "snippets", "relationships"}
	sarifKeys  = []string{"$schema", "version", "runs", "inlineExternalProperties", "properties"}
	reportKeys = []string{"schemaVersion", "tool", "target", "scanners", "started", "finished", "rules",
		"findings", "stats", "skipped", "problems"}
)

// classifyOutput decides what a JSON document is: Palisade's own SBOM of one of subjects, its
// JSON or SARIF report, another tool's SBOM of one of subjects ("" for anything else, including
// anything that does not parse: that is for the analyzers to report).
func classifyOutput(data []byte, subjects []string) string {
	var top map[string]json.RawMessage
	if json.Unmarshal(data, &top) != nil {
		return ""
	}
	only := func(keys []string) bool {
		for k := range top {
			if !slices.Contains(keys, k) {
				return false
			}
		}
		return true
	}
	switch {
	case top["bomFormat"] != nil && only(cycloneDXKeys):
		var format string
		var md struct {
			Tools     json.RawMessage `json:"tools"`
			Component struct {
				Name string `json:"name"`
			} `json:"component"`
		}
		if json.Unmarshal(top["bomFormat"], &format) != nil || format != "CycloneDX" ||
			json.Unmarshal(top["metadata"], &md) != nil || !slices.Contains(subjects, md.Component.Name) {
			return ""
		}
		if slices.Contains(cycloneDXTools(md.Tools), "palisade") {
			return SkipOwnOutput
		}
		return SkipTreeSBOM
	case top["spdxVersion"] != nil && only(spdxKeys):
		var name string
		var ci struct {
			Creators []string `json:"creators"`
		}
		if json.Unmarshal(top["name"], &name) != nil || json.Unmarshal(top["creationInfo"], &ci) != nil ||
			name == "" || !slices.Contains(subjects, path.Base(name)) {
			return ""
		}
		for _, c := range ci.Creators {
			if c == "Tool: palisade" || strings.HasPrefix(c, "Tool: palisade-") {
				return SkipOwnOutput
			}
		}
		return SkipTreeSBOM
	case top["runs"] != nil && only(sarifKeys):
		var runs []struct {
			Tool struct {
				Driver struct {
					Name string `json:"name"`
				} `json:"driver"`
			} `json:"tool"`
		}
		if json.Unmarshal(top["runs"], &runs) != nil || len(runs) == 0 {
			return ""
		}
		for _, r := range runs {
			if r.Tool.Driver.Name != "palisade" {
				return ""
			}
		}
		return SkipOwnOutput
	case top["schemaVersion"] != nil && top["findings"] != nil && only(reportKeys):
		var tool struct {
			Name string `json:"name"`
		}
		if json.Unmarshal(top["tool"], &tool) != nil || tool.Name != "palisade" {
			return ""
		}
		return SkipOwnOutput
	}
	return ""
}

// cycloneDXTools returns the tool names of a CycloneDX metadata.tools value, in either of its
// shapes: {"components": [...], "services": [...]} (1.5 and later) or a plain array (before).
func cycloneDXTools(raw json.RawMessage) []string {
	type named struct {
		Name string `json:"name"`
	}
	var names []string
	var legacy []named
	if json.Unmarshal(raw, &legacy) == nil {
		for _, t := range legacy {
			names = append(names, t.Name)
		}
		return names
	}
	var modern struct {
		Components []named `json:"components"`
		Services   []named `json:"services"`
	}
	if json.Unmarshal(raw, &modern) == nil {
		for _, t := range slices.Concat(modern.Components, modern.Services) {
			names = append(names, t.Name)
		}
	}
	return names
}
