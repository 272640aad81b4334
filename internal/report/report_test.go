package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/shareddata"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func write(t *testing.T, w Writer, r *Run) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := w.Write(&buf, r); err != nil {
		t.Fatalf("write: %v", err)
	}
	return buf.Bytes()
}

func mustNew(t *testing.T, format string, opts Options) Writer {
	t.Helper()
	w, err := New(format, opts)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestGolden(t *testing.T) {
	tests := []struct {
		name, format string
		opts         Options
		run          func() *Run
	}{
		{"table.txt", "table", Options{}, fixtureRun},
		{"table-by-file.txt", "table", Options{GroupBy: GroupByFile}, fixtureRun},
		{"table-color.txt", "table", Options{Color: true}, fixtureRun},
		{"report.json", "json", Options{}, fixtureRun},
		{"report.sarif", "sarif", Options{}, fixtureRun},
		{"report.junit.xml", "junit", Options{}, fixtureRun},
		{"empty-table.txt", "table", Options{}, emptyRun},
		{"empty.json", "json", Options{}, emptyRun},
		{"empty.sarif", "sarif", Options{}, emptyRun},
		{"empty.junit.xml", "junit", Options{}, emptyRun},
		{"odd-table.txt", "table", Options{GroupBy: GroupByFile}, oddRun},
		{"odd.sarif", "sarif", Options{}, oddRun},
		{"odd.junit.xml", "junit", Options{}, oddRun},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := mustNew(t, tc.format, tc.opts)
			got := write(t, w, tc.run())
			path := filepath.Join("testdata", tc.name)
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("%s differs from the golden file (-want +got):\n%s", tc.name, diff)
			}

			// Determinism: the same run, even with findings, rules and skip counts reported in
			// another order, gives the same bytes.
			shuffled := tc.run()
			slices.Reverse(shuffled.Findings)
			slices.Reverse(shuffled.Rules)
			slices.Reverse(shuffled.Skipped)
			slices.Reverse(shuffled.Problems)
			if again := write(t, w, shuffled); !bytes.Equal(again, got) {
				t.Errorf("output depends on the order of findings or rules:\n%s", cmp.Diff(string(got), string(again)))
			}
		})
	}
}

// TestWritersDoNotModifyRun keeps writers pure: the CLI writes one Run in several formats.
func TestWritersDoNotModifyRun(t *testing.T) {
	for _, format := range Formats() {
		t.Run(format, func(t *testing.T) {
			r := fixtureRun()
			write(t, mustNew(t, format, Options{}), r)
			if diff := cmp.Diff(fixtureRun(), r); diff != "" {
				t.Errorf("writer changed the run (-before +after):\n%s", diff)
			}
		})
	}
}

// TestWritersNeverOutputSensitiveProperties plants a raw secret under sensitive property keys
// (as a scanner might keep one for verification) and checks that no format outputs it, while
// the ordinary property beside it is still written.
func TestWritersNeverOutputSensitiveProperties(t *testing.T) {
	for _, format := range Formats() {
		t.Run(format, func(t *testing.T) {
			out := string(write(t, mustNew(t, format, Options{Color: true}), fixtureRun()))
			if !strings.Contains(fixtureRun().Findings[1].Properties["sensitive.match"], plantedSecret) {
				t.Fatal("fixture no longer plants the secret")
			}
			for _, leak := range []string{plantedSecret, plantedSecret[4:20], "sensitive.match", "Sensitive.Raw"} {
				if strings.Contains(out, leak) {
					t.Errorf("%s output contains %q", format, leak)
				}
			}
		})
	}
	out := string(write(t, JSON{}, fixtureRun()))
	if !strings.Contains(out, `"entropy": "3.68"`) {
		t.Error("JSON dropped a non-sensitive property too")
	}
}

func TestFormatsAndNew(t *testing.T) {
	names := Formats()
	if want := []string{"table", "json", "sarif", "junit"}; !cmp.Equal(names, want) {
		t.Errorf("Formats() = %v, want %v", names, want)
	}
	seen := map[string]bool{}
	for _, f := range formats() {
		if seen[f.name] {
			t.Errorf("duplicate format %q", f.name)
		}
		seen[f.name] = true
		if f.description == "" {
			t.Errorf("format %q has no description", f.name)
		}
	}
	tests := []struct {
		name, format string
		opts         Options
		wantErr      string
		wantType     Writer
	}{
		{"table", "table", Options{}, "", &Table{}},
		{"table options", " TABLE ", Options{Color: true, GroupBy: GroupByFile}, "", &Table{Color: true, GroupBy: GroupByFile}},
		{"json", "json", Options{}, "", JSON{}},
		{"sarif", "Sarif", Options{}, "", SARIF{}},
		{"junit", "junit", Options{}, "", JUnit{}},
		{"unknown", "yaml", Options{}, `unknown report format "yaml" (want one of table, json, sarif, junit)`, nil},
		{"bad grouping", "table", Options{GroupBy: "rule"}, `new table writer: unknown table grouping "rule" (want severity or file)`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, err := New(tc.format, tc.opts)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("New(%q) error = %v, want %q", tc.format, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.wantType, w); diff != "" {
				t.Errorf("New(%q) (-want +got):\n%s", tc.format, diff)
			}
		})
	}
}

// TestJSONWritesUTC keeps reports comparable wherever they were written.
func TestJSONWritesUTC(t *testing.T) {
	zone := time.FixedZone("UTC+5", 5*3600)
	r := fixtureRun()
	r.Started = r.Started.In(zone)
	r.Findings[2].Location.Commit.Date = r.Findings[2].Location.Commit.Date.In(zone)
	exp := r.Findings[8].Suppression.Expires.In(zone)
	r.Findings[8].Suppression.Expires = &exp
	if got, want := string(write(t, JSON{}, r)), string(write(t, JSON{}, fixtureRun())); got != want {
		t.Errorf("times in another zone changed the report:\n%s", cmp.Diff(want, got))
	}
	if r.Started.Location() != zone || r.Findings[2].Location.Commit.Date.Location() != zone {
		t.Error("the writer changed the caller's run")
	}
}

func TestWritersRejectNilRun(t *testing.T) {
	for _, format := range Formats() {
		if err := mustNew(t, format, Options{}).Write(&bytes.Buffer{}, nil); err == nil {
			t.Errorf("%s: writing a nil run succeeded", format)
		}
	}
}

func compileSchema(t *testing.T, url string, schema []byte) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema))
	if err != nil {
		t.Fatalf("parse schema %s: %v", url, err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatalf("compile schema %s: %v", url, err)
	}
	return s
}

func validate(t *testing.T, s *jsonschema.Schema, out []byte) error {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
	return s.Validate(inst)
}

func TestJSONSchema(t *testing.T) {
	docCopy, err := os.ReadFile(filepath.Join(shareddata.ModuleRoot(t), "docs", "schemas", "report-v1.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	s := compileSchema(t, "report-v1.schema.json", docCopy)
	imageRun := func() *Run {
		r := fixtureRun()
		r.Findings[0].Location.Layer = &finding.Layer{Index: 2, Digest: "sha256:" + strings.Repeat("ab", 32),
			DiffID: "sha256:" + strings.Repeat("cd", 32), CreatedBy: "COPY . /app"}
		r.Image = &Image{Name: "app.tar", Digest: "sha256:" + strings.Repeat("ef", 32), Platform: "linux/amd64", Layers: 3, BaseLayers: 1}
		return r
	}
	baseUpdateRun := func() *Run {
		r := imageRun()
		r.Image.BaseUpdate = baseUpdateChecked()
		return r
	}
	baseNoteRun := func() *Run {
		r := imageRun()
		r.Image.BaseUpdate = &BaseUpdate{Base: "debian:bookworm", Note: `tag "bookworm" does not start with a version number`}
		return r
	}
	for name, run := range map[string]func() *Run{"fixture": fixtureRun, "empty": emptyRun, "image layer": imageRun,
		"base update": baseUpdateRun, "base update note": baseNoteRun} {
		t.Run(name, func(t *testing.T) {
			if err := validate(t, s, write(t, JSON{}, run())); err != nil {
				t.Errorf("JSON output does not match its schema: %v", err)
			}
		})
	}
	// The schema must be able to fail: a report with an unknown field or a bad severity is invalid.
	for name, mutate := range map[string]func(string) string{
		"unknown field": func(s string) string { return strings.Replace(s, `"target"`, `"targte"`, 1) },
		"bad severity":  func(s string) string { return strings.Replace(s, `"severity": "critical"`, `"severity": "severe"`, 1) },
		"major 2": func(s string) string {
			return strings.Replace(s, `"schemaVersion": "1.0.0"`, `"schemaVersion": "2.0.0"`, 1)
		},
		"no fingerprint": func(s string) string { return strings.Replace(s, `"fingerprint"`, `"fingerprintX"`, 1) },
		"sensitive key":  func(s string) string { return strings.Replace(s, `"entropy"`, `"Sensitive.raw"`, 1) },
	} {
		t.Run("rejects "+name, func(t *testing.T) {
			bad := mutate(string(write(t, JSON{}, fixtureRun())))
			if err := validate(t, s, []byte(bad)); err == nil {
				t.Error("schema accepted an invalid report")
			}
		})
	}
}

func TestSARIFSchema(t *testing.T) {
	schema, err := os.ReadFile(shareddata.Path(t, "schemas", "sarif", "sarif-schema-2.1.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	s := compileSchema(t, "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json", schema)
	baseUpdateRun := func() *Run {
		r := imageRun()
		r.Image.BaseUpdate = baseUpdateChecked()
		return r
	}
	for name, run := range map[string]func() *Run{"fixture": fixtureRun, "empty": emptyRun, "odd": oddRun, "image": imageRun, "base update": baseUpdateRun} {
		t.Run(name, func(t *testing.T) {
			if err := validate(t, s, write(t, SARIF{}, run())); err != nil {
				t.Errorf("SARIF output does not match the official schema: %v", err)
			}
		})
	}
	t.Run("rejects a bad suppression kind", func(t *testing.T) {
		bad := strings.Replace(string(write(t, SARIF{}, fixtureRun())), `"kind": "inSource"`, `"kind": "inline"`, 1)
		if err := validate(t, s, []byte(bad)); err == nil {
			t.Error("schema accepted an invalid log: the validation cannot fail")
		}
	})
}

// TestSARIFForCodeScanning checks what GitHub code scanning reads beyond the schema.
func TestSARIFForCodeScanning(t *testing.T) {
	var log sarifLog
	if err := json.Unmarshal(write(t, SARIF{}, fixtureRun()), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	d := run.Tool.Driver
	if d.Name != "palisade" || d.Version != "1.2.3" || d.InformationURI == "" {
		t.Errorf("driver = %+v", d)
	}
	wantSev := map[string]string{
		"aws-access-key": "9.5", "github-pat": "8.0", "k8s-privileged-container": "8.0", "go-vuln": "5.5",
		"k8s-no-resource-limits": "3.0", "dockerfile-latest-tag": "3.0", "k8s-default-namespace": "1.0",
	}
	gotSev := map[string]string{}
	for _, r := range d.Rules {
		gotSev[r.ID] = r.Properties.SecuritySeverity
		if !slices.Contains(r.Properties.Tags, "security") {
			t.Errorf("rule %s: tags %v lack security", r.ID, r.Properties.Tags)
		}
		if r.Help.Text == "" || r.Help.Markdown == "" || r.ShortDescription.Text == "" || r.Name == "" || strings.EqualFold(r.Name, r.ID) {
			t.Errorf("rule %s: incomplete description %+v", r.ID, r)
		}
	}
	if diff := cmp.Diff(wantSev, gotSev); diff != "" {
		t.Errorf("security-severity (-want +got):\n%s", diff)
	}
	aws := d.Rules[slices.IndexFunc(d.Rules, func(r sarifRule) bool { return r.ID == "aws-access-key" })]
	if !slices.Contains(aws.Properties.Tags, "external/cwe/cwe-798") || aws.HelpURI == "" || aws.DefaultConfiguration.Level != "error" ||
		!strings.Contains(aws.Help.Markdown, "Revoke the key") {
		t.Errorf("aws-access-key rule = %+v", aws)
	}
	if len(run.Results) != len(fixtureRun().Findings) {
		t.Fatalf("%d results for %d findings: suppressed findings must stay", len(run.Results), len(fixtureRun().Findings))
	}
	kinds := map[string]int{}
	for _, res := range run.Results {
		if d.Rules[res.RuleIndex].ID != res.RuleID {
			t.Errorf("result %s: ruleIndex %d points at %s", res.RuleID, res.RuleIndex, d.Rules[res.RuleIndex].ID)
		}
		loc := res.Locations[0].PhysicalLocation
		if loc.ArtifactLocation.URIBaseID != "%SRCROOT%" || strings.HasPrefix(loc.ArtifactLocation.URI, "/") || loc.Region.StartLine < 1 {
			t.Errorf("result %s: location %+v", res.RuleID, loc)
		}
		if len(res.PartialFingerprints[finding.FingerprintScheme]) != 32 {
			t.Errorf("result %s: partialFingerprints %v", res.RuleID, res.PartialFingerprints)
		}
		for _, s := range res.Suppressions {
			kinds[s.Kind+"/"+s.Properties["palisade/kind"]]++
			if s.Status != "accepted" || s.Justification == "" {
				t.Errorf("suppression %+v", s)
			}
		}
	}
	if want := map[string]int{"inSource/inline": 1, "external/ignore-file": 1, "external/baseline": 1}; !cmp.Equal(kinds, want) {
		t.Errorf("suppression kinds = %v, want %v", kinds, want)
	}
	if n := len(run.Invocations[0].ToolExecutionNotifications); n != 2 {
		t.Errorf("%d notifications for 2 problems", n)
	}
	wantURIs := map[string]bool{"build/app%20image/Dockerfile": true}
	for _, res := range run.Results {
		delete(wantURIs, res.Locations[0].PhysicalLocation.ArtifactLocation.URI)
	}
	if len(wantURIs) > 0 {
		t.Errorf("paths not percent-encoded: %v", wantURIs)
	}
}

func TestSARIFRuleTags(t *testing.T) {
	rule := finding.Rule{ID: "r", Severity: finding.SeverityLow, CWE: []string{"CWE-79", "cwe-89", "CWE-79"}}
	for i := range 30 {
		rule.Tags = append(rule.Tags, fmt.Sprintf("tag-%02d", i))
	}
	rule.Tags = append(rule.Tags, "tag-00")
	got := sarifRuleOf(rule).Properties.Tags
	if len(got) != 20 {
		t.Errorf("%d tags, want the code scanning maximum of 20", len(got))
	}
	if want := []string{"security", "external/cwe/cwe-79", "external/cwe/cwe-89", "tag-00", "tag-01"}; !cmp.Equal(got[:5], want) {
		t.Errorf("tags start %q, want %q", got[:5], want)
	}
}

func TestRelativeURI(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"a/b.go", "a/b.go"},
		{"dir with space/x.yaml", "dir%20with%20space/x.yaml"},
		{"c:weird/x", "./c:weird/x"},
		{"100%/x#y?z", "100%25/x%23y%3Fz"},
	} {
		if got := relativeURI(tc.in); got != tc.want {
			t.Errorf("relativeURI(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestJUnit(t *testing.T) {
	var doc junitSuites
	if err := xml.Unmarshal(write(t, JUnit{}, fixtureRun()), &doc); err != nil {
		t.Fatalf("JUnit output is not well-formed XML: %v", err)
	}
	type counts struct{ Tests, Failures, Errors, Skipped int }
	got := map[string]counts{}
	var total counts
	for _, s := range doc.Suites {
		var c counts
		for _, tc := range s.Cases {
			c.Tests++
			switch {
			case tc.Failure != nil:
				c.Failures++
			case tc.Error != nil:
				c.Errors++
			case tc.Skipped != nil:
				c.Skipped++
			}
		}
		if c != (counts{s.Tests, s.Failures, s.Errors, s.Skipped}) {
			t.Errorf("suite %s attributes %+v disagree with its testcases %+v", s.Name, s, c)
		}
		got[s.Name] = c
		total.Tests += c.Tests
		total.Failures += c.Failures
		total.Errors += c.Errors
		total.Skipped += c.Skipped
	}
	want := map[string]counts{
		// secret: aws-access-key in config.go (fail) and config_test.go (skipped, inline), github-pat (fail)
		"secret": {Tests: 3, Failures: 2, Skipped: 1},
		// iac: dockerfile-latest-tag, default-namespace, no-resource-limits, privileged in api.yaml (fail),
		// privileged in node-exporter.yaml (skipped), one problem (error)
		"iac": {Tests: 6, Failures: 4, Skipped: 1, Errors: 1},
		// deps: go.mod holds one open and one baselined go-vuln finding: a failure; one problem
		"deps": {Tests: 2, Failures: 1, Errors: 1},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("suites (-want +got):\n%s", diff)
	}
	if total.Tests != doc.Tests || total.Failures != doc.Failures || total.Errors != doc.Errors {
		t.Errorf("testsuites attributes %+v disagree with the suites %+v", doc, total)
	}

	var empty junitSuites
	if err := xml.Unmarshal(write(t, JUnit{}, emptyRun()), &empty); err != nil {
		t.Fatal(err)
	}
	if empty.Tests != 1 || empty.Failures != 0 || len(empty.Suites) != 1 || empty.Suites[0].Cases[0].Name != "no findings" {
		t.Errorf("a clean scan must read as one passing test, got %+v", empty)
	}
}

// TestJUnitVocabulary keeps the output to the elements and attributes that strict JUnit readers
// (Jenkins xUnit validates against an XSD) accept; anything else makes them reject the file.
func TestJUnitVocabulary(t *testing.T) {
	allowed := map[string][]string{
		"testsuites": {"name", "time", "tests", "failures", "errors"},
		"testsuite":  {"name", "tests", "failures", "errors", "skipped", "time", "timestamp"},
		"testcase":   {"name", "classname", "time"},
		"failure":    {"message", "type"},
		"error":      {"message", "type"},
		"skipped":    {"message", "type"},
	}
	for name, run := range map[string]func() *Run{"fixture": fixtureRun, "empty": emptyRun, "odd": oddRun} {
		t.Run(name, func(t *testing.T) {
			dec := xml.NewDecoder(bytes.NewReader(write(t, JUnit{}, run())))
			for {
				tok, err := dec.Token()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				el, ok := tok.(xml.StartElement)
				if !ok {
					continue
				}
				attrs, known := allowed[el.Name.Local]
				if !known {
					t.Errorf("element <%s> is not in the JUnit vocabulary", el.Name.Local)
				}
				for _, a := range el.Attr {
					if !slices.Contains(attrs, a.Name.Local) {
						t.Errorf("<%s %s=…> is not allowed", el.Name.Local, a.Name.Local)
					}
				}
			}
		})
	}
}

// TestJUnitInvalidXMLCharacters feeds characters XML 1.0 cannot hold; the output must still parse.
func TestJUnitInvalidXMLCharacters(t *testing.T) {
	r := emptyRun()
	r.Findings = []finding.Finding{{
		RuleID: "r", Title: "bad \x00 title \x1b[31m", Severity: finding.SeverityHigh, Scanner: "secret", Fingerprint: "f",
		Location: finding.Location{Path: "a\x01.go", StartLine: 1, Snippet: "x \xff\xfe y ]]> <&>"},
	}}
	var doc junitSuites
	if err := xml.Unmarshal(write(t, JUnit{}, r), &doc); err != nil {
		t.Fatalf("output does not parse: %v", err)
	}
	if doc.Failures != 1 || !strings.Contains(doc.Suites[0].Cases[0].Failure.Body, "]]> <&>") {
		t.Errorf("failure not kept intact: %+v", doc.Suites[0].Cases[0].Failure)
	}
}

// imageRun is the fixture run as an image scan: its first finding in layer 2 of three.
func imageRun() *Run {
	r := fixtureRun()
	r.Findings[0].Location.Layer = &finding.Layer{Index: 2, Digest: "sha256:" + strings.Repeat("ab", 32), CreatedBy: "COPY . /app"}
	r.Findings[1].Location.Layer = &finding.Layer{Index: 0, Digest: "sha256:" + strings.Repeat("01", 32), Base: true}
	r.Image = &Image{Name: "app.tar", Layers: 3, BaseLayers: 1, Platform: "linux/amd64"}
	return r
}

func baseUpdateChecked() *BaseUpdate {
	return &BaseUpdate{Checked: true, Base: "debian:12.5", Newer: "debian:12.8", NewerDigest: "sha256:" + strings.Repeat("0f", 32), Findings: 9, Removed: 7}
}

// TestBaseUpdate: --check-base-update's summary is one line of the table and a run property
// of SARIF.
func TestBaseUpdate(t *testing.T) {
	for _, tc := range []struct {
		name string
		bu   *BaseUpdate
		want string
	}{
		{"checked", baseUpdateChecked(), "newer base debian:12.8 would remove 7 of 9 base-image findings"},
		{"note", &BaseUpdate{Base: "debian:bookworm", Note: `tag "bookworm" does not start with a version number`},
			`newer base: tag "bookworm" does not start with a version number`},
		{"problem", &BaseUpdate{Base: "debian:12.5"}, "newer base: not checked (see problems)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := imageRun()
			r.Image.BaseUpdate = tc.bu
			table := string(write(t, mustNew(t, "table", Options{}), r))
			if !strings.Contains(table, "\n"+tc.want+"\n") {
				t.Errorf("table lacks the line %q:\n%s", tc.want, table)
			}
		})
	}
	r := imageRun()
	r.Image.BaseUpdate = baseUpdateChecked()
	var log struct {
		Runs []struct {
			Properties struct {
				BaseUpdate *BaseUpdate `json:"palisade/baseUpdate"`
			} `json:"properties"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(write(t, SARIF{}, r), &log); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(baseUpdateChecked(), log.Runs[0].Properties.BaseUpdate); diff != "" {
		t.Errorf("SARIF run property palisade/baseUpdate (-want +got):\n%s", diff)
	}
}

// TestImageLocations: the table names each finding's layer (index, short digest, base or own,
// build step) and the image; SARIF locations are "<layer-digest>/<path>"; the fingerprint, and
// so a baseline, does not depend on the layer.
func TestImageLocations(t *testing.T) {
	r := imageRun()
	table := string(write(t, mustNew(t, "table", Options{}), r))
	for _, want := range []string{
		"layer 2 sha256:abababababab (own): COPY . /app",
		"layer 0 sha256:010101010101 (base image)",
		"image: 3 layers, linux/amd64, layer 0 from the base image",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	sarif := string(write(t, SARIF{}, r))
	want := `"uri": "./sha256:` + strings.Repeat("ab", 32) + "/" + fixtureRun().Findings[0].Location.Path + `"`
	if !strings.Contains(sarif, want) {
		t.Errorf("SARIF lacks %s", want)
	}
	if fixtureRun().Findings[0].Fingerprint != r.Findings[0].Fingerprint {
		t.Error("the layer changed the fingerprint")
	}
}
