package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/internal/errkind"
)

func runSBOMCLI(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	app := &App{Version: "test", Stdout: &out, Stderr: &errb, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	root := Root(app)
	root.SetArgs(args)
	err = root.Execute()
	return out.String(), errb.String(), err
}

func TestSBOMCommand(t *testing.T) {
	dir := filepath.Join("..", "inventory", "testdata", "go", "basic")
	tests := []struct {
		name   string
		args   []string
		check  func(t *testing.T, doc map[string]any)
		format string
	}{
		{"cyclonedx to stdout", []string{"sbom", dir}, func(t *testing.T, doc map[string]any) {
			if doc["bomFormat"] != "CycloneDX" || doc["specVersion"] != "1.6" {
				t.Errorf("not a CycloneDX 1.6 BOM: %v %v", doc["bomFormat"], doc["specVersion"])
			}
			if comps, _ := doc["components"].([]any); len(comps) != 8 {
				t.Errorf("%d components, want the 8 packages of go/basic", len(comps))
			}
		}, ""},
		{"spdx", []string{"sbom", dir, "--format", "spdx"}, func(t *testing.T, doc map[string]any) {
			if doc["spdxVersion"] != "SPDX-2.3" || doc["name"] != "basic" {
				t.Errorf("spdxVersion %v name %v", doc["spdxVersion"], doc["name"])
			}
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := runSBOMCLI(t, tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			var doc map[string]any
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatalf("stdout is not JSON: %v", err)
			}
			tt.check(t, doc)
		})
	}
}

func TestSBOMCommandOutputFile(t *testing.T) {
	outFile := filepath.Join(t.TempDir(), "bom.cdx.json")
	stdout, _, err := runSBOMCLI(t, "sbom", filepath.Join("..", "inventory", "testdata", "rust"), "-o", outFile)
	if err != nil {
		t.Fatal(err)
	}
	if stdout != "" {
		t.Errorf("stdout = %q, want nothing when --output is set", stdout)
	}
	data, err := os.ReadFile(outFile)
	if err != nil || !strings.Contains(string(data), "pkg:cargo/hyper@1.2.0") {
		t.Errorf("output file: %v\n%s", err, data)
	}
	entries, err := os.ReadDir(filepath.Dir(outFile))
	if err != nil || len(entries) != 1 {
		t.Errorf("output directory holds %v (%v), want only the SBOM: no temporary file left", entries, err)
	}
}

func TestSBOMCommandWarnsAboutProblems(t *testing.T) {
	_, stderr, err := runSBOMCLI(t, "sbom", filepath.Join("..", "inventory", "testdata", "java", "multi"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr, "app/pom.xml:35") || !strings.Contains(stderr, "micrometer") {
		t.Errorf("stderr = %q, want the unresolved property reported with file and line", stderr)
	}
}

func TestSBOMCommandErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		kind errkind.Kind
		want string
	}{
		{"unknown format", []string{"sbom", ".", "--format", "swid"}, errkind.Invalid, "swid"},
		{"missing directory", []string{"sbom", filepath.Join(t.TempDir(), "nope")}, errkind.NotFound, "nope"},
		{"unwritable output", []string{"sbom", filepath.Join("..", "inventory", "testdata", "rust"), "-o", filepath.Join(t.TempDir(), "no", "such", "dir", "x.json")}, errkind.Other, "x.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := runSBOMCLI(t, tt.args...)
			if err == nil {
				t.Fatal("no error")
			}
			if ExitCode(err) != 2 || errkind.Of(err) != tt.kind || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v (kind %v, exit %d), want kind %v, exit 2, mentioning %q", err, errkind.Of(err), ExitCode(err), tt.kind, tt.want)
			}
		})
	}
}

func TestSBOMHelpListsFormats(t *testing.T) {
	out, _, err := runSBOMCLI(t, "sbom", "--help")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"go.mod", "package-lock.json", "uv.lock", "*.spdx.json", "--format"} {
		if !strings.Contains(out, want) {
			t.Errorf("help does not mention %q:\n%s", want, out)
		}
	}
}

// TestSBOMDoesNotReadItsOwnOutput: an SBOM written into the tree is not an input of the next one
// (it listed every package once more per copy).
func TestSBOMDoesNotReadItsOwnOutput(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "requirements.txt"), []byte("flask==2.0.0\njinja2==3.0.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	count := func(format string) int {
		t.Helper()
		out, _, err := runSBOMCLI(t, "sbom", dir, "--format", format)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Components []any `json:"components"`
			Packages   []any `json:"packages"`
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		return len(doc.Components) + len(doc.Packages)
	}
	first := count("cyclonedx")
	for _, f := range []string{"cyclonedx", "spdx"} {
		if _, _, err := runSBOMCLI(t, "sbom", dir, "--format", f, "--output", filepath.Join(dir, "sbom."+f+".json")); err != nil {
			t.Fatal(err)
		}
	}
	if again := count("cyclonedx"); again != first || first == 0 {
		t.Errorf("%d components with two earlier SBOMs in the tree, %d without; want the same, non-zero", again, first)
	}
	_, stderr, _ := runSBOMCLI(t, "sbom", dir)
	if !strings.Contains(stderr, "not read: sbom.spdx.json (palisade-output)") {
		t.Errorf("the skipped SBOM is not named on stderr: %q", stderr)
	}
}
