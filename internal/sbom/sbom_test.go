package sbom

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/inventory"
	"github.com/palisade-sec/palisade/internal/shareddata"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// fixed makes documents byte-for-byte reproducible.
var fixed = Options{
	Target:      "payments-api",
	ToolVersion: "1.2.3",
	Now:         func() time.Time { return time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC) },
	NewUUID:     func() string { return "6f1d2c3b-4a59-4e8d-9c7b-0a1b2c3d4e5f" },
}

func loc(p string, line int) finding.Location { return finding.Location{Path: p, StartLine: line} }

// samplePackages covers what the writers must render: a graph, every hash kind, known, unknown and
// compound licences, Maven coordinates, scopes, and one package found in two files.
func samplePackages() []inventory.Package {
	sha := strings.Repeat("ab", 32)
	return []inventory.Package{
		{Name: "github.com/go-chi/chi/v5", Version: "5.0.12", Ecosystem: inventory.Go, PURL: "pkg:golang/github.com/go-chi/chi/v5@v5.0.12",
			Location: loc("go.mod", 8), Direct: true, Licenses: []string{"MIT"}, Hashes: map[string]string{"h1": "9euLV5sTrTNTRUU9POmDUvfxyj6LAABLUcEWO+JJb4s="}},
		{Name: "stdlib", Version: "1.22.5", Ecosystem: inventory.Go, PURL: "pkg:golang/stdlib@v1.22.5", Location: loc("go.mod", 5), Direct: true,
			Licenses: []string{"BSD-3-Clause"}, Properties: map[string]string{inventory.PropVersionSource: inventory.VersionFromToolchain}},
		{Name: "express", Version: "4.19.2", Ecosystem: inventory.NPM, PURL: "pkg:npm/express@4.19.2", Location: loc("web/package-lock.json", 59),
			Direct: true, DependsOn: []string{"npm/debug@2.6.9"}, Licenses: []string{"MIT"}, Hashes: map[string]string{"sha512": strings.Repeat("cd", 64), "sha256": "not-hex"}},
		{Name: "debug", Version: "2.6.9", Ecosystem: inventory.NPM, PURL: "pkg:npm/debug@2.6.9", Location: loc("web/package-lock.json", 44),
			DependsOn: []string{"npm/ms@2.0.0", "npm/not-in-inventory@1.0.0"}, Licenses: []string{"MIT"}},
		{Name: "ms", Version: "2.0.0", Ecosystem: inventory.NPM, PURL: "pkg:npm/ms@2.0.0", Location: loc("web/package-lock.json", 53)},
		{Name: "ms", Version: "2.0.0", Ecosystem: inventory.NPM, PURL: "pkg:npm/ms@2.0.0", Location: loc("admin/yarn.lock", 12), Direct: true},
		{Name: "org.apache.logging.log4j:log4j-core", Version: "2.17.1", Ecosystem: inventory.Maven, PURL: "pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1",
			Location: loc("app/pom.xml", 21), Direct: true, Licenses: []string{"Apache-2.0", "Acme Support Terms"}},
		{Name: "serde", Version: "1.0.197", Ecosystem: inventory.CratesIO, PURL: "pkg:cargo/serde@1.0.197", Location: loc("Cargo.lock", 40),
			Direct: true, Licenses: []string{"MIT OR Apache-2.0"}, Hashes: map[string]string{"sha256": sha}},
		{Name: "pytest", Version: "8.1.1", Ecosystem: inventory.PyPI, PURL: "pkg:pypi/pytest@8.1.1", Location: loc("poetry.lock", 41), Direct: true,
			Properties: map[string]string{inventory.PropScope: inventory.ScopeDev}, Licenses: []string{"LicenseRef-proprietary"}},
	}
}

func TestGolden(t *testing.T) {
	for _, f := range []Format{CycloneDX, SPDX} {
		t.Run(string(f), func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, f, samplePackages(), fixed); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "golden."+string(f)+".json")
			if *update {
				if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), buf.String()); diff != "" {
				t.Errorf("output differs from %s (-want +got):\n%s", golden, diff)
			}
			validate(t, f, buf.Bytes())
		})
	}
}

func TestDeterministicApartFromClockAndID(t *testing.T) {
	for _, f := range []Format{CycloneDX, SPDX} {
		var a, b bytes.Buffer
		pkgs := samplePackages()
		if err := Write(&a, f, pkgs, fixed); err != nil {
			t.Fatal(err)
		}
		// Shuffled input gives the same document.
		for i, j := 0, len(pkgs)-1; i < j; i, j = i+1, j-1 {
			pkgs[i], pkgs[j] = pkgs[j], pkgs[i]
		}
		if err := Write(&b, f, pkgs, fixed); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(a.String(), b.String()); diff != "" {
			t.Errorf("%s: order of input changed the output:\n%s", f, diff)
		}
		var c bytes.Buffer
		if err := Write(&c, f, pkgs, Options{Target: "payments-api", ToolVersion: "1.2.3"}); err != nil {
			t.Fatal(err)
		}
		if c.String() == a.String() {
			t.Errorf("%s: default clock and UUID gave the fixed document", f)
		}
	}
}

func TestCycloneDXGraph(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteCycloneDX(&buf, samplePackages(), fixed); err != nil {
		t.Fatal(err)
	}
	var bom cdxBOM
	if err := json.Unmarshal(buf.Bytes(), &bom); err != nil {
		t.Fatal(err)
	}
	deps := map[string][]string{}
	for _, d := range bom.Dependencies {
		deps[d.Ref] = d.DependsOn
	}
	want := map[string][]string{
		// Sorted by inventory key: ecosystem, then name and version.
		rootRef: {"pkg:golang/github.com/go-chi/chi/v5@v5.0.12", "pkg:golang/stdlib@v1.22.5",
			"pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1", "pkg:pypi/pytest@8.1.1", "pkg:cargo/serde@1.0.197", "pkg:npm/express@4.19.2", "pkg:npm/ms@2.0.0"},
		"pkg:npm/express@4.19.2": {"pkg:npm/debug@2.6.9"},
		"pkg:npm/debug@2.6.9":    {"pkg:npm/ms@2.0.0"}, // the dangling reference is dropped
	}
	for ref, w := range want {
		if diff := cmp.Diff(w, deps[ref]); diff != "" {
			t.Errorf("dependsOn of %s (-want +got):\n%s", ref, diff)
		}
	}
	if len(bom.Components) != 8 {
		t.Errorf("%d components, want 8 (ms merged across two files)", len(bom.Components))
	}
}

func TestSPDXRelationships(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteSPDX(&buf, samplePackages(), fixed); err != nil {
		t.Fatal(err)
	}
	var doc spdxDocument
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	for _, p := range doc.Packages {
		names[p.SPDXID] = p.Name + "@" + p.VersionInfo
	}
	var got []string
	for _, r := range doc.Relationships {
		got = append(got, names[r.Element]+" "+r.Type+" "+names[r.Related])
	}
	want := []string{
		" DESCRIBES payments-api@",
		"payments-api@ DEPENDS_ON github.com/go-chi/chi/v5@5.0.12",
		"payments-api@ DEPENDS_ON stdlib@1.22.5",
		"payments-api@ DEPENDS_ON org.apache.logging.log4j:log4j-core@2.17.1",
		"payments-api@ DEPENDS_ON pytest@8.1.1",
		"payments-api@ DEPENDS_ON serde@1.0.197",
		"payments-api@ DEPENDS_ON express@4.19.2",
		"payments-api@ DEPENDS_ON ms@2.0.0",
		"debug@2.6.9 DEPENDS_ON ms@2.0.0",
		"express@4.19.2 DEPENDS_ON debug@2.6.9",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("relationships (-want +got):\n%s", diff)
	}
	var log4j spdxPackage
	for _, p := range doc.Packages {
		if p.Name == "org.apache.logging.log4j:log4j-core" {
			log4j = p
		}
	}
	if log4j.LicenseDeclared != "Apache-2.0 AND LicenseRef-Acme-Support-Terms" {
		t.Errorf("licenseDeclared = %q", log4j.LicenseDeclared)
	}
	if len(doc.Extracted) != 2 || doc.Extracted[0].LicenseID != "LicenseRef-Acme-Support-Terms" || doc.Extracted[0].Text != "Acme Support Terms" {
		t.Errorf("extracted licences = %+v", doc.Extracted)
	}
}

// TestRoundTrip reads back what the writers wrote with the inventory's own SBOM extractors: the
// packages, their direct flags and the graph survive both formats.
func TestRoundTrip(t *testing.T) {
	in := samplePackages()
	for _, f := range []Format{CycloneDX, SPDX} {
		t.Run(string(f), func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, f, in, fixed); err != nil {
				t.Fatal(err)
			}
			name := "out.cdx.json"
			if f == SPDX {
				name = "out.spdx.json"
			}
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			got, probs, err := inventory.Extract(context.Background(), os.DirFS(dir), []string{name})
			if err != nil || len(probs) > 0 {
				t.Fatalf("read back: %v %+v", err, probs)
			}
			type key struct {
				Key    string
				Direct bool
				Deps   string
			}
			summarize := func(pkgs []inventory.Package) map[key]bool {
				out := map[key]bool{}
				for _, e := range merge(pkgs) {
					var deps []string
					for _, d := range e.DependsOn {
						if d != "npm/not-in-inventory@1.0.0" {
							deps = append(deps, d)
						}
					}
					out[key{e.Key(), e.Direct, strings.Join(deps, ",")}] = true
				}
				return out
			}
			if diff := cmp.Diff(summarize(in), summarize(got)); diff != "" {
				t.Errorf("round trip (-wrote +read):\n%s", diff)
			}
		})
	}
}

// TestInventoryTestdataValidates writes SBOMs for every fixture the inventory tests use, so each
// ecosystem's names, versions and purls are checked against the schemas.
func TestInventoryTestdataValidates(t *testing.T) {
	pkgs, _, err := inventory.FromFS(context.Background(), os.DirFS("../inventory/testdata"), inventory.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) < 50 {
		t.Fatalf("only %d packages from the inventory fixtures", len(pkgs))
	}
	for _, f := range []Format{CycloneDX, SPDX} {
		var buf bytes.Buffer
		if err := Write(&buf, f, pkgs, fixed); err != nil {
			t.Fatal(err)
		}
		validate(t, f, buf.Bytes())
	}
}

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]Format{"cyclonedx": CycloneDX, "CDX": CycloneDX, "spdx": SPDX, "spdx-json": SPDX} {
		if got, err := ParseFormat(in); err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseFormat("swid"); err == nil || !strings.Contains(err.Error(), "swid") {
		t.Errorf("ParseFormat(swid) error = %v", err)
	}
}

func TestRandomUUID(t *testing.T) {
	a, b := RandomUUID(), RandomUUID()
	if a == b || len(a) != 36 || a[14] != '4' || !strings.ContainsRune("89ab", rune(a[19])) {
		t.Errorf("RandomUUID = %q, %q: not two distinct version 4 UUIDs", a, b)
	}
}

// sharedData is ../shared/data beside the repository, as CI lays it out; the test skips when
// its schemas are absent.
func sharedData(t testing.TB) string {
	t.Helper()
	return filepath.Dir(shareddata.Path(t, "schemas"))
}

// validate checks doc against the official schema of its format, formats asserted.
func validate(t *testing.T, f Format, doc []byte) {
	t.Helper()
	if err := validateErr(t, f, doc); err != nil {
		t.Errorf("%s document does not validate: %v", f, err)
	}
}

func validateErr(t *testing.T, f Format, doc []byte) error {
	t.Helper()
	sch := compileSchema(t, sharedData(t), f)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	return sch.Validate(inst)
}

// compileSchema loads the official schema of format f from the shared data directory.
func compileSchema(t testing.TB, data string, f Format) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	load := func(file, url string) {
		r, err := os.Open(filepath.Join(data, "schemas", file))
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		s, err := jsonschema.UnmarshalJSON(r)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if err := c.AddResource(url, s); err != nil {
			t.Fatal(err)
		}
	}
	var root string
	switch f {
	case CycloneDX:
		load("cyclonedx/spdx.schema.json", "http://cyclonedx.org/schema/spdx.schema.json")
		load("cyclonedx/jsf-0.82.schema.json", "http://cyclonedx.org/schema/jsf-0.82.schema.json")
		root = "http://cyclonedx.org/schema/bom-1.6.schema.json"
		load("cyclonedx/bom-1.6.schema.json", root)
	case SPDX:
		root = "http://spdx.org/rdf/terms/2.3"
		load("spdx/spdx-2.3-schema.json", root)
	}
	sch, err := c.Compile(root)
	if err != nil {
		t.Fatalf("compile %s schema: %v", f, err)
	}
	return sch
}

// TestSchemaRejectsBrokenDocuments shows the validation has teeth: small corruptions of a good
// document fail it.
func TestSchemaRejectsBrokenDocuments(t *testing.T) {
	tests := []struct {
		name     string
		format   Format
		old, new string
	}{
		{"cyclonedx bad hash", CycloneDX, `"content": "abab`, `"content": "zzab`},
		{"cyclonedx unknown licence id", CycloneDX, `"id": "MIT"`, `"id": "MIT-ish"`},
		{"cyclonedx bad scope", CycloneDX, `"scope": "excluded"`, `"scope": "dev"`},
		{"spdx bad checksum algorithm", SPDX, `"algorithm": "SHA256"`, `"algorithm": "SHA-256"`},
		{"spdx bad relationship", SPDX, `"relationshipType": "DESCRIBES"`, `"relationshipType": "OWNS"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, tt.format, samplePackages(), fixed); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(buf.String(), tt.old) {
				t.Fatalf("document has no %s", tt.old)
			}
			broken := strings.Replace(buf.String(), tt.old, tt.new, 1)
			if err := validateErr(t, tt.format, []byte(broken)); err == nil {
				t.Errorf("schema accepted a document with %s", tt.new)
			}
		})
	}
}

func TestSPDXIDPart(t *testing.T) {
	tests := []struct{ in, want string }{
		{"npm-@babel/code-frame-7.23.5", "npm-babel-code-frame-7.23.5"},
		{"Go-github.com/go-chi/chi/v5-5.0.12", "Go-github.com-go-chi-chi-v5-5.0.12"},
		{"Maven-org.x:y-1.0+build", "Maven-org.x-y-1.0-build"},
		{"@@@", ""},
	}
	for _, tt := range tests {
		if got := spdxIDPart(tt.in); got != tt.want {
			t.Errorf("spdxIDPart(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMergeKeepsEveryPlaceAndLicenceOnce(t *testing.T) {
	a := inventory.Package{Name: "x", Version: "1", Ecosystem: inventory.NPM, Location: loc("a/yarn.lock", 3), Licenses: []string{"MIT", "Apache-2.0"}}
	b := inventory.Package{Name: "x", Version: "1", Ecosystem: inventory.NPM, Location: loc("b/yarn.lock", 9), Licenses: []string{"MIT"}, Direct: true,
		Hashes: map[string]string{"sha1": strings.Repeat("0", 40)}}
	got := merge([]inventory.Package{a, b})
	if len(got) != 1 {
		t.Fatalf("%d entries, want 1", len(got))
	}
	e := got[0]
	if diff := cmp.Diff([]string{"MIT", "Apache-2.0"}, e.Licenses); diff != "" {
		t.Errorf("licences (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"a/yarn.lock:3", "b/yarn.lock:9"}, e.locations); diff != "" {
		t.Errorf("locations (-want +got):\n%s", diff)
	}
	if !e.Direct || e.Hashes["sha1"] == "" {
		t.Errorf("direct %v hashes %v: the second occurrence's facts were lost", e.Direct, e.Hashes)
	}
}

// TestImageLayers: a package found in an image names its layer — CycloneDX properties, an SPDX
// package comment — and both documents still validate against the official schemas.
func TestImageLayers(t *testing.T) {
	pkgs := []inventory.Package{{
		Name: "zlib1g", Version: "1:1.2.13.dfsg-1", Ecosystem: "Debian:12", PURL: "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?distro=debian-12",
		Location: finding.Location{Path: "var/lib/dpkg/status", StartLine: 12,
			Layer: &finding.Layer{Index: 0, Digest: "sha256:" + strings.Repeat("ab", 32), CreatedBy: "ADD rootfs.tar /", Base: true}},
	}}
	for f, want := range map[Format][]string{
		CycloneDX: {`"name": "palisade:layer:index",`, `"value": "sha256:` + strings.Repeat("ab", 32) + `"`, `"name": "palisade:layer:base",`, `"value": "ADD rootfs.tar /"`},
		SPDX:      {`"comment": "from image layer 0 (sha256:` + strings.Repeat("ab", 32) + `, base image: ADD rootfs.tar /)"`},
	} {
		var buf bytes.Buffer
		if err := Write(&buf, f, pkgs, fixed); err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			if !strings.Contains(buf.String(), w) {
				t.Errorf("%s lacks %s:\n%s", f, w, buf.String())
			}
		}
		validate(t, f, buf.Bytes())
	}
}
