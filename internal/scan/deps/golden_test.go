package deps

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/inventory"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// TestGoldenFindings pins every field of the findings for a small mixed inventory (Go module with
// a toolchain line and imports, a PyPI package with an alias record, a transitive crate), so any
// change to titles, remediation, properties or fingerprints shows up in review.
func TestGoldenFindings(t *testing.T) {
	db := testDB(t)
	pkgs := append(goInventory(),
		inventory.Package{Ecosystem: "PyPI", Name: "tornado", Version: "2.1", Direct: true,
			Location: finding.Location{Path: "requirements.txt", StartLine: 3}},
		inventory.Package{Ecosystem: "crates.io", Name: "app", Version: "0.1.0", Direct: true,
			Location: finding.Location{Path: "Cargo.lock", StartLine: 4}, DependsOn: []string{"crates.io/hyper@0.10.1"}},
		inventory.Package{Ecosystem: "crates.io", Name: "hyper", Version: "0.10.1",
			Location: finding.Location{Path: "Cargo.lock", StartLine: 12}},
	)
	tr := tree(t, map[string]string{"go.mod": goMod, "main.go": mainGo})
	res, err := New(db, fakeExtractor(pkgs), Options{Now: func() time.Time { return fetched }}).Analyze(context.Background(), tr)
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "golden", "findings.json")
	if *update {
		if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -run TestGoldenFindings -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)+"\n"); diff != "" {
		t.Errorf("findings differ from %s (-want +got; -update rewrites it):\n%s", golden, diff)
	}
}
