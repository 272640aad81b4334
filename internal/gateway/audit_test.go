package gateway

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestAuditFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	a, err := openAudit(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []Record{
		{Time: time.Unix(1, 0).UTC(), RequestID: "r1", Direction: "inbound", Decision: "allow", Reason: "allowed", Status: 200},
		{Time: time.Unix(2, 0).UTC(), RequestID: "r2", Direction: "inbound", Decision: "deny", Reason: "no_route", Status: 404},
	}
	for i := range want {
		a.write(&want[i])
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("audit file mode %v, want 0600", fi.Mode().Perm())
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	var got []Record
	for dec.More() {
		var r Record
		if err := dec.Decode(&r); err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("records (-want +got):\n%s", d)
	}
}
