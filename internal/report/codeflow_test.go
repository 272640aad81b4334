package report

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/shareddata"
)

// flowRun is a run with one finding that carries a source→sink flow (the sast scanner's).
func flowRun() *Run {
	r := emptyRun()
	r.Findings = []finding.Finding{{
		RuleID: "go-sql-injection", Title: "SQL query built from untrusted input", Severity: finding.SeverityHigh,
		Confidence: finding.ConfidenceHigh, CWE: []string{"CWE-89"}, Scanner: "sast", Fingerprint: "0123456789abcdef",
		Location: finding.Location{Path: "store/store.go", StartLine: 13, StartColumn: 20},
		Flow: []finding.Step{
			{Location: finding.Location{Path: "api/handler.go", StartLine: 21, StartColumn: 9}, Message: "source: net/http.Request.FormValue"},
			{Location: finding.Location{Path: "api/handler.go", StartLine: 22, StartColumn: 14}, Message: "passed to ByName"},
			{Location: finding.Location{Path: "store/store.go", StartLine: 13, StartColumn: 20}, Message: "sink: database/sql.DB.Query"},
		},
	}}
	return r
}

// TestSARIFCodeFlows: a finding's flow becomes one codeFlow with one threadFlow whose locations
// are the steps in order, each with its message; the log still matches the official schema, and
// the JSON report carries the flow within its own schema.
func TestSARIFCodeFlows(t *testing.T) {
	out := write(t, SARIF{}, flowRun())
	schema, err := os.ReadFile(shareddata.Path(t, "schemas", "sarif", "sarif-schema-2.1.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	s := compileSchema(t, "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json", schema)
	if err := validate(t, s, out); err != nil {
		t.Errorf("SARIF with codeFlows does not match the official schema: %v", err)
	}
	var log sarifLog
	if err := json.Unmarshal(out, &log); err != nil {
		t.Fatal(err)
	}
	res := log.Runs[0].Results[0]
	if len(res.CodeFlows) != 1 || len(res.CodeFlows[0].ThreadFlows) != 1 {
		t.Fatalf("codeFlows = %+v, want one flow with one thread", res.CodeFlows)
	}
	var got []string
	for _, l := range res.CodeFlows[0].ThreadFlows[0].Locations {
		pl := l.Location.PhysicalLocation
		got = append(got, pl.ArtifactLocation.URI+":"+itoa(pl.Region.StartLine)+" "+l.Location.Message.Text)
	}
	want := []string{
		"api/handler.go:21 source: net/http.Request.FormValue",
		"api/handler.go:22 passed to ByName",
		"store/store.go:13 sink: database/sql.DB.Query",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("thread flow (-want +got):\n%s", d)
	}

	docSchema, err := os.ReadFile(filepath.Join(shareddata.ModuleRoot(t), "docs", "schemas", "report-v1.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := validate(t, compileSchema(t, "report-v1.schema.json", docSchema), write(t, JSON{}, flowRun())); err != nil {
		t.Errorf("JSON report with a flow does not match its schema: %v", err)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }
