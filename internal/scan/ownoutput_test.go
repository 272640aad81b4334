package scan

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/inventory"
	"github.com/palisade-sec/palisade/internal/report"
	"github.com/palisade-sec/palisade/internal/sbom"
)

// written renders what Palisade itself writes: an SBOM with the real sbom writer, a report with
// the real report writers.
func writtenSBOM(t *testing.T, f sbom.Format, target string) []byte {
	t.Helper()
	pkgs := []inventory.Package{{Ecosystem: "PyPI", Name: "flask", Version: "2.0.0",
		Location: finding.Location{Path: "requirements.txt", StartLine: 1}}}
	var b bytes.Buffer
	if err := sbom.Write(&b, f, pkgs, sbom.Options{Target: target, ToolVersion: "1.2.3"}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func writtenReport(t *testing.T, w report.Writer) []byte {
	t.Helper()
	run := &report.Run{Tool: report.Tool{Name: "palisade", Version: "1.2.3"}, Target: ".", Scanners: []string{"deps"},
		Started: time.Unix(0, 0), Finished: time.Unix(1, 0), Findings: []finding.Finding{}}
	var b bytes.Buffer
	if err := w.Write(&b, run); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestOwnOutputsAreNotTreeInputs: Palisade's SBOMs of this tree and its reports, and other
// tools' SBOMs of it, are listed as skipped and kept from tree analyzers (the dependency
// analyzer would report every package again), while file analyzers still read them. SBOMs of
// something else, and documents that only look like outputs, stay inputs.
func TestOwnOutputsAreNotTreeInputs(t *testing.T) {
	dir := t.TempDir()
	rootDir := filepath.Join(dir, "shop")
	name := "shop"
	files := fstest.MapFS{
		"requirements.txt":        file("flask==2.0.0\n"),
		"bom.cdx.json":            {Data: writtenSBOM(t, sbom.CycloneDX, name)},
		"out/shop.spdx.json":      {Data: writtenSBOM(t, sbom.SPDX, name)},
		"api/bom.json":            {Data: writtenSBOM(t, sbom.CycloneDX, "api")}, // an SBOM of the subdirectory it sits in
		"image.cdx.json":          {Data: writtenSBOM(t, sbom.CycloneDX, "nginx:1.27")},
		"report.json":             {Data: writtenReport(t, report.JSON{})},
		"palisade.sarif":          {Data: writtenReport(t, report.SARIF{})},
		"syft.cdx.json":           file(`{"bomFormat":"CycloneDX","specVersion":"1.5","metadata":{"tools":{"components":[{"name":"syft"}]},"component":{"name":"shop"}},"components":[]}`),
		"old-tools.cdx.json":      file(`{"bomFormat":"CycloneDX","specVersion":"1.4","metadata":{"tools":[{"vendor":"x","name":"palisade"}],"component":{"name":"shop"}}}`),
		"disguised.json":          file(`{"apiVersion":"v1","kind":"Pod","runs":[{"tool":{"driver":{"name":"palisade"}}}]}`),
		"other-tool.sarif":        file(`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"semgrep"}}}]}`),
		"broken.cdx.json":         file(`{"bomFormat":"CycloneDX",`),
		"not-json-but-named.json": file("SECRET bomFormat\n"),
	}
	root := writeTreeAt(t, rootDir, files)
	var treeFiles []string
	run, err := Dir(context.Background(), root, Options{Analyzers: []Analyzer{markerFinder{}, treeLister{got: &treeFiles}}})
	if err != nil {
		t.Fatal(err)
	}
	wantSkipped := []finding.Skip{
		{Path: "api/bom.json", Reason: SkipOwnOutput},
		{Path: "bom.cdx.json", Reason: SkipOwnOutput},
		{Path: "old-tools.cdx.json", Reason: SkipOwnOutput},
		{Path: "out/shop.spdx.json", Reason: SkipOwnOutput},
		{Path: "palisade.sarif", Reason: SkipOwnOutput},
		{Path: "report.json", Reason: SkipOwnOutput},
		{Path: "syft.cdx.json", Reason: SkipTreeSBOM},
	}
	if d := cmp.Diff(wantSkipped, run.Skipped); d != "" {
		t.Errorf("skipped (-want +got):\n%s", d)
	}
	wantTree := []string{"broken.cdx.json", "disguised.json", "image.cdx.json", "not-json-but-named.json", "other-tool.sarif", "requirements.txt"}
	if d := cmp.Diff(wantTree, treeFiles); d != "" {
		t.Errorf("tree files (-want +got):\n%s", d)
	}
	if !slices.ContainsFunc(run.Findings, func(f finding.Finding) bool { return f.Location.Path == "not-json-but-named.json" }) {
		t.Errorf("file analyzers must still read every file: %+v", run.Findings)
	}
	if run.Stats.FilesScanned != len(files) {
		t.Errorf("files scanned = %d, want all %d (file analyzers read own outputs too)", run.Stats.FilesScanned, len(files))
	}
}

// writeTreeAt is writeTree into a directory of a chosen name (SBOMs name their subject by it).
func writeTreeAt(t *testing.T, dir string, fsys fstest.MapFS) string {
	t.Helper()
	src := writeTree(t, fsys)
	if err := os.Rename(src, dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

func FuzzClassifyOutput(f *testing.F) {
	f.Add([]byte(`{"bomFormat":"CycloneDX","metadata":{"tools":[{"name":"palisade"}],"component":{"name":"shop"}}}`))
	f.Add([]byte(`{"bomFormat":"CycloneDX","metadata":{"tools":{"components":[{"name":"palisade"}]},"component":{"name":"shop"}}}`))
	f.Add([]byte(`{"spdxVersion":"SPDX-2.3","name":"/src/shop","creationInfo":{"creators":["Tool: palisade-1"]}}`))
	f.Add([]byte(`{"runs":[{"tool":{"driver":{"name":"palisade"}}}]}`))
	f.Add([]byte(`{"schemaVersion":"1.0.0","tool":{"name":"palisade"},"findings":[]}`))
	f.Add([]byte(`{"runs":null,"bomFormat":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		got := classifyOutput(data, []string{"shop", "api"})
		switch got {
		case "", SkipOwnOutput, SkipTreeSBOM:
		default:
			t.Fatalf("classifyOutput = %q", got)
		}
		if got == "" {
			return
		}
		// Whatever is recognised is a JSON object with none of the keys an IaC document needs.
		var top map[string]any
		if err := json.Unmarshal(data, &top); err != nil {
			t.Fatalf("classified as %q but not a JSON object: %v", got, err)
		}
		for _, k := range []string{"apiVersion", "kind", "AWSTemplateFormatVersion", "Resources", "services"} {
			if _, ok := top[k]; ok {
				t.Errorf("a document with %q classified as %q", k, got)
			}
		}
	})
}

// TestOwnOutputReadsPastTheHead: an output longer than the head OwnOutput first looks at is
// recognised from its whole text, and one over the size limit is not recognised at all (the
// dependency analyzer reports it as too large instead).
func TestOwnOutputReadsPastTheHead(t *testing.T) {
	// A CycloneDX document whose metadata (the subject's name) comes after the head.
	pad := bytes.Repeat([]byte(`{"type":"library","name":"x"},`), 2*outputHead/30)
	doc := []byte(`{"bomFormat":"CycloneDX","specVersion":"1.6","components":[` + string(pad) +
		`{"type":"library","name":"y"}],"metadata":{"tools":{"components":[{"name":"palisade"}]},"component":{"name":"shop"}}}`)
	if len(doc) <= outputHead {
		t.Fatalf("document is %d bytes, want more than the %d-byte head", len(doc), outputHead)
	}
	fsys := fstest.MapFS{"bom.json": {Data: doc}}
	tests := []struct {
		maxSize int64
		want    string
	}{
		{int64(len(doc)), SkipOwnOutput},
		{int64(len(doc)) - 1, ""},
	}
	for _, tc := range tests {
		if got := OwnOutput(fsys, "bom.json", int64(len(doc)), "shop", tc.maxSize); got != tc.want {
			t.Errorf("OwnOutput(maxSize %d) = %q, want %q", tc.maxSize, got, tc.want)
		}
	}
}

// TestOwnOutputOnlyForTreeAnalyzers: only tree analyzers leave outputs out, so a scan without
// one neither reads the candidates in the walk nor lists them as skipped: every file analyzer
// reads them.
func TestOwnOutputOnlyForTreeAnalyzers(t *testing.T) {
	root := writeTree(t, fstest.MapFS{"report.json": {Data: writtenReport(t, report.JSON{})}})
	run, err := Dir(context.Background(), root, Options{Analyzers: []Analyzer{markerFinder{}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Skipped) != 0 {
		t.Errorf("skipped = %+v, want nothing: no analyzer leaves the report out", run.Skipped)
	}
}
